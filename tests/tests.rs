//! End-to-end tests: the real `mxddns` binary against the fake registrar (registrar HTTP
//! API + authoritative DNS + IP echo) on loopback ephemeral ports. One test binary, one
//! link step (ripgrep's layout).

mod e2e;
