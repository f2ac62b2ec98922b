mod harness;

mod aliyun;
mod check;
mod cloudflare;
mod config_errors;
mod daemon;
mod detect;
mod godaddy;
mod mail;
mod service;
