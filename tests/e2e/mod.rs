mod harness;

mod cloudflare;
mod config_errors;
mod daemon;
mod godaddy;
