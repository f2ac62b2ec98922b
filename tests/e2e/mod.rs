mod harness;

mod check;
mod cloudflare;
mod config_errors;
mod daemon;
mod detect;
mod mail;
