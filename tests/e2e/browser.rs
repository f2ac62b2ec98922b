//! The status page in a real browser (issue 15): headless Chromium (Debian's `chromium`,
//! installed by `.ci/run`) loads `/` from the running service against the fake registrar;
//! the page it rendered shows each domain and every finding of the service's `check`
//! report, follows `Accept-Language` (Chromium's `--accept-lang`), and screenshots at a
//! phone's and a desktop's width are kept under `target/tmp/status-page/` (not committed).
//! A Chromium that cannot start fails the test.

use super::harness::*;
use super::status_page::PageScene;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Chromium on loopback only: no sandbox (root in CI), nothing fetched in the background.
fn chromium(profile: &Path) -> Command {
    let bin = ["chromium", "chromium-browser"]
        .into_iter()
        .find(|b| {
            Command::new("sh")
                .args(["-c", &format!("command -v {b}")])
                .stdout(Stdio::null())
                .status()
                .is_ok_and(|s| s.success())
        })
        .expect("chromium is not installed: .ci/run installs Debian's chromium package");
    let mut c = Command::new(bin);
    c.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--no-default-browser-check",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-domain-reliability",
        "--disable-client-side-phishing-detection",
        "--no-pings",
        "--hide-scrollbars",
    ])
    .arg(format!("--user-data-dir={}", profile.display()))
    .stdin(Stdio::null());
    c
}

/// Run `cmd` to its end (at most two minutes; a browser that hangs fails the test).
fn finish(cmd: &mut Command) -> (String, String) {
    let out = tempfile::tempdir().expect("tempdir");
    let (o, e) = (out.path().join("out"), out.path().join("err"));
    let mut child = cmd
        .stdout(std::fs::File::create(&o).unwrap())
        .stderr(std::fs::File::create(&e).unwrap())
        .spawn()
        .expect("chromium could not be started");
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if start.elapsed() > Duration::from_secs(120) {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "chromium did not finish in 120 s: {}",
                std::fs::read_to_string(&e).unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let stdout = std::fs::read_to_string(&o).unwrap_or_default();
    let stderr = std::fs::read_to_string(&e).unwrap_or_default();
    assert!(status.success(), "chromium failed ({status}): {stderr}");
    (stdout, stderr)
}

/// The DOM Chromium built from `url`, with `lang` as its `Accept-Language`.
fn dom(url: &str, lang: &str) -> String {
    let profile = tempfile::tempdir().expect("profile dir");
    let (out, err) = finish(
        chromium(profile.path())
            .arg(format!("--accept-lang={lang}"))
            .arg("--dump-dom")
            .arg(url),
    );
    assert!(out.contains("</html>"), "no page from chromium: {err}");
    out
}

/// A screenshot of `url` at `width` × `height` CSS pixels, kept as `name`.
fn screenshot(url: &str, lang: &str, width: u32, height: u32, name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("status-page");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join(name);
    let _ = std::fs::remove_file(&file);
    let profile = tempfile::tempdir().expect("profile dir");
    finish(
        chromium(profile.path())
            .arg(format!("--accept-lang={lang}"))
            .arg(format!("--window-size={width},{height}"))
            .arg(format!("--screenshot={}", file.display()))
            .arg(url),
    );
    let png = std::fs::read(&file).expect("the screenshot file");
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "{name} is not a PNG");
    assert!(png.len() > 10_000, "{name} is nearly empty");
    file
}

#[test]
fn chromium_shows_every_domain_and_finding_in_the_browsers_language() {
    let s = PageScene::start();
    let url = format!("http://{}/", s.addr);

    // The findings the service's check holds: the same check, asked from the command line.
    let check = run(mxddns().arg("--config").arg(&s.config).args([
        "check",
        "--format",
        "json",
        "--address",
        "203.0.113.20",
    ]));
    let report: serde_json::Value = serde_json::from_str(&check.stdout).expect("check JSON");
    let domains = report["domains"].as_array().expect("domains");
    assert_eq!(domains.len(), 2, "{check:?}");

    let en = dom(&url, "en-US,en");
    assert!(en.contains("<html lang=\"en\">"), "{en}");
    assert!(en.contains("Records kept current"), "{en}");
    for d in domains {
        let name = d["domain"].as_str().unwrap();
        assert!(en.contains(&format!("</span>{name}</h2>")), "{name}: {en}");
        for f in d["findings"].as_array().unwrap() {
            let id = f["check"].as_str().unwrap();
            assert!(
                en.contains(&format!("[{id}]")),
                "finding {id} of {name}: {en}"
            );
        }
    }

    let zh = dom(&url, "zh-CN,zh");
    assert!(zh.contains("<html lang=\"zh-CN\">"), "{zh}");
    for want in [
        "保持更新的记录",
        "邮件 DNS 检查",
        "地址变更记录",
        "example.net",
    ] {
        assert!(zh.contains(want), "missing {want:?}: {zh}");
    }

    // Kept for a person to look at: phone and desktop widths, both languages.
    screenshot(&url, "zh-CN,zh", 390, 1800, "phone-zh-CN.png");
    screenshot(&url, "en-US,en", 390, 1800, "phone-en.png");
    screenshot(&url, "zh-CN,zh", 1280, 1400, "desktop-zh-CN.png");
    screenshot(&url, "en-US,en", 1280, 1400, "desktop-en.png");
}
