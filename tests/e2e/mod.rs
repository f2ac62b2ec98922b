mod harness;

mod aliyun;
mod cloudflare;
mod config_errors;
mod daemon;
