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

/// A domain with MX, A, SPF and reverse DNS but no DMARC record, on the fake registrar.
fn without_dmarc() -> Env {
    use mxddns_fakereg::{CfToken, FakeOptions, RrType};
    Env::with(
        FakeOptions::new()
            .cloudflare_token(CfToken::full(CF_TOKEN))
            .echo_ipv4("203.0.113.20".parse().unwrap())
            .zone("example.com")
            .record(
                "example.com",
                "example.com",
                RrType::MX,
                "10 mail.example.com.",
            )
            .record("example.com", "mail.example.com", RrType::A, "203.0.113.20")
            .txt("example.com", "example.com", &["v=spf1 mx -all"])
            .zone("113.0.203.in-addr.arpa")
            .record(
                "113.0.203.in-addr.arpa",
                "20.113.0.203.in-addr.arpa",
                RrType::PTR,
                "mail.example.com.",
            )
            .zone("zen.spamhaus.org"),
    )
}

#[test]
fn check_findings_and_their_fixes_in_chinese() {
    let env = without_dmarc();
    let cfg = env.write_config(
        &env.cloudflare_config_with("  - domain: example.com\n    provider: home-cf\n"),
    );
    let zh = run(mxddns().arg("--config").arg(&cfg).args([
        "check",
        "--address",
        "203.0.113.20",
        "--lang",
        "zh-CN",
    ]));
    for want in [
        // A finding, its id unchanged, and its fix under it.
        "example.com 没有 DMARC 记录：大型收件方（Gmail、Yahoo、Microsoft）要求群发方有这条记录",
        "[dmarc.missing]",
        "解决办法：请在 _dmarc.example.com 添加一条 TXT 记录：\"v=DMARC1; p=none; rua=mailto:postmaster@example.com\"",
        // An "ok" finding and the totals.
        "主 MX 主机 mail.example.com 指向本网络的地址 203.0.113.20",
        "0 个错误",
    ] {
        assert!(zh.stdout.contains(want), "missing {want:?}: {zh:?}");
    }
    assert!(!zh.stdout.contains("has no DMARC record"), "{zh:?}");
    // The same report in English, word for word as before.
    let en = run(mxddns()
        .arg("--config")
        .arg(&cfg)
        .args(["check", "--address", "203.0.113.20"]));
    for want in [
        "example.com has no DMARC record: large receivers (Gmail, Yahoo, Microsoft) expect one \
         from bulk senders and trust mail without it less  [dmarc.missing]",
        "fix: add a TXT record at _dmarc.example.com: \"v=DMARC1; p=none; rua=mailto:postmaster@example.com\"",
        "primary MX host mail.example.com points at this network's address 203.0.113.20",
    ] {
        assert!(en.stdout.contains(want), "missing {want:?}: {en:?}");
    }
    assert_eq!(zh.code, en.code, "the language does not change the verdict");
}

#[test]
fn a_configuration_error_and_its_fix_in_chinese() {
    let env = Env::example();
    let cfg = env.write_config(
        &env.cloudflare_config(CF_TOKEN)
            .replace("schedule: 30s", "schedule: soon"),
    );
    let zh = run(mxddns()
        .arg("--config")
        .arg(&cfg)
        .args(["validate", "--lang", "zh-CN"]));
    assert_eq!(zh.code, 2, "{zh:?}");
    assert!(
        zh.stderr.contains(
            ":1: schedule: \"soon\" 既不是时长也不是 cron 表达式 —— 请写时长，例如 30s、5m 或 1h"
        ),
        "{zh:?}"
    );
    let en = run(mxddns().arg("--config").arg(&cfg).arg("validate"));
    assert!(
        en.stderr.contains(
            ":1: schedule: \"soon\" is neither a duration nor a cron expression — write a duration such as 30s"
        ),
        "{en:?}"
    );
    // A valid configuration: validate's summary in Chinese.
    let ok = env.write_config(&env.cloudflare_config(CF_TOKEN));
    let v = run(mxddns()
        .arg("--config")
        .arg(&ok)
        .args(["validate", "--lang", "zh-CN"]));
    assert_eq!(v.code, 0, "{v:?}");
    for want in ["有效。", "IP 探测", "服务商", "域名"] {
        assert!(v.stdout.contains(want), "missing {want:?}: {v:?}");
    }
}

#[test]
fn plan_in_chinese() {
    use mxddns_fakereg::FakeOptions;
    let reg = Registrar::Cloudflare;
    let env = Env::with(
        reg.with_credentials(
            FakeOptions::new()
                .echo_ipv4("203.0.113.20".parse().unwrap())
                .zone("example.com"),
        ),
    );
    let cfg = env.write_config(&env.config_for(
        reg,
        "  - domain: example.com\n    provider: {provider}\n    ttl: 3600\n    mail:\n      mx:\n        - { host: mail.example.com, priority: 10 }\n",
    ));
    let before = env.writes();
    let zh = run(mxddns()
        .arg("--config")
        .arg(&cfg)
        .args(["plan", "--lang", "zh-CN"]));
    assert_eq!(zh.code, 3, "{zh:?}");
    assert_eq!(env.writes(), before, "plan wrote");
    for want in [
        // The records themselves are DNS, not words: unchanged.
        "+    mail.example.com A 203.0.113.20",
        "PTR  203.0.113.20 -> mail.example.com：注册商无法设置这一项",
        "plan：",
        "条新建",
    ] {
        assert!(zh.stdout.contains(want), "missing {want:?}: {zh:?}");
    }
    let en = run(mxddns().arg("--config").arg(&cfg).arg("plan"));
    assert!(
        en.stdout
            .contains("PTR  203.0.113.20 -> mail.example.com: registrars cannot set this"),
        "{en:?}"
    );
    assert!(en.stdout.contains(" to create, "), "{en:?}");
    // Without a terminal, apply refuses in Chinese too, and writes nothing.
    let refused = run(mxddns()
        .arg("--config")
        .arg(&cfg)
        .args(["apply", "--lang", "zh-CN"]));
    assert_eq!(refused.code, 2, "{refused:?}");
    assert!(refused.stderr.contains("需要加 --yes"), "{refused:?}");
    assert_eq!(env.writes(), before);
}

/// A registrar's error keeps the vendor's code and policy name and gives its advice in the
/// chosen language (the providers crate's own locale files); English is unchanged.
#[test]
fn a_registrar_error_gives_its_advice_in_chinese() {
    use mxddns_fakereg::{AliyunAccess, AliyunKey, FakeOptions};
    let (id, secret) = ("LTAI5tNoRights000000000A", "NoRightsSecret0000000000000000");
    let env = Env::with_options(
        FakeOptions::example()
            .aliyun_access_key(AliyunKey::new(id, secret, &[]).with_access(AliyunAccess::None)),
    );
    let cfg = env.write_config(&env.aliyun_config(id, secret, None));
    let zh = run(mxddns()
        .arg("--config")
        .arg(&cfg)
        .args(["--update-now", "--lang", "zh-CN"]));
    assert_eq!(zh.code, 1, "{zh:?}");
    for want in [
        "Forbidden.RAM",
        "为该 RAM 用户授予 AliyunDNSFullAccess（或一条在此域名上包含 alidns:DescribeDomainRecords、\
         alidns:DescribeSubDomainRecords、alidns:UpdateDomainRecord 和 alidns:AddDomainRecord 的策略）",
    ] {
        assert!(zh.stderr.contains(want), "missing {want:?}: {zh:?}");
    }
    assert!(!zh.stderr.contains("grant the RAM user"), "{zh:?}");
    let en = run(mxddns().arg("--config").arg(&cfg).arg("--update-now"));
    assert_eq!(en.code, 1, "{en:?}");
    let want = "grant the RAM user AliyunDNSFullAccess (or a policy with \
                alidns:DescribeDomainRecords, alidns:DescribeSubDomainRecords, \
                alidns:UpdateDomainRecord and alidns:AddDomainRecord on this domain)";
    assert!(en.stderr.contains(want), "missing {want:?}: {en:?}");
    assert!(!en.stderr.contains("授予"), "{en:?}");
    assert!(!zh.stderr.contains(secret) && !en.stderr.contains(secret));
    assert_eq!(env.a_records("mail.example.com"), vec!["203.0.113.10"]);
}

/// Cloudflare's 9109 (a revoked token): the code stays, the fix is in Chinese; English as before.
#[test]
fn a_revoked_cloudflare_token_gets_its_fix_in_chinese() {
    let env = Env::example();
    let token = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    let cfg = env.write_config(&env.cloudflare_config(token));
    let zh = run(mxddns()
        .arg("--config")
        .arg(&cfg)
        .args(["--update-now", "--lang", "zh-CN"]));
    assert_eq!(zh.code, 1, "{zh:?}");
    for want in [
        "9109",
        "Cloudflare 不认识该 api_token，或它已过期或被吊销：请新建一个 API 令牌（My Profile → API Tokens）并写入配置",
    ] {
        assert!(zh.stderr.contains(want), "missing {want:?}: {zh:?}");
    }
    let en = run(mxddns().arg("--config").arg(&cfg).arg("--update-now"));
    assert_eq!(en.code, 1, "{en:?}");
    let want = "The api_token is unknown to Cloudflare, expired or revoked: create a new API \
                token (My Profile → API Tokens) and configure it";
    assert!(en.stderr.contains(want), "missing {want:?}: {en:?}");
    assert!(!zh.all().contains(token) && !en.all().contains(token));
    assert_eq!(env.a_records("mail.example.com"), vec!["203.0.113.10"]);
}
