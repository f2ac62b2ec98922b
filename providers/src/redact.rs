//! The one redaction point. Every secret the agent holds (API tokens, keys and secrets,
//! webhook URLs and their query strings, `user:pass@` in endpoints) is registered here
//! once, when the configuration is loaded (a [`crate::Secret`] registers itself), and
//! every string that leaves the agent — log lines at every level, `/healthz`, `/metrics`,
//! the state file, notification bodies, the output of `validate`, `check` and the cycle
//! summary — passes through [`redact`], which writes `***` over each of them.
//!
//! Text that came from outside (a registrar's error body, an IP source's answer) is
//! quoted short with [`quote`]: redacted *before* it is cut, so that a secret the far
//! end echoed back cannot leak half of itself at the cut.
//!
//! Values shorter than [`MIN_LEN`] characters are not registered: replacing every
//! occurrence of a two-letter string would garble every line, and such a value is no
//! secret. Each value is also registered in the forms an echo may show it in: percent-
//! encoded (a query string), JSON-escaped, and base64 (an `Authorization: Basic` header
//! is registered by the caller, which knows the `user:pass` pair).

use std::borrow::Cow;
use std::sync::RwLock;

/// The shortest value worth redacting.
pub const MIN_LEN: usize = 4;

/// What a redacted value is replaced with.
pub const MASK: &str = "***";

/// Registered values, longest first (so that a secret containing another is replaced
/// whole).
static SECRETS: RwLock<Vec<String>> = RwLock::new(Vec::new());

/// Registers `value` (and its percent-encoded and JSON-escaped forms) for redaction.
/// Registering the same value twice is harmless.
pub fn register(value: &str) {
    let value = value.trim();
    if value.chars().count() < MIN_LEN {
        return;
    }
    let mut forms = vec![value.to_string()];
    let pct = percent_encoding::utf8_percent_encode(value, percent_encoding::NON_ALPHANUMERIC)
        .to_string();
    forms.push(pct);
    // The form a form-urlencoded query shows (Aliyun's signed query, webhook queries).
    forms.push(url::form_urlencoded::byte_serialize(value.as_bytes()).collect());
    if let Ok(json) = serde_json::to_string(value) {
        let json = json.trim_matches('"').to_string();
        // Some encoders also escape the slash (`\/`).
        forms.push(json.replace('/', "\\/"));
        forms.push(json);
    }
    let mut list = SECRETS.write().unwrap_or_else(|e| e.into_inner());
    for f in forms {
        if !list.contains(&f) {
            list.push(f);
        }
    }
    list.sort_by_key(|s| std::cmp::Reverse(s.len()));
}

/// Registers the base64 form of `value` as well as `value` (an HTTP Basic credential
/// `user:pass`, which an echoed `Authorization` header shows encoded).
pub fn register_with_base64(value: &str) {
    use base64::Engine;
    register(value);
    register(&base64::engine::general_purpose::STANDARD.encode(value));
}

/// Registers the secret parts of a URL: the password of `user:pass@` (alone, and the
/// `user:pass` pair in base64 as a Basic header shows it). With `token_url` (a webhook
/// URL, where the path or the query is the credential) also the whole URL, its path and
/// query, each query value, and the last path segment when it is 8 characters or more.
pub fn register_url(text: &str, token_url: bool) {
    let Ok(url) = crate::http::parse_url(text.trim()) else {
        if token_url {
            register(text);
        }
        return;
    };
    if let Some(pass) = url.password() {
        let user = url.username();
        let decode = |s: &str| {
            percent_encoding::percent_decode_str(s)
                .decode_utf8_lossy()
                .into_owned()
        };
        register(pass);
        register(&decode(pass));
        register_with_base64(&format!("{}:{}", decode(user), decode(pass)));
        register(&format!("{user}:{pass}"));
    }
    if !token_url {
        return;
    }
    register(text.trim());
    register(url.as_str());
    let path = url.path();
    if path.len() > 1 {
        register(path);
    }
    if let Some(q) = url.query() {
        register(q);
        register(&format!("{path}?{q}"));
        for (_, v) in url.query_pairs() {
            register(&v);
        }
    }
    if let Some(last) = url.path_segments().and_then(|mut s| s.next_back()) {
        if last.len() >= 8 {
            register(last);
        }
    }
}

/// `text` with every registered secret written as `***`.
pub fn redact(text: &str) -> Cow<'_, str> {
    let list = SECRETS.read().unwrap_or_else(|e| e.into_inner());
    if list.is_empty() || !list.iter().any(|s| text.contains(s.as_str())) {
        return Cow::Borrowed(text);
    }
    let mut out = text.to_string();
    for s in list.iter() {
        if out.contains(s.as_str()) {
            out = out.replace(s.as_str(), MASK);
        }
    }
    Cow::Owned(out)
}

/// Bytes redacted as text (invalid UTF-8 is replaced first).
pub fn redact_bytes(bytes: &[u8]) -> Vec<u8> {
    match String::from_utf8_lossy(bytes) {
        Cow::Borrowed(s) => match redact(s) {
            Cow::Borrowed(_) => bytes.to_vec(),
            Cow::Owned(o) => o.into_bytes(),
        },
        Cow::Owned(s) => redact(&s).into_owned().into_bytes(),
    }
}

/// Whether any secret is registered (for tests).
pub fn is_registered(value: &str) -> bool {
    SECRETS
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .iter()
        .any(|s| s == value)
}

/// Text that came from outside, made safe to show and store: redacted, control
/// characters written as spaces, runs of white space collapsed, at most `max`
/// characters (then `…`), in double quotes; `(empty)` when nothing is left.
pub fn quote(text: &str, max: usize) -> String {
    let redacted = redact(text);
    let mut out = String::new();
    let mut n = 0;
    let mut last_space = true;
    for c in redacted.chars() {
        let c = if c.is_control() || c.is_whitespace() || is_bidi_control(c) {
            ' '
        } else {
            c
        };
        if c == ' ' {
            if last_space {
                continue;
            }
            last_space = true;
        } else {
            last_space = false;
        }
        if n >= max {
            out.push('…');
            break;
        }
        out.push(c);
        n += 1;
    }
    let trimmed = out.trim_end();
    if trimmed.is_empty() {
        "(empty)".to_string()
    } else {
        format!("\"{trimmed}\"")
    }
}

/// Characters that reorder the text around them on a terminal (Trojan Source).
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registered_values_and_their_encoded_forms_are_masked() {
        register("tok-Redact-Test-0123456789/abc=?&");
        let t = redact("Authorization: Bearer tok-Redact-Test-0123456789/abc=?& (sent)");
        assert_eq!(t, "Authorization: Bearer *** (sent)");
        let enc = percent_encoding::utf8_percent_encode(
            "tok-Redact-Test-0123456789/abc=?&",
            percent_encoding::NON_ALPHANUMERIC,
        )
        .to_string();
        assert_eq!(redact(&format!("q={enc}")), "q=***");
        assert_eq!(redact("\"tok-Redact-Test-0123456789\\/abc=?&\""), "\"***\"");
        assert_eq!(redact("nothing here"), "nothing here");
        register("ab");
        assert_eq!(redact("ab"), "ab", "too short to be registered");
    }

    #[test]
    fn basic_credentials_are_masked_in_base64() {
        register_with_base64("user:Basic-Pass-1234");
        assert_eq!(
            redact("Authorization: Basic dXNlcjpCYXNpYy1QYXNzLTEyMzQ="),
            "Authorization: Basic ***"
        );
    }

    #[test]
    fn url_secrets_are_registered() {
        register_url("http://alice:Url-Pass-77@127.0.0.1:8080/api", false);
        assert_eq!(redact("http://alice:Url-Pass-77@host"), "http://***@host");
        register_url(
            "https://hooks.example/services/T0/B0/UrlTokenXyz?key=Query-Val-99",
            true,
        );
        let echoed = "POST /services/T0/B0/UrlTokenXyz?key=Query-Val-99 HTTP/1.1";
        assert!(
            !redact(echoed).contains("UrlTokenXyz"),
            "{}",
            redact(echoed)
        );
        assert!(!redact("key=Query-Val-99").contains("Query-Val-99"));
        assert_eq!(redact("/services is a word"), "/services is a word");
    }

    #[test]
    fn a_quote_is_redacted_before_it_is_cut() {
        register("QuoteSecretQuoteSecret0123456789");
        let body = format!("{}QuoteSecretQuoteSecret0123456789", "x".repeat(100));
        let q = quote(&body, 110);
        assert!(!q.contains("QuoteSecret"), "{q}");
        assert_eq!(quote("a\n\n\tb\u{1b}[31m", 50), "\"a b [31m\"");
        assert_eq!(quote(" \n ", 50), "(empty)");
        assert_eq!(quote(&"y".repeat(10), 4), "\"yyyy…\"");
    }
}
