//! Real servers from Debian packages, started by the tests on loopback (BIND 9, Postfix).
//! A server that cannot start fails its test with the server's own log: never a skip.

// Shared by several test files: not every one uses every helper.
#![allow(dead_code)]

pub mod bind;
pub mod knot;
pub mod postfix;
pub mod proxy;
