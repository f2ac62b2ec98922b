//! End-to-end tests of the fake registrar: real sockets on loopback, plain HTTP/1.1 written by
//! hand and DNS messages built with hickory-proto. One test binary (one link step).

mod aliyun;
mod binary;
mod cloudflare;
mod common;
mod dns;
mod echo;
mod faults;
mod godaddy;
