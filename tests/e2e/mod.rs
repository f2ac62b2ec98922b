mod harness;

mod cloudflare;
mod config_errors;
mod daemon;
mod service;
