//! `mxddns-fakereg`: the fake registrar as a standalone process for scripts and benchmarks.
//!
//! `mxddns-fakereg --seed seed.json` (or `--example`) prints one line
//! `cloudflare=http://127.0.0.1:P/client/v4 aliyun=http://127.0.0.1:A godaddy=http://127.0.0.1:G
//! dnspod=http://127.0.0.1:T huaweicloud=http://127.0.0.1:H dns=127.0.0.1:Q
//! rfc2136=127.0.0.1:Q tsig_keys=mxddns-demo echo=http://127.0.0.1:R/ip trace=…`
//! (`tsig_keys`: the names of the TSIG keys RFC 2136 UPDATEs may be signed with, comma
//! separated, `-` when none; never their secrets)
//! and runs until SIGTERM or SIGINT. With `--log FILE` it appends every HTTP request and DNS
//! query it answers to FILE, one JSON object per line (for counting in benchmarks). A line
//! `echo ADDRESS` on its standard input moves the echo address of that family (the HTTP echo
//! and the DNS whoami answers), so a script can move "the line's address" between cycles.

use std::io::{BufRead, Write};
use std::process::ExitCode;

use mxddns_fakereg::{FakeOptions, FakeRegistrar, RequestLog};

const USAGE: &str = "usage: mxddns-fakereg (--seed SEED.json | --example) [--log FILE]\n\
  --seed FILE   zones, Cloudflare tokens and echo addresses to start with (JSON)\n\
  --example     zone example.com, the demo credentials of every vendor (and TSIG key mxddns-demo), echo 203.0.113.20\n\
  --log FILE    append every HTTP request and DNS query answered to FILE (JSON lines, no secrets)\n\
standard input: a line `echo ADDRESS` sets the echo address of that family\n";

fn main() -> ExitCode {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let log = match args.iter().position(|a| a == "--log") {
        Some(i) if i + 1 < args.len() => {
            let path = args.remove(i + 1);
            args.remove(i);
            match RequestLog::with_file(std::path::Path::new(&path)) {
                Ok(l) => l,
                Err(e) => return fail(&format!("cannot write {path}: {e}")),
            }
        }
        Some(_) => {
            eprint!("{USAGE}");
            return ExitCode::from(2);
        }
        None => RequestLog::default(),
    };
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
    let tsig_keys = match opts
        .rfc2136
        .keys
        .iter()
        .map(|k| k.name.trim_end_matches('.'))
        .collect::<Vec<_>>()
        .join(",")
    {
        names if names.is_empty() => "-".to_string(),
        names => names,
    };
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => return fail(&format!("cannot start the runtime: {e}")),
    };
    rt.block_on(async move {
        let reg = match FakeRegistrar::start_with_log(opts, log).await {
            Ok(r) => r,
            Err(e) => return fail(&format!("cannot start: {e}")),
        };
        println!(
            "cloudflare={} aliyun={} godaddy={} dnspod={} huaweicloud={} dns={} rfc2136={} tsig_keys={} echo={} trace={}",
            reg.cloudflare_endpoint(),
            reg.aliyun_endpoint(),
            reg.godaddy_endpoint(),
            reg.dnspod_endpoint(),
            reg.huaweicloud_endpoint(),
            reg.dns_addr(),
            reg.rfc2136_server(),
            tsig_keys,
            reg.echo_url(),
            reg.trace_url()
        );
        let _ = std::io::stdout().flush();
        let echo = reg.echo().clone();
        // Blocking reads on their own thread; it ends with stdin (or with the process).
        let _ = std::thread::Builder::new()
            .name("stdin".to_string())
            .spawn(move || {
                for line in std::io::stdin().lock().lines().map_while(Result::ok) {
                    match line.trim().strip_prefix("echo ").map(|a| a.trim().parse()) {
                        Some(Ok(ip)) => echo.set(ip),
                        _ => {
                            eprintln!("mxddns-fakereg: unknown command {line:?}; use: echo ADDRESS")
                        }
                    }
                }
            });
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
