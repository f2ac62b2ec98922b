mod harness;
mod registrars;

mod aliyun;
mod check;
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
