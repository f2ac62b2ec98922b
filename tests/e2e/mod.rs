mod harness;
mod registrars;
pub mod servers;

mod aliyun;
mod check;
mod check_bind;
mod cloudflare;
mod config_errors;
mod crash;
mod daemon;
mod detect;
mod faults;
mod firsthour;
mod godaddy;
mod mail;
mod service;
mod soak;
mod sources;
