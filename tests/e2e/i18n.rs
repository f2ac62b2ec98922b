//! The tool in Simplified Chinese (issue 15): chosen by `--lang`, then `LC_ALL`,
//! `LC_MESSAGES`, `LANG`; English otherwise.

use super::harness::*;

#[test]
fn help_follows_the_lang_flag_and_the_environment() {
    let zh = run(mxddns().args(["--lang", "zh-CN", "--help"]));
    assert_eq!(zh.code, 0, "{zh:?}");
    for want in [
        "用法：",
        "命令:",
        "选项:",
        "诊断邮件域名的 DNS",
        "配置文件",
        "显示帮助",
    ] {
        assert!(zh.stdout.contains(want), "missing {want:?}: {zh:?}");
    }
    let env = run(mxddns()
        .env("LANG", "zh_CN.UTF-8")
        .args(["check", "--help"]));
    assert!(env.stdout.contains("检查这个域名"), "{env:?}");
    // LC_ALL wins over LANG, and --lang over both.
    let all = run(mxddns()
        .env("LANG", "zh_CN.UTF-8")
        .env("LC_ALL", "en_US.UTF-8")
        .arg("--help"));
    assert!(all.stdout.contains("Usage:"), "{all:?}");
    let flag = run(mxddns()
        .env("LC_ALL", "zh_CN.UTF-8")
        .args(["--lang=en", "--help"]));
    assert!(flag.stdout.contains("Configuration file"), "{flag:?}");
    let en = run(mxddns().arg("--help"));
    assert!(
        en.stdout.contains("Options:") && !en.stdout.contains("选项"),
        "{en:?}"
    );
}

#[test]
fn the_update_now_summary_in_chinese() {
    let env = Env::example();
    let cfg = env.write_config(&env.cloudflare_config(CF_TOKEN));
    let r = run(mxddns()
        .arg("--config")
        .arg(&cfg)
        .args(["--update-now", "--lang", "zh-CN"]));
    assert_eq!(r.code, 0, "{r:?}");
    for want in [
        "地址：203.0.113.20",
        "example.com：mail.example.com A 203.0.113.10 -> 203.0.113.20 已在 home-cf 更新",
        "example.com：已验证 MX mail.example.com",
        "本轮：1 个域名",
    ] {
        assert!(r.stdout.contains(want), "missing {want:?}: {r:?}");
    }
    let again = run(mxddns()
        .arg("--config")
        .arg(&cfg)
        .arg("--update-now")
        .env("LANG", "zh_CN.UTF-8"));
    assert!(again.stdout.contains("已是最新；未调用 API"), "{again:?}");
}

#[test]
fn configuration_errors_in_chinese() {
    let env = Env::example();
    let text = env
        .cloudflare_config(CF_TOKEN)
        .replace("schedule: 30s", "schedul: 30s");
    let cfg = env.write_config(&text);
    let r = run(mxddns()
        .arg("--config")
        .arg(&cfg)
        .args(["validate", "--lang", "zh-CN"]));
    assert_eq!(r.code, 2, "{r:?}");
    for want in [
        "错误：",
        ":1: schedul: 未知的键 —— 您是不是想写 \"schedule\"？",
        "（此处可用的键：schedule, state_file,",
    ] {
        assert!(r.stderr.contains(want), "missing {want:?}: {r:?}");
    }
    // The same file in English, as before.
    let en = run(mxddns().arg("--config").arg(&cfg).arg("validate"));
    assert!(
        en.stderr
            .contains("unknown key — did you mean \"schedule\"?"),
        "{en:?}"
    );
    let typo = env.write_config(
        &env.cloudflare_config(CF_TOKEN)
            .replace("type: cloudflare", "type: cloudflair"),
    );
    let t = run(mxddns()
        .arg("--config")
        .arg(&typo)
        .args(["validate", "--lang", "zh-CN"]));
    assert!(
        t.stderr
            .contains("未知的服务商类型 \"cloudflair\"（您是不是想写 cloudflare？）"),
        "{t:?}"
    );
    let missing = run(mxddns()
        .args(["--config", "/nonexistent/mxddns.yaml", "validate"])
        .env("LANG", "zh_CN.UTF-8"));
    assert!(missing.stderr.contains("无法读取配置文件"), "{missing:?}");
}

#[test]
fn the_check_report_frame_in_chinese() {
    let env = Env::example();
    let cfg = env.write_config(&env.cloudflare_config(CF_TOKEN));
    let r = run(mxddns().arg("--config").arg(&cfg).args([
        "check",
        "--address",
        "203.0.113.10",
        "--lang",
        "zh-CN",
    ]));
    for want in [
        "example.com（公网地址：203.0.113.10）",
        "解决办法：",
        "个警告",
    ] {
        assert!(r.stdout.contains(want), "missing {want:?}: {r:?}");
    }
}
