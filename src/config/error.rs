//! What `load` says when the configuration is wrong.

use rust_i18n::t;
use std::fmt;
use std::path::PathBuf;

/// One thing wrong with the configuration, located: `FILE:LINE: key.path: message`, the
/// message saying what is wrong and, after " — ", how to fix it. Never holds a secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The configuration file, as it was given.
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// Key path (`domains[0].provider`); empty for problems of the file as a whole.
    pub key: String,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.key.is_empty() {
            write!(f, "{}:{}: {}", self.file, self.line, self.message)
        } else {
            write!(
                f,
                "{}:{}: {}: {}",
                self.file, self.line, self.key, self.message
            )
        }
    }
}

/// Why a configuration could not be loaded. The command line exits with code 2 on it.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file itself could not be read.
    #[error("{}", t!("config.unreadable", file = .file.display(), error = .error))]
    Read {
        file: PathBuf,
        error: std::io::Error,
    },
    /// Everything wrong with its content, in file order, one problem per line of output.
    #[error("{}", lines(.0))]
    Invalid(Vec<Problem>),
}

impl ConfigError {
    /// The located problems (empty for a file that could not be read).
    #[cfg(test)]
    pub fn problems(&self) -> &[Problem] {
        match self {
            ConfigError::Read { .. } => &[],
            ConfigError::Invalid(p) => p,
        }
    }
}

fn lines(problems: &[Problem]) -> String {
    problems
        .iter()
        .map(Problem::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}
