use super::*;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

#[test]
fn tags_and_environment_choose_the_language() {
    for (tag, want) in [
        ("zh-CN", Some(Lang::ZhCn)),
        ("zh_CN.UTF-8", Some(Lang::ZhCn)),
        ("zh-Hans-CN", Some(Lang::ZhCn)),
        ("zh_TW.UTF-8", Some(Lang::ZhCn)),
        ("ZH", Some(Lang::ZhCn)),
        ("en_US.UTF-8", Some(Lang::En)),
        ("C", Some(Lang::En)),
        ("C.UTF-8", Some(Lang::En)),
        ("POSIX", Some(Lang::En)),
        ("de_DE.UTF-8", None),
        ("", None),
    ] {
        assert_eq!(Lang::from_tag(tag), want, "{tag}");
    }
    let env = |vars: &'static [(&'static str, &'static str)]| {
        move |k: &str| {
            vars.iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        }
    };
    // --lang wins; then LC_ALL, LC_MESSAGES, LANG in that order; empty ones are skipped.
    let all = env(&[("LC_ALL", "en_US.UTF-8"), ("LANG", "zh_CN.UTF-8")]);
    assert_eq!(Lang::choose(Some("zh-CN"), all), Lang::ZhCn);
    assert_eq!(Lang::choose(None, all), Lang::En);
    let msgs = env(&[
        ("LC_ALL", ""),
        ("LC_MESSAGES", "zh_CN.UTF-8"),
        ("LANG", "en_US"),
    ]);
    assert_eq!(Lang::choose(None, msgs), Lang::ZhCn);
    assert_eq!(
        Lang::choose(None, env(&[("LANG", "zh_CN.UTF-8")])),
        Lang::ZhCn
    );
    assert_eq!(
        Lang::choose(None, env(&[("LANG", "fr_FR.UTF-8")])),
        Lang::En
    );
    assert_eq!(Lang::choose(None, env(&[])), Lang::En);
    // A --lang we do not speak falls back to the environment.
    assert_eq!(
        Lang::choose(Some("fr"), env(&[("LANG", "zh_CN")])),
        Lang::ZhCn
    );
}

#[test]
fn accept_language_picks_the_preferred_language_we_speak() {
    for (header, want) in [
        ("zh-CN,zh;q=0.9,en;q=0.8", Some(Lang::ZhCn)),
        ("en-US,en;q=0.9,zh-CN;q=0.8", Some(Lang::En)),
        ("fr-FR, zh;q=0.5, en;q=0.4", Some(Lang::ZhCn)),
        ("en;q=0.2, zh-Hans;q=0.7", Some(Lang::ZhCn)),
        ("zh;q=0, en;q=0.1", Some(Lang::En)),
        ("de, fr", None),
        ("*", None),
        ("", None),
    ] {
        assert_eq!(Lang::from_accept_language(header), want, "{header}");
    }
}

#[test]
fn the_lang_flag_is_found_before_clap_parses() {
    let args = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    assert_eq!(
        lang_flag(&args(&["mxddns", "--lang", "zh-CN", "--help"])),
        Some("zh-CN")
    );
    assert_eq!(
        lang_flag(&args(&["mxddns", "check", "--lang=en"])),
        Some("en")
    );
    assert_eq!(lang_flag(&args(&["mxddns", "--", "--lang", "zh"])), None);
    assert_eq!(lang_flag(&args(&["mxddns", "--lang"])), None);
}

/// Every key of every `locales/*.yml` of the binary: its languages and their texts.
fn locale_keys() -> BTreeMap<String, BTreeMap<String, String>> {
    locale_keys_in("locales")
}

/// Every key of every `*.yml` in `dir` (relative to the workspace root): the binary's
/// `locales/` or the providers crate's `providers/locales/` (its own rust-i18n tables).
fn locale_keys_in(dir: &str) -> BTreeMap<String, BTreeMap<String, String>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    let mut keys = BTreeMap::new();
    let mut files = 0;
    for entry in std::fs::read_dir(&dir).expect("locales/") {
        let path = entry.expect("entry").path();
        if path.extension().and_then(|e| e.to_str()) != Some("yml") {
            continue;
        }
        files += 1;
        let text = std::fs::read_to_string(&path).expect("read");
        let map: BTreeMap<String, serde_yaml_ng::Value> =
            serde_yaml_ng::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert_eq!(
            map.get("_version").and_then(|v| v.as_u64()),
            Some(2),
            "{}: `_version: 2` (each key holds every language)",
            path.display()
        );
        for (key, value) in map {
            if key == "_version" {
                continue;
            }
            let langs: BTreeMap<String, String> = serde_yaml_ng::from_value(value)
                .unwrap_or_else(|e| panic!("{}: {key}: {e}", path.display()));
            assert!(
                keys.insert(key.clone(), langs).is_none(),
                "{key} is defined twice"
            );
        }
    }
    assert!(files > 0);
    keys
}

/// The `%{name}` placeholders of a text.
fn placeholders(text: &str) -> BTreeSet<&str> {
    text.match_indices("%{")
        .filter_map(|(i, _)| text[i + 2..].split_once('}').map(|(name, _)| name))
        .collect()
}

#[test]
fn every_key_has_both_languages() {
    let mut keys = locale_keys();
    // The providers crate's texts (registrar errors' advice) are checked alike.
    let providers = locale_keys_in("providers/locales");
    for k in providers.keys() {
        assert!(!keys.contains_key(k), "{k} is defined in both crates");
    }
    keys.extend(providers);
    let want: BTreeSet<&str> = ["en", "zh-CN"].into();
    let mut problems = Vec::new();
    for (key, langs) in &keys {
        let have: BTreeSet<&str> = langs.keys().map(String::as_str).collect();
        if have != want {
            problems.push(format!("{key}: has {have:?}, needs {want:?}"));
            continue;
        }
        if langs.values().any(|t| t.trim().is_empty()) {
            problems.push(format!("{key}: an empty text"));
        }
        if placeholders(&langs["en"]) != placeholders(&langs["zh-CN"]) {
            problems.push(format!(
                "{key}: the languages use different %{{…}} placeholders"
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The keys of every `t!("…"` in `src/`.
fn used_keys() -> BTreeMap<String, String> {
    used_keys_in("src")
}

/// The keys of every `t!("…"` in the `.rs` files under `dir` (relative to the workspace root).
fn used_keys_in(dir: &str) -> BTreeMap<String, String> {
    fn walk(dir: &Path, out: &mut BTreeMap<String, String>) {
        for entry in std::fs::read_dir(dir).expect("read_dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().and_then(|e| e.to_str()) == Some("rs")
                && !path.ends_with("i18n/tests.rs")
            {
                let text = std::fs::read_to_string(&path).expect("read");
                for (i, _) in text.match_indices("t!(") {
                    // `t!(` preceded by an identifier character is another macro (`print!(` no,
                    // but `assert!(` ends in `t!(`).
                    if text[..i]
                        .chars()
                        .next_back()
                        .is_some_and(|c| c.is_alphanumeric() || c == '_')
                    {
                        continue;
                    }
                    let rest = text[i + 3..].trim_start();
                    if let Some(lit) = rest.strip_prefix('"') {
                        if let Some((key, _)) = lit.split_once('"') {
                            out.insert(key.to_string(), path.display().to_string());
                        }
                    }
                }
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(&Path::new(env!("CARGO_MANIFEST_DIR")).join(dir), &mut out);
    out
}

#[test]
fn every_used_key_is_defined_and_every_defined_key_used() {
    let defined = locale_keys();
    let used = used_keys();
    assert!(used.len() > 20, "the scan found too few keys: {used:?}");
    let missing: Vec<String> = used
        .iter()
        .filter(|(k, _)| !defined.contains_key(*k))
        .map(|(k, file)| format!("{k} (used in {file})"))
        .collect();
    assert!(
        missing.is_empty(),
        "keys used but in no locale file:\n{}",
        missing.join("\n")
    );
    // `cli.arg.ID` and `cli.cmd.NAME` are looked up by the command line's ids
    // (`cli::tests::every_help_text_is_translated` checks them).
    let dynamic = |k: &str| k.starts_with("cli.arg.") || k.starts_with("cli.cmd.");
    let unused: Vec<&String> = defined
        .keys()
        .filter(|k| !used.contains_key(*k) && !dynamic(k))
        .collect();
    assert!(unused.is_empty(), "keys defined but never used: {unused:?}");
}

#[test]
fn the_compiled_in_tables_hold_both_languages() {
    for (key, langs) in locale_keys() {
        for (lang, text) in langs {
            let got = rust_i18n::t!(&key, locale = lang.as_str());
            // Placeholders without arguments stay as written.
            assert_eq!(got, text, "{key} in {lang}");
        }
    }
}

#[test]
fn every_providers_key_is_defined_and_used() {
    let defined = locale_keys_in("providers/locales");
    let used = used_keys_in("providers/src");
    assert!(used.len() > 10, "the scan found too few keys: {used:?}");
    let missing: Vec<String> = used
        .iter()
        .filter(|(k, _)| !defined.contains_key(*k))
        .map(|(k, file)| format!("{k} (used in {file})"))
        .collect();
    assert!(
        missing.is_empty(),
        "keys used in providers/src but in no providers/locales file:\n{}",
        missing.join("\n")
    );
    let unused: Vec<&String> = defined.keys().filter(|k| !used.contains_key(*k)).collect();
    assert!(
        unused.is_empty(),
        "providers keys defined but never used: {unused:?}"
    );
}
