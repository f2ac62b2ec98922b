//! The languages people read mxddns in: English and Simplified Chinese.
//!
//! The texts live in `locales/*.yml` (rust-i18n's one-file-per-area format: each key has
//! its `en` and `zh-CN` side by side) and are compiled into the binary by the
//! `rust_i18n::i18n!` call in `main.rs`; [`t!`](rust_i18n::t) looks them up. A test
//! (`tests::every_key_has_both_languages`) fails when a key lacks a language or when the
//! source uses a key that no locale file has.
//!
//! The language is chosen once per process ([`Lang::choose`]: `--lang`, then `LC_ALL`,
//! `LC_MESSAGES`, `LANG`) and, for the status page, per request from the browser's
//! `Accept-Language` ([`Lang::from_accept_language`]).

use std::fmt;

/// A language mxddns speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    En,
    /// Simplified Chinese.
    ZhCn,
}

impl Lang {
    /// The locale code of the locale files (and of HTML's `lang=`).
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::ZhCn => "zh-CN",
        }
    }

    /// The language of a tag such as `zh-CN`, `zh_CN.UTF-8`, `zh-Hans`, `en-US`, `C`;
    /// `None` for one mxddns does not speak. Every Chinese tag is read as Chinese (the
    /// simplified script is closer to a reader of the traditional one than English is).
    pub fn from_tag(tag: &str) -> Option<Lang> {
        let base = tag
            .split(['.', '@'])
            .next()
            .unwrap_or("")
            .split(['-', '_'])
            .next()
            .unwrap_or("")
            .trim();
        if base.eq_ignore_ascii_case("zh") {
            Some(Lang::ZhCn)
        } else if base.eq_ignore_ascii_case("en")
            || base.eq_ignore_ascii_case("c")
            || base.eq_ignore_ascii_case("posix")
        {
            Some(Lang::En)
        } else {
            None
        }
    }

    /// The process's language: `flag` (`--lang`) when given, else the first of `LC_ALL`,
    /// `LC_MESSAGES`, `LANG` that is set and not empty (POSIX order), read through `env`.
    /// A language mxddns does not speak is English.
    pub fn choose(flag: Option<&str>, env: impl Fn(&str) -> Option<String>) -> Lang {
        if let Some(l) = flag.and_then(Lang::from_tag) {
            return l;
        }
        ["LC_ALL", "LC_MESSAGES", "LANG"]
            .iter()
            .filter_map(|k| env(k).filter(|v| !v.is_empty()))
            .next()
            .and_then(|v| Lang::from_tag(&v))
            .unwrap_or_default()
    }

    #[cfg_attr(not(feature = "status-page"), allow(dead_code))]
    /// The language a browser prefers among ours, from an `Accept-Language` header
    /// (`zh-CN,zh;q=0.9,en;q=0.8`): the highest quality wins, the first listed among
    /// equals; `None` when it lists none of ours.
    pub fn from_accept_language(header: &str) -> Option<Lang> {
        let mut best: Option<(f32, Lang)> = None;
        for part in header.split(',') {
            let mut fields = part.split(';');
            let tag = fields.next().unwrap_or("").trim();
            let q = fields
                .filter_map(|f| f.trim().strip_prefix("q="))
                .filter_map(|q| q.trim().parse::<f32>().ok())
                .next()
                .unwrap_or(1.0);
            let Some(lang) = Lang::from_tag(tag) else {
                continue;
            };
            if q > 0.0 && best.is_none_or(|(bq, _)| q > bq) {
                best = Some((q, lang));
            }
        }
        best.map(|(_, l)| l)
    }

    /// Make `self` the language of every `t!` without an explicit locale.
    pub fn make_current(self) {
        rust_i18n::set_locale(self.code());
    }

    /// The process's current language.
    pub fn current() -> Lang {
        Lang::from_tag(&rust_i18n::locale()).unwrap_or_default()
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// The value of `--lang` in `args` (before src/cli.rs parses them: `--help` must already be in
/// the chosen language). Both `--lang zh-CN` and `--lang=zh-CN`.
pub fn lang_flag(args: &[String]) -> Option<&str> {
    let mut it = args.iter();
    while let Some(a) = it.next() {
        if a == "--" {
            break;
        }
        if let Some(v) = a.strip_prefix("--lang=") {
            return Some(v);
        }
        if a == "--lang" {
            return it.next().map(String::as_str);
        }
    }
    None
}

#[cfg(test)]
mod tests;
