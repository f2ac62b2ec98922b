//! `cmd:PATH` sources: a program (run directly: no shell, no arguments) whose standard
//! output is the address.
//!
//! The program runs in its own process group, and the whole group is killed when the
//! detection stops waiting for it (timeout), so that a hanging script does not leave a
//! hanging `curl` behind on a router every few minutes.

use super::answer::{excerpt, parse_answer, MAX_ANSWER};
use super::error::SourceError;
use super::Family;
use std::net::IpAddr;
use std::path::Path;
use std::process::Stdio;
use tokio::io::{AsyncRead, AsyncReadExt};

/// Run `path` and read the address from its output. The caller bounds the time: dropping
/// this future kills the program.
pub async fn ask(path: &Path, family: Family) -> Result<IpAddr, SourceError> {
    let mut cmd = tokio::process::Command::new(path);
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    #[cfg(unix)]
    cmd.process_group(0);
    let mut child = cmd
        .spawn()
        .map_err(|e| SourceError::CommandStart(e.to_string()))?;
    let mut group = GroupKill(child.id());

    let stdout = child.stdout.take();
    let stderr = child.stderr.take();
    let (out, err, status) = tokio::join!(capped(stdout), capped(stderr), child.wait());
    let status = status.map_err(|e| SourceError::CommandStart(e.to_string()))?;
    // The program has ended (and been reaped): its group is its own business now.
    group.0 = None;

    if !status.success() {
        let first_line = err.split(|b| *b == b'\n').next().unwrap_or_default();
        return Err(SourceError::CommandFailed {
            status: describe(status),
            stderr: excerpt(first_line),
        });
    }
    parse_answer(&out, family)
}

/// Up to MAX_ANSWER + 1 bytes of a pipe (enough to tell an oversized answer); the rest
/// is read and dropped so that the program is not blocked writing.
async fn capped(pipe: Option<impl AsyncRead + Unpin>) -> Vec<u8> {
    let mut kept = Vec::new();
    let Some(mut pipe) = pipe else { return kept };
    let mut buf = [0u8; 1024];
    loop {
        match pipe.read(&mut buf).await {
            Ok(0) | Err(_) => return kept,
            Ok(n) => {
                let room = (MAX_ANSWER + 1).saturating_sub(kept.len());
                kept.extend_from_slice(&buf[..n.min(room)]);
            }
        }
    }
}

fn describe(status: std::process::ExitStatus) -> String {
    if let Some(code) = status.code() {
        return rust_i18n::t!("ui.cmd", code = code).into_owned();
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(sig) = status.signal() {
            return rust_i18n::t!("ui.cmd.2", sig = sig).into_owned();
        }
    }
    rust_i18n::t!("ui.cmd.3", status = status).into_owned()
}

/// Kills the process group led by the pid when dropped, unless cleared.
struct GroupKill(Option<u32>);

impl Drop for GroupKill {
    fn drop(&mut self) {
        #[cfg(unix)]
        if let Some(pgid) = self.0.and_then(|p| i32::try_from(p).ok()) {
            // SAFETY: kill(2) takes two integers and touches no memory of ours. The group
            // id cannot have been reused: it stays taken while the leader is unreaped or a
            // member lives, and this runs with `Some` only while the leader had not ended
            // or a member still held its output open.
            unsafe {
                libc::kill(-pgid, libc::SIGKILL);
            }
        }
    }
}
