//! A string that never shows itself in Debug, Display or serialised output.

use std::fmt;

/// A credential. Debug and Display print `***`; only [`Secret::expose`] gives the value,
/// and it is called only where a request is signed or an auth header is built.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Secret(String);

impl Secret {
    /// A secret, registered with the redaction point ([`crate::redact`]) so that it is
    /// masked in everything the agent prints, serves or stores.
    pub fn new(value: impl Into<String>) -> Self {
        let value = value.into();
        crate::redact::register(&value);
        Secret(value)
    }

    /// A value kept out of renderings like a secret but not registered with the
    /// redaction point: a webhook header such as `X-Title: mail`, which would otherwise
    /// scrub an everyday word from every log line. The caller registers what in it is a
    /// credential.
    pub fn unregistered(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The secret value, for building an auth header or a signature. Never log it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// A masked form safe to print: `***` plus the last 4 characters for long secrets,
    /// so that a user can tell which key is configured.
    pub fn masked(&self) -> String {
        let n = self.0.chars().count();
        if n >= 16 {
            let tail: String = self.0.chars().skip(n - 4).collect();
            format!("***{tail}")
        } else {
            "***".to_string()
        }
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl From<String> for Secret {
    fn from(s: String) -> Self {
        Secret::new(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_prints_the_value() {
        let s = Secret::new("Sn3lZJTBX6kkg7OdcBUAxOO963GEIyGQqnFTOFYY");
        assert_eq!(format!("{s}"), "***");
        assert_eq!(format!("{s:?}"), "Secret(***)");
        assert_eq!(s.masked(), "***OFYY");
        assert_eq!(Secret::new("short").masked(), "***");
        assert_eq!(s.expose(), "Sn3lZJTBX6kkg7OdcBUAxOO963GEIyGQqnFTOFYY");
    }
}
