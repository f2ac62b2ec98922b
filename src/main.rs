//! mxddns: keeps a home mail server's MX host pointing at the line's public address.

mod config;
mod detect;
mod dns;
mod http;
mod net;
mod verify;

fn main() {}
