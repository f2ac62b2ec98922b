//! `notify:`: webhooks, their defaults, their errors, and their secrets kept out of output.

use super::*;

/// `config_with` plus a `notify:` section from line 12 on.
fn with_notify(lines: &[&str]) -> String {
    let mut extra = vec!["notify:"];
    extra.extend_from_slice(lines);
    config_with(&extra)
}

#[test]
fn webhooks_with_their_defaults() {
    let text = with_notify(&[
        "  - url: https://ntfy.sh/mxddns-CANARY-topic", // 13
        "  - url: https://hooks.slack.com/services/T0/B0/${CF_TOKEN}",
        "    method: put",
        "    headers:",
        "      Authorization: Bearer ${CF_TOKEN}",
        "      X-Title: mail",
        "    body: '{\"text\": \"{message}\"}'",
        "    on: [failure, Recovery]",
        "    after_failures: 5",
    ]);
    let c = load_text(&text).unwrap().config;
    assert_eq!(c.notify.len(), 2);
    let a = &c.notify[0];
    assert_eq!(a.url.expose(), "https://ntfy.sh/mxddns-CANARY-topic");
    assert_eq!(a.target, "https://ntfy.sh");
    assert_eq!(a.method, NotifyMethod::Post);
    assert!(a.headers.is_empty());
    assert_eq!(a.body, None);
    assert_eq!(
        a.on,
        NotifyOn {
            change: true,
            failure: true,
            recovery: true
        }
    );
    assert_eq!(a.after_failures, 3);
    assert_eq!(a.index, 0);
    let b = &c.notify[1];
    assert_eq!(
        b.url.expose(),
        "https://hooks.slack.com/services/T0/B0/cf-token-0123456789abcdef"
    );
    assert_eq!(b.target, "https://hooks.slack.com");
    assert_eq!(b.method, NotifyMethod::Put);
    let headers: Vec<(&str, &str, bool)> = b
        .headers
        .iter()
        .map(|h| (h.name.as_str(), h.value.expose(), h.secret))
        .collect();
    assert_eq!(
        headers,
        [
            ("Authorization", "Bearer cf-token-0123456789abcdef", true),
            ("X-Title", "mail", false)
        ]
    );
    assert_eq!(b.body.as_deref(), Some("{\"text\": \"{message}\"}"));
    assert_eq!(
        b.on,
        NotifyOn {
            change: false,
            failure: true,
            recovery: true
        }
    );
    assert_eq!(b.after_failures, 5);

    // Absent or empty: no webhooks.
    assert!(load_text(&config_with(&[]))
        .unwrap()
        .config
        .notify
        .is_empty());
    assert!(load_text(&config_with(&["notify: []"]))
        .unwrap()
        .config
        .notify
        .is_empty());
    // Plain http to loopback, for tests and local relays.
    let c = load_text(&with_notify(&["  - url: http://127.0.0.1:8080/hook"])).unwrap();
    assert_eq!(c.config.notify[0].target, "http://127.0.0.1:8080");
}

#[test]
fn broken_webhooks_say_where_and_what() {
    let cases: Vec<(&str, String, &str)> = vec![
        (
            "no url",
            with_notify(&["  - method: POST"]),
            "config.yaml:13: notify[0]: missing url — add the webhook's URL, such as https://ntfy.sh/your-topic",
        ),
        (
            "plain http elsewhere",
            with_notify(&["  - url: http://hooks.example.net/T0/CANARY"]),
            "config.yaml:13: notify[0].url: the URL uses plain http, which is accepted only for loopback addresses (127.0.0.1, [::1], localhost) — use https://",
        ),
        (
            "not a URL",
            with_notify(&["  - url: hooks.example.net/CANARY"]),
            "config.yaml:13: notify[0].url: the URL is not a URL (relative URL without a base) — write the webhook's URL, such as https://ntfy.sh/your-topic",
        ),
        (
            "a host in Unicode (the IDNA back end is ASCII-only: punycode is asked for)",
            with_notify(&["  - url: https://hooks.bücher.example/CANARY"]),
            "config.yaml:13: notify[0].url: the URL is not a URL (the host name has non-ASCII characters; write it in punycode (xn--…), for example with `idn2 NAME`) — write the webhook's URL, such as https://ntfy.sh/your-topic",
        ),
        (
            "another scheme",
            with_notify(&["  - url: ftp://hooks.example.net/CANARY"]),
            "config.yaml:13: notify[0].url: the URL is not an https URL (scheme \"ftp\") — write the webhook's URL, such as https://ntfy.sh/your-topic",
        ),
        (
            "bad method",
            with_notify(&["  - url: https://ntfy.sh/t", "    method: DELETE"]),
            "config.yaml:14: notify[0].method: \"DELETE\" is not one of GET, POST, PUT, PATCH — POST is the default",
        ),
        (
            "bad header name",
            with_notify(&["  - url: https://ntfy.sh/t", "    headers:", "      \"X Title\": a"]),
            "config.yaml:15: notify[0].headers.X Title: is not a header name — use letters, digits and - only, such as X-Title",
        ),
        (
            "header mxddns sets",
            with_notify(&["  - url: https://ntfy.sh/t", "    headers:", "      Content-Length: 5"]),
            "config.yaml:15: notify[0].headers.Content-Length: is set by mxddns itself — remove it",
        ),
        (
            "header twice",
            with_notify(&["  - url: https://ntfy.sh/t", "    headers:", "      Title: a", "      title: b"]),
            "config.yaml:16: notify[0].headers.title: is written twice (also as Title) — header names ignore case; keep one",
        ),
        (
            "header value over two lines",
            with_notify(&["  - url: https://ntfy.sh/t", "    headers:", "      X-Key: \"CANARY\\nmore\""]),
            "config.yaml:15: notify[0].headers.X-Key: the value is not a valid header value (line breaks or control characters) — write it on one line",
        ),
        (
            "misspelt placeholder",
            with_notify(&["  - url: https://ntfy.sh/t", "    body: \"{domian} is {new}\""]),
            "config.yaml:14: notify[0].body: {domian} is not a placeholder (did you mean {domain}?) — use {domain}, {host}, {old}, {new}, {error}, {event}, {message}",
        ),
        (
            "no events",
            with_notify(&["  - url: https://ntfy.sh/t", "    on: []"]),
            "config.yaml:14: notify[0].on: is empty — list some of change, failure, recovery, or remove the key for all three",
        ),
        (
            "unknown event",
            with_notify(&["  - url: https://ntfy.sh/t", "    on: [change, failed]"]),
            "config.yaml:14: notify[0].on[1]: \"failed\" is not an event — use change, failure or recovery",
        ),
        (
            "zero failures",
            with_notify(&["  - url: https://ntfy.sh/t", "    after_failures: 0"]),
            "config.yaml:14: notify[0].after_failures: \"0\" is not a number of cycles — write 1 or more (default 3)",
        ),
        (
            "unknown key",
            with_notify(&["  - url: https://ntfy.sh/t", "    header:", "      a: b"]),
            "config.yaml:14: notify[0].header: unknown key — did you mean \"headers\"? (valid keys here: url, method, headers, body, on, after_failures, tls_ca_file)",
        ),
        (
            "a mapping instead of a list",
            config_with(&["notify:", "  url: https://ntfy.sh/t"]),
            "config.yaml:13: notify: must be a list (\"- item\" lines, or [a, b]), not a mapping",
        ),
    ];
    let mut failures = Vec::new();
    for (name, text, want) in cases {
        let got = error_of(&text);
        if got != want {
            failures.push(format!("{name}:\n  got:  {got}\n  want: {want}"));
        }
        assert!(!got.contains("CANARY"), "{name}: {got}");
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn a_body_with_get_is_warned_about() {
    let loaded = load_text(&with_notify(&[
        "  - url: https://ntfy.sh/t",
        "    method: GET",
        "    body: x",
    ]))
    .unwrap();
    assert_eq!(
        loaded.warnings,
        ["config.yaml:15: notify[0].body: is not sent with method GET"]
    );
}

#[test]
fn the_plan_shows_webhooks_without_their_secrets() {
    let text = with_notify(&[
        &format!("  - url: https://api.telegram.org/bot{CANARY}/sendMessage"),
        "    headers:",
        &format!("      X-Gotify-Key: {CANARY}"),
        "      Title: mail",
        "    body: '{\"chat_id\": \"42\", \"text\": \"{message}\"}'",
        "    on: [failure]",
        "    after_failures: 1",
        "  - url: https://ntfy.sh/topic",
        "    method: put",
    ]);
    let loaded = load_text(&text).unwrap();
    let plan = render_plan(&loaded.config);
    let debug = format!("{loaded:?}");
    for shown in [&plan, &debug] {
        assert!(!shown.contains(CANARY), "{shown}");
        assert!(!shown.contains("s3cr3t"), "{shown}");
    }
    for line in [
        "Notifications",
        "  notify[0]: POST https://api.telegram.org/… on failure (after 1 failed cycle in a row)",
        "    headers: X-Gotify-Key: ***55d2, Title: mail",
        "    body: a JSON template (38 characters)",
        "  notify[1]: PUT https://ntfy.sh/… on change, failure (after 3 failed cycles in a row), recovery",
        "    body: the message, as plain text",
    ] {
        assert!(plan.lines().any(|l| l == line), "missing {line:?} in\n{plan}");
    }
    let plain = render_plan(&load_text(&config_with(&[])).unwrap().config);
    assert!(plain.lines().any(|l| l == "Notifications: none"), "{plain}");
}

#[test]
fn the_shipped_example_of_notify_parses_when_uncommented() {
    let example = include_str!("../../../config.example.yaml");
    let start = example.find("# notify:").expect("a notify example");
    let uncommented: Vec<&str> = example[start..]
        .lines()
        .map(|l| l.strip_prefix("# ").unwrap_or(l))
        .collect();
    let text = config_with(&uncommented)
        .replace("${NTFY_TOPIC}", "topic")
        .replace("${SLACK_WEBHOOK_PATH}", "T0/B0/x");
    let c = load_text(&text).unwrap().config;
    assert_eq!(c.notify.len(), 2);
    assert_eq!(c.notify[0].target, "https://ntfy.sh");
    assert!(!c.notify[1].on.change);
    assert_eq!(
        c.notify[1].body.as_deref(),
        Some("{\"text\": \"{message}\"}")
    );
}

#[test]
fn a_listen_port_of_zero_is_shown_as_such() {
    for (listen, want) in [
        (
            "127.0.0.1:0",
            "Health and metrics: http://127.0.0.1:<a free port, logged at start>/healthz, /metrics",
        ),
        (
            "\"[::1]:0\"",
            "Health and metrics: http://[::1]:<a free port, logged at start>/healthz, /metrics",
        ),
    ] {
        let c = load_text(&config_with(&[&format!("listen: {listen}")]))
            .unwrap()
            .config;
        let plan = render_plan(&c);
        assert!(plan.lines().any(|l| l == want), "{plan}");
    }
}

/// The per-service examples of the README ("Watch it"), verbatim.
const README_EXAMPLES: &str = r#"notify:
  # ntfy (ntfy.sh or your own server): the body is the message.
  - url: https://ntfy.sh/${NTFY_TOPIC}
    headers: { Title: mxddns, Tags: email }     # Authorization: Bearer ${NTFY_TOKEN} if protected

  # Gotify: an application token.
  - url: https://gotify.example.net/message
    headers: { X-Gotify-Key: "${GOTIFY_APP_TOKEN}" }
    body: '{"title": "mxddns {event}", "message": "{message}", "priority": 5}'

  # Slack: an incoming webhook (https://api.slack.com/messaging/webhooks).
  - url: https://hooks.slack.com/services/${SLACK_WEBHOOK_PATH}
    body: '{"text": "{message}"}'

  # Telegram: a bot token from @BotFather and the chat's id.
  - url: https://api.telegram.org/bot${TELEGRAM_BOT_TOKEN}/sendMessage
    body: '{"chat_id": "123456789", "text": "{message}"}'

  # DingTalk (钉钉) custom robot: set its security to a keyword such as "mxddns" (every
  # message starts with it); the signature option needs a per-request signature.
  - url: https://oapi.dingtalk.com/robot/send?access_token=${DINGTALK_TOKEN}
    body: '{"msgtype": "text", "text": {"content": "{message}"}}'

  # WeCom (企业微信) group robot.
  - url: https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=${WECOM_BOT_KEY}
    body: '{"msgtype": "text", "text": {"content": "{message}"}}'
"#;

#[test]
fn the_readme_examples_load_and_render_valid_bodies() {
    let mut text = README_EXAMPLES.to_string();
    for var in [
        "NTFY_TOPIC",
        "GOTIFY_APP_TOKEN",
        "SLACK_WEBHOOK_PATH",
        "TELEGRAM_BOT_TOKEN",
        "DINGTALK_TOKEN",
        "WECOM_BOT_KEY",
    ] {
        text = text.replace(&format!("${{{var}}}"), "t0k3n");
    }
    let lines: Vec<&str> = text.lines().collect();
    let c = load_text(&config_with(&lines)).unwrap().config;
    let targets: Vec<&str> = c.notify.iter().map(|n| n.target.as_str()).collect();
    assert_eq!(
        targets,
        [
            "https://ntfy.sh",
            "https://gotify.example.net",
            "https://hooks.slack.com",
            "https://api.telegram.org",
            "https://oapi.dingtalk.com",
            "https://qyapi.weixin.qq.com",
        ]
    );
    let news = crate::notify::DomainNews {
        domain: "example.com".into(),
        host: "mail.example.com".into(),
        old: String::new(),
        new: "203.0.113.20".into(),
        error: "HTTP 500: \"quoted\"\nand a new line".into(),
        changed: false,
        ok: false,
        failures_before: 2,
        failures: 3,
    };
    for hook in &c.notify[1..] {
        let body = crate::notify::body(hook, crate::notify::Event::Failure, &news);
        let v: serde_json::Value =
            serde_json::from_str(&body).unwrap_or_else(|e| panic!("{}: {e}: {body}", hook.target));
        assert!(body.contains("has failed 3 cycles in a row"), "{body}");
        assert!(v.is_object());
    }
    assert_eq!(c.notify[0].body, None);
    assert!(c.notify[1].headers[0].secret);
}
