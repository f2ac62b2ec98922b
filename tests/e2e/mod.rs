mod harness;
mod registrars;

mod cloudflare;
mod config_errors;
mod daemon;
mod faults;
