//! `${VAR}` in configuration values: replaced by the environment variable VAR; `$$` is a
//! literal `$`; any other `$` stays as it is. The environment is passed in as a function
//! so that tests need not change the process environment.

use rust_i18n::t;

/// Looks up an environment variable: `std::env::var(name).ok()` in the real program.
pub type EnvLookup<'a> = &'a dyn Fn(&str) -> Option<String>;

/// Why a value could not be expanded. Carries variable names only, never the value
/// (which may be a secret).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ExpandError {
    /// `${NAME}` with NAME not set.
    Unset(String),
    /// `${` without its `}`.
    Unterminated,
    /// `${...}` whose content is not a variable name.
    BadName,
}

impl ExpandError {
    /// The message, with `alternative` appended to the advice for an unset variable.
    pub(crate) fn message(&self, alternative: &str) -> String {
        match self {
            ExpandError::Unset(name) => {
                t!("config.env_unset", name = name, alternative = alternative).into_owned()
            }
            ExpandError::Unterminated => t!("config.env_unterminated").into_owned(),
            ExpandError::BadName => t!("config.env_bad_name").into_owned(),
        }
    }
}

fn is_var_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c == '_' || c.is_ascii_alphabetic())
        && chars.all(|c| c == '_' || c.is_ascii_alphanumeric())
}

/// Expand `${VAR}` and `$$` in `value`.
pub(crate) fn expand(value: &str, env: EnvLookup<'_>) -> Result<String, ExpandError> {
    if !value.contains('$') {
        return Ok(value.to_string());
    }
    let mut out = String::with_capacity(value.len());
    let mut rest = value;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        if let Some(tail) = after.strip_prefix('$') {
            out.push('$');
            rest = tail;
        } else if let Some(tail) = after.strip_prefix('{') {
            let end = tail.find('}').ok_or(ExpandError::Unterminated)?;
            let name = &tail[..end];
            if !is_var_name(name) {
                return Err(ExpandError::BadName);
            }
            out.push_str(&env(name).ok_or_else(|| ExpandError::Unset(name.to_string()))?);
            rest = &tail[end + 1..];
        } else {
            out.push('$');
            rest = after;
        }
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(name: &str) -> Option<String> {
        match name {
            "A" => Some("alpha".into()),
            "EMPTY" => Some(String::new()),
            "DOLLAR" => Some("${A}".into()),
            _ => None,
        }
    }

    #[test]
    fn expands() {
        let cases = [
            ("plain", "plain"),
            ("${A}", "alpha"),
            ("x-${A}-${A}", "x-alpha-alpha"),
            ("$$", "$"),
            ("$${A}", "${A}"),
            ("a$b", "a$b"),
            ("end$", "end$"),
            ("${EMPTY}", ""),
            // Not expanded twice.
            ("${DOLLAR}", "${A}"),
        ];
        for (input, want) in cases {
            assert_eq!(expand(input, &env).as_deref(), Ok(want), "{input}");
        }
    }

    #[test]
    fn refuses() {
        assert_eq!(
            expand("${NOPE}", &env),
            Err(ExpandError::Unset("NOPE".into()))
        );
        assert_eq!(expand("abc${A", &env), Err(ExpandError::Unterminated));
        assert_eq!(expand("${1A}", &env), Err(ExpandError::BadName));
        assert_eq!(expand("${}", &env), Err(ExpandError::BadName));
        assert_eq!(
            ExpandError::Unset("X".into()).message(", or use api_token_file"),
            "environment variable X is not set — set it, or use api_token_file"
        );
    }
}
