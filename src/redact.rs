//! Everything the agent writes for people or other programs passes through here: the
//! redaction point of `mxddns_providers::redact` applied to stdout, stderr and every log
//! line (all levels, text and JSON). `/healthz`, `/metrics`, the state file and webhook
//! bodies call [`redact`] where they are produced.
//!
//! Use [`say!`](crate::say) and [`say_err!`](crate::say_err) instead of `println!` and
//! `eprintln!`: a unit test below refuses any direct use of the standard print macros or
//! of `std::io::stdout()`/`stderr()` anywhere else in `src/`.

use std::io::{self, Write};

pub use mxddns_providers::redact::{quote, redact, register, register_url};

/// `println!` through the redaction point.
#[macro_export]
macro_rules! say {
    () => { $crate::redact::out(false, "\n") };
    ($($arg:tt)*) => { $crate::redact::out(false, &format!("{}\n", format_args!($($arg)*))) };
}

/// `eprintln!` through the redaction point.
#[macro_export]
macro_rules! say_err {
    ($($arg:tt)*) => { $crate::redact::out(true, &format!("{}\n", format_args!($($arg)*))) };
}

/// `print!` (no newline) through the redaction point.
#[macro_export]
macro_rules! say_raw {
    ($($arg:tt)*) => { $crate::redact::out(false, &format!($($arg)*)) };
}

/// Writes `text`, redacted, to stdout or stderr. A closed pipe is not an error worth
/// dying for (`mxddns check | head`).
pub fn out(to_stderr: bool, text: &str) {
    let text = redact(text);
    if to_stderr {
        let _ = io::stderr().lock().write_all(text.as_bytes());
    } else {
        let mut o = io::stdout().lock();
        let _ = o.write_all(text.as_bytes());
        let _ = o.flush();
    }
}

#[cfg_attr(not(feature = "mail-setup"), allow(dead_code))]
/// Whether stdout is a terminal (`apply` asks before it writes only there).
pub fn stdout_is_terminal() -> bool {
    use std::io::IsTerminal;
    io::stdout().is_terminal()
}

/// Whether stderr is a terminal (colours in log lines).
pub fn stderr_is_terminal() -> bool {
    use std::io::IsTerminal;
    io::stderr().is_terminal()
}

/// The log writer: one per event, holding the formatted line until it is complete, then
/// writing it redacted to stderr in one piece (so a secret cannot straddle two writes).
pub struct LogLine(Vec<u8>);

impl Write for LogLine {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Drop for LogLine {
    fn drop(&mut self) {
        if !self.0.is_empty() {
            let bytes = mxddns_providers::redact::redact_bytes(&self.0);
            let _ = io::stderr().lock().write_all(&bytes);
        }
    }
}

/// Makes one [`LogLine`] per log event.
#[derive(Clone, Copy, Default)]
pub struct LogWriter;

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for LogWriter {
    type Writer = LogLine;
    fn make_writer(&'a self) -> LogLine {
        LogLine(Vec::with_capacity(256))
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    /// Every output of the agent goes through this module: no other file under `src/`
    /// may print or take stdout/stderr directly (test modules excepted).
    #[test]
    fn nothing_prints_around_the_redaction_point() {
        let forbidden = [
            "println!(",
            "eprintln!(",
            "print!(",
            "eprint!(",
            "io::stdout()",
            "io::stderr()",
            "dbg!(",
        ];
        let mut offenders = Vec::new();
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut stack = vec![root];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let p = entry.unwrap().path();
                if p.is_dir() {
                    stack.push(p);
                    continue;
                }
                let name = p.file_name().unwrap().to_string_lossy().to_string();
                if !name.ends_with(".rs")
                    || name == "redact.rs"
                    || name == "tests.rs"
                    || name == "proptests.rs"
                    || p.components().any(|c| c.as_os_str() == "tests")
                {
                    continue;
                }
                let text = std::fs::read_to_string(&p).unwrap();
                // Unit-test modules at the end of a file may print.
                let code = text.split("#[cfg(test)]").next().unwrap_or("");
                for (i, line) in code.lines().enumerate() {
                    let l = line.trim_start();
                    if l.starts_with("//") {
                        continue;
                    }
                    for f in forbidden {
                        let hit = line.match_indices(f).any(|(at, _)| {
                            // `say_raw!(`/`eprint!(` contain `print!(`: only a macro
                            // name that starts at a word boundary counts.
                            at == 0 || {
                                let b = line.as_bytes()[at - 1];
                                !(b.is_ascii_alphanumeric() || b == b'_')
                            }
                        });
                        if hit {
                            offenders.push(format!("{}:{}: {}", p.display(), i + 1, l));
                        }
                    }
                }
            }
        }
        assert!(
            offenders.is_empty(),
            "print through crate::say!/say_err! (the redaction point):\n{}",
            offenders.join("\n")
        );
    }
}
