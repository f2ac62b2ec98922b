//! The agent's parsing modules, compiled here by path (the `mxddns` package is a binary
//! with no library target): the configuration loader with what it needs (detection
//! sources, DNS names, the HTTP client's limits), and the SPF module. Only the fuzz
//! targets use this crate.

#![allow(dead_code, unused_imports, clippy::all)]

#[path = "../../src/config/mod.rs"]
pub mod config;
#[path = "../../src/detect/mod.rs"]
pub mod detect;
#[path = "../../src/dns/mod.rs"]
pub mod dns;
#[path = "../../src/http.rs"]
pub mod http;
#[path = "../../src/net.rs"]
pub mod net;
#[path = "../../src/spf.rs"]
pub mod spf;

/// The redaction point the configuration loader registers secrets with (the agent's
/// `src/redact.rs` adds only its output plumbing on top of these).
pub mod redact {
    pub use mxddns_providers::redact::{quote, redact, register, register_url};
}

/// Only the template checks of the notifications, which the configuration loader uses.
pub mod notify {
    pub use crate::notify_template as template;
}
#[path = "../../src/notify/template.rs"]
#[doc(hidden)]
pub mod notify_template;
