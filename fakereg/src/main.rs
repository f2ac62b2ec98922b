//! `mxddns-fakereg`: the fake registrar as a standalone process for scripts and benchmarks.
//!
//! `mxddns-fakereg --seed seed.json` (or `--example`) prints one line
//! `cloudflare=http://127.0.0.1:P/client/v4 aliyun=http://127.0.0.1:A godaddy=http://127.0.0.1:G
//! dns=127.0.0.1:Q echo=http://127.0.0.1:R/ip trace=…`
//! and runs until SIGTERM or SIGINT.

use std::io::Write;
use std::process::ExitCode;

use mxddns_fakereg::{FakeOptions, FakeRegistrar};

const USAGE: &str = "usage: mxddns-fakereg (--seed SEED.json | --example)\n\
  --seed FILE   zones, Cloudflare tokens and echo addresses to start with (JSON)\n\
  --example     zone example.com, one full-rights Cloudflare token and Alidns AccessKey, echo 203.0.113.20\n";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let opts = match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["--seed", path] => match std::fs::read_to_string(path) {
            Ok(text) => match FakeOptions::from_json(&text) {
                Ok(o) => o,
                Err(e) => return fail(&format!("{path}: {e}")),
            },
            Err(e) => return fail(&format!("cannot read {path}: {e}")),
        },
        ["--example"] => FakeOptions::example(),
        ["-h" | "--help"] => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        _ => {
            eprint!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => return fail(&format!("cannot start the runtime: {e}")),
    };
    rt.block_on(async move {
        let reg = match FakeRegistrar::start(opts).await {
            Ok(r) => r,
            Err(e) => return fail(&format!("cannot start: {e}")),
        };
        println!(
            "cloudflare={} aliyun={} godaddy={} dns={} echo={} trace={}",
            reg.cloudflare_endpoint(),
            reg.aliyun_endpoint(),
            reg.godaddy_endpoint(),
            reg.dns_addr(),
            reg.echo_url(),
            reg.trace_url()
        );
        let _ = std::io::stdout().flush();
        wait_for_signal().await;
        drop(reg);
        ExitCode::SUCCESS
    })
}

fn fail(msg: &str) -> ExitCode {
    eprintln!("mxddns-fakereg: {msg}");
    ExitCode::FAILURE
}

#[cfg(unix)]
async fn wait_for_signal() {
    use tokio::signal::unix::{signal, SignalKind};
    match signal(SignalKind::terminate()) {
        Ok(mut term) => {
            tokio::select! {
                _ = term.recv() => {}
                _ = tokio::signal::ctrl_c() => {}
            }
        }
        Err(_) => {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

#[cfg(not(unix))]
async fn wait_for_signal() {
    let _ = tokio::signal::ctrl_c().await;
}
