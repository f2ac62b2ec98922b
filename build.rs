// The locale files are compiled into the binary by `rust_i18n::i18n!`: rebuild when
// one changes.
//
// Static musl release builds (what packaging/ ships to routers and NAS boxes, and what
// bench/sizes.sh measures) are linked without unwind tables: the release profile aborts on
// panic, so nothing unwinds, and the tables were ≈ 620 KB of the `cloudflare` router build
// (bench/report/noeh.md). Two linker arguments, for this package's binaries only:
//   * `--no-eh-frame-hdr`: no .eh_frame_hdr lookup table (and no PT_GNU_EH_FRAME);
//   * `-T link/no-eh-frame.ld`: the .eh_frame sections themselves are discarded.
// A panic still prints its message and aborts; only a RUST_BACKTRACE backtrace is empty.
// Debug and test builds keep them (they unwind: `cargo test` needs it, on musl too).
// MXDDNS_KEEP_UNWIND_TABLES=1 keeps them in a release build as well (for a backtrace, or a
// linker that does not take the script; lld is recognised and left alone).
use std::env;
use std::path::Path;

fn main() {
    println!("cargo:rerun-if-changed=locales");
    println!("cargo:rerun-if-changed=link/no-eh-frame.ld");
    println!("cargo:rerun-if-env-changed=MXDDNS_KEEP_UNWIND_TABLES");
    println!("cargo:rerun-if-env-changed=RUSTC_LINKER");
    let musl = env::var("CARGO_CFG_TARGET_ENV").as_deref() == Ok("musl");
    // A build script cannot see the panic strategy (CARGO_CFG_PANIC is the target's default,
    // not the profile's); PROFILE is "release" for the release profile and the profiles that
    // inherit from it, all of which abort on panic here (Cargo.toml).
    let release = env::var("PROFILE").as_deref() == Ok("release");
    let keep = env::var_os("MXDDNS_KEEP_UNWIND_TABLES").is_some_and(|v| !v.is_empty() && v != "0");
    // The script relies on GNU ld's default linker script (INSERT BEFORE .eh_frame): lld has
    // none and refuses it ("unable to insert /DISCARD/ before .eh_frame"). rustc links musl
    // targets with `cc` (GNU ld); a build told to use lld keeps its tables, with a warning.
    let flags = env::var("CARGO_ENCODED_RUSTFLAGS").unwrap_or_default();
    let linker = env::var("RUSTC_LINKER").unwrap_or_default();
    // `-fuse-ld=lld`, `ld.lld`, `rust-lld`, `lld-link`, `-Clinker-flavor=gnu-lld-cc`; not any
    // path that merely has the letters in it.
    let names_lld = |s: &str| {
        s.ends_with("=lld") || ["ld.lld", "-lld", "lld-link"].iter().any(|p| s.contains(p))
    };
    let linker_name = Path::new(&linker)
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("");
    let lld = flags.split('\x1f').any(names_lld) || names_lld(linker_name) || linker_name == "lld";
    if musl && release && !keep && lld {
        println!("cargo:warning=linking with lld: the unwind tables stay in (link/no-eh-frame.ld needs GNU ld)");
    }
    if musl && release && !keep && !lld {
        let script = Path::new(&env::var("CARGO_MANIFEST_DIR").expect("set by cargo"))
            .join("link")
            .join("no-eh-frame.ld");
        println!("cargo:rustc-link-arg-bins=-Wl,--no-eh-frame-hdr");
        println!("cargo:rustc-link-arg-bins=-Wl,-T,{}", script.display());
    }
}
