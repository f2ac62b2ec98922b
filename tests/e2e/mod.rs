mod harness;
mod registrars;

mod cloudflare;
mod config_errors;
mod crash;
mod daemon;
mod faults;
mod soak;
mod sources;
