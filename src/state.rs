//! The state file: what the last cycles learned and did, so that a warm cycle needs no
//! zone or record look-ups, a restart knows the previous address (to find our SPF term),
//! and failures back off across cycles.
//!
//! Written atomically (temp file in the same directory, fsync, rename, fsync of the
//! directory): a crash, a SIGKILL or a concurrent reader never sees half a file. A state
//! file that cannot be read or written is reported and the agent goes on from DNS; the
//! state is a cache, never the source of truth.
//!
//! The directory may be shared with other local users, so nothing in it is trusted
//! blindly: the state, lock and temp files are opened without following symbolic links
//! (`O_NOFOLLOW`), temp files are created exclusively (`O_EXCL`, mode 0600) under an
//! unpredictable name, a directory that group or others can write is refused unless it is
//! sticky and the files in it are ours, the state file is size-capped before it is read,
//! and a state file written by a newer mxddns is left exactly as it is.

use rust_i18n::t;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

pub const STATE_VERSION: u32 = 1;

/// The largest state file read (a real one is a few KiB; a bigger one is not ours).
pub const MAX_STATE_BYTES: u64 = 4 * 1024 * 1024;

/// Flags for every file opened in the state directory: never through a symbolic link,
/// never inherited by a child process.
const NOFOLLOW: i32 = libc::O_NOFOLLOW | libc::O_CLOEXEC;

/// A record as last seen or written at the provider.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct CachedRecord {
    pub id: String,
    /// The record's value in presentation form (an address, a name, quoted TXT strings).
    pub data: String,
    pub ttl: u32,
}

/// What is known about one configured domain.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct DomainState {
    /// The MX host managed last time, and the record that ends its chain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// The zone holding `host`, found by the last successful cycle (saves the SOA walk).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_change: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_success: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
    #[serde(default)]
    pub consecutive_failures: u32,
    /// A permanent provider error (credentials, permissions) seen: no API call before this time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backoff_until: Option<i64>,
    /// The configuration fingerprint ([`crate::config::Config::fingerprint`]) the back-off
    /// was set under: a changed configuration is not held back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config_fingerprint: Option<String>,
    /// The mail records `apply` wrote ("name TYPE value"): the ones `--prune` may remove.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub owned: Vec<String>,
    /// What the mail upkeep last kept (addresses, certificate and policy hashes): an
    /// unchanged fingerprint means no API call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mail_inputs: Option<String>,
    /// Declared mail records the registrar refused as values it cannot hold ("name TYPE
    /// value" -> why): `plan` shows them as `!` instead of trying again.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub cannot: BTreeMap<String, String>,
    /// The verification of the last change: when it passed, and how long it took (ms).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_verified: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verify_ms: Option<u64>,
}

/// One change of this network's address (the status page's history).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct AddressChange {
    /// Unix seconds of the cycle that saw it.
    pub at: i64,
    /// "v4" or "v6".
    pub family: String,
    /// The address before; `None` the first time one is seen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    pub to: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct State {
    pub version: u32,
    /// The last agreed addresses: "v4", "v6".
    #[serde(default)]
    pub addresses: BTreeMap<String, String>,
    /// The addresses this network had before, newest first, per family ("v4", "v6"): the
    /// SPF term that carries one of them is ours to replace, even when an earlier cycle
    /// failed between the address and the SPF write.
    #[serde(default)]
    pub history: BTreeMap<String, Vec<String>>,
    /// "account/zone" -> provider zone id.
    #[serde(default)]
    pub zones: BTreeMap<String, String>,
    /// "account/fqdn/TYPE" -> record.
    #[serde(default)]
    pub records: BTreeMap<String, CachedRecord>,
    /// By mail domain.
    #[serde(default)]
    pub domains: BTreeMap<String, DomainState>,
    /// The last address changes, oldest first, at most [`State::CHANGES`].
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<AddressChange>,
}

impl State {
    pub fn new() -> State {
        State {
            version: STATE_VERSION,
            ..State::default()
        }
    }

    /// How many earlier addresses per family are remembered.
    pub const HISTORY: usize = 8;

    /// How many address changes the state file keeps (the status page shows them).
    pub const CHANGES: usize = 16;

    /// Remember `ip` as this network's current address of its family.
    #[cfg(test)]
    pub fn remember_address(&mut self, ip: std::net::IpAddr) {
        self.remember_address_at(ip, 0);
    }

    /// Remember `ip` as this network's current address of its family, seen at `now`
    /// (unix seconds); a new address is added to the bounded change history.
    pub fn remember_address_at(&mut self, ip: std::net::IpAddr, now: i64) {
        let key = if ip.is_ipv4() { "v4" } else { "v6" };
        let text = ip.to_string();
        let from = self.addresses.insert(key.to_string(), text.clone());
        if from.as_deref() != Some(text.as_str()) {
            self.changes.push(AddressChange {
                at: now,
                family: key.to_string(),
                from,
                to: text.clone(),
            });
            let excess = self.changes.len().saturating_sub(Self::CHANGES);
            self.changes.drain(..excess);
        }
        let h = self.history.entry(key.to_string()).or_default();
        h.retain(|x| *x != text);
        h.insert(0, text);
        h.truncate(Self::HISTORY);
    }

    /// Remember `ip` as an address this network had before: one of its records was moved
    /// off it. Kept after the current address (which stays first) in the bounded history,
    /// so the SPF upkeep still knows that term in a later cycle, when DNS no longer shows
    /// it (an SPF write that failed after the address record was changed).
    pub fn remember_past_address(&mut self, ip: std::net::IpAddr) {
        let key = if ip.is_ipv4() { "v4" } else { "v6" };
        let text = ip.to_string();
        let h = self.history.entry(key.to_string()).or_default();
        if h.contains(&text) {
            return;
        }
        h.insert(h.len().min(1), text);
        h.truncate(Self::HISTORY);
    }

    /// Every address this network is known to have had, of `ip`'s family.
    pub fn known_addresses(&self, v6: bool) -> Vec<std::net::IpAddr> {
        let key = if v6 { "v6" } else { "v4" };
        self.history
            .get(key)
            .into_iter()
            .flatten()
            .filter_map(|s| s.parse().ok())
            .collect()
    }

    pub fn zone_key(account: &str, zone: &str) -> String {
        format!("{account}/{zone}")
    }

    pub fn record_key(account: &str, fqdn: &str, rtype: &str) -> String {
        format!("{account}/{fqdn}/{rtype}")
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StateError {
    #[error("{}", rust_i18n::t!("err.state", path = .path.display(), source = .source))]
    Read { path: PathBuf, source: io::Error },
    #[error("{}", rust_i18n::t!("err.state.2", path = .path.display(), detail = .detail))]
    Corrupt { path: PathBuf, detail: String },
    /// Written by a newer mxddns: used by none of our cycles and never overwritten.
    #[error("{}", t!("state.newer", path = path.display(), found = found, ours = STATE_VERSION))]
    Newer { path: PathBuf, found: u32 },
    #[error("{}", rust_i18n::t!("err.state.4", path = .path.display(), source = .source))]
    Write { path: PathBuf, source: io::Error },
    /// A symbolic link, a directory others can write, a file of another user, a file too
    /// large: refused, nothing read or written (the message says what fixes it).
    #[error("{0}")]
    Unsafe(String),
}

/// The symbolic-link refusal for `path` (a planted link must never be written through).
fn symlink_refused(path: &Path) -> String {
    t!("state.symlink", path = path.display()).into_owned()
}

/// Whether `e` is what `O_NOFOLLOW` answers for a symbolic link.
fn is_symlink_error(e: &io::Error) -> bool {
    e.raw_os_error() == Some(libc::ELOOP)
}

/// Refuse a state directory that another local user could plant files in: one that
/// group or others may write, unless it is sticky (`/tmp`-like) and `files` that exist
/// there are ours; or one owned by another user (root excepted).
pub fn check_dir(state_file: &Path, files: &[&Path]) -> Result<(), StateError> {
    let dir = dir_of(state_file);
    let meta = match fs::metadata(dir) {
        Ok(m) => m,
        // A missing directory is made by `ensure_dir`; other errors surface on use.
        Err(_) => return Ok(()),
    };
    // SAFETY: geteuid has no preconditions and cannot fail.
    let me = unsafe { libc::geteuid() };
    let mode = meta.mode() & 0o7777;
    let shown = dir.display();
    if meta.uid() != me && meta.uid() != 0 {
        return Err(StateError::Unsafe(
            t!("state.dir_owner", dir = shown, owner = meta.uid(), me = me).into_owned(),
        ));
    }
    if mode & 0o022 == 0 {
        return Ok(());
    }
    if mode & 0o1000 == 0 {
        return Err(StateError::Unsafe(
            t!(
                "state.dir_writable",
                dir = shown,
                mode = format!("{mode:04o}")
            )
            .into_owned(),
        ));
    }
    // Sticky: others cannot replace or remove our files, only add their own names.
    for f in files {
        if let Ok(m) = fs::symlink_metadata(f) {
            if m.uid() != me {
                return Err(StateError::Unsafe(
                    t!(
                        "state.file_owner",
                        file = f.display(),
                        owner = m.uid(),
                        me = me,
                        dir = shown
                    )
                    .into_owned(),
                ));
            }
        }
    }
    Ok(())
}

/// The directory of the state file (`.` for a bare name).
fn dir_of(path: &Path) -> &Path {
    path.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

/// The lock file beside the state file.
pub fn lock_path(state_file: &Path) -> PathBuf {
    let mut name = state_file.file_name().unwrap_or_default().to_os_string();
    name.push(".lock");
    state_file.with_file_name(name)
}

/// Make the state file's directory when it is missing (mode 0700: the state names the
/// domains and addresses), so that the first run does not fail to save.
pub fn ensure_dir(path: &Path) -> Result<(), StateError> {
    use std::os::unix::fs::DirBuilderExt;
    let Some(dir) = path.parent().filter(|p| !p.as_os_str().is_empty()) else {
        return Ok(());
    };
    if dir.exists() {
        return Ok(());
    }
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|source| StateError::Write {
            path: path.to_path_buf(),
            source,
        })?;
    tracing::info!("created the state directory {}", dir.display());
    Ok(())
}

/// Read the state; a missing file is an empty state. A symbolic link, a file that is not
/// a regular file or one larger than [`MAX_STATE_BYTES`] is refused without being read.
pub fn load(path: &Path) -> Result<State, StateError> {
    let Some(bytes) = read_capped(path)? else {
        return Ok(State::new());
    };
    let state: State = serde_json::from_slice(&bytes).map_err(|e| StateError::Corrupt {
        path: path.to_path_buf(),
        detail: e.to_string(),
    })?;
    if state.version > STATE_VERSION {
        return Err(StateError::Newer {
            path: path.to_path_buf(),
            found: state.version,
        });
    }
    Ok(state)
}

/// The state file's bytes (`None` when there is none), opened without following a link
/// and checked for its size before a byte is read.
fn read_capped(path: &Path) -> Result<Option<Vec<u8>>, StateError> {
    let read_err = |source| StateError::Read {
        path: path.to_path_buf(),
        source,
    };
    let file = match OpenOptions::new()
        .read(true)
        .custom_flags(NOFOLLOW | libc::O_NONBLOCK)
        .open(path)
    {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) if is_symlink_error(&e) => return Err(StateError::Unsafe(symlink_refused(path))),
        Err(source) => return Err(read_err(source)),
    };
    let meta = file.metadata().map_err(read_err)?;
    if !meta.is_file() {
        return Err(StateError::Unsafe(
            t!("state.not_a_file", path = path.display()).into_owned(),
        ));
    }
    if meta.len() > MAX_STATE_BYTES {
        return Err(StateError::Unsafe(
            t!(
                "state.too_large",
                path = path.display(),
                size = meta.len(),
                max = MAX_STATE_BYTES
            )
            .into_owned(),
        ));
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    // Bounded even if the file grows while it is read.
    file.take(MAX_STATE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(read_err)?;
    if bytes.len() as u64 > MAX_STATE_BYTES {
        return Err(StateError::Unsafe(
            t!(
                "state.too_large",
                path = path.display(),
                size = bytes.len(),
                max = MAX_STATE_BYTES
            )
            .into_owned(),
        ));
    }
    Ok(Some(bytes))
}

/// The version of the state file on disk when it is newer than this build's: such a file
/// belongs to a newer mxddns and is never overwritten.
fn newer_on_disk(path: &Path) -> Option<u32> {
    #[derive(Deserialize)]
    struct Version {
        version: u32,
    }
    let bytes = read_capped(path).ok()??;
    let v: Version = serde_json::from_slice(&bytes).ok()?;
    (v.version > STATE_VERSION).then_some(v.version)
}

/// `value` with every string (keys too) passed through the redaction point: an error
/// text kept for the next cycle may quote a registrar's answer. Done per string, not on
/// the serialised text, so that a mask can never break the JSON.
fn redacted(value: serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match value {
        Value::String(s) => Value::String(crate::redact::redact(&s).into_owned()),
        Value::Array(a) => Value::Array(a.into_iter().map(redacted).collect()),
        Value::Object(o) => Value::Object(
            o.into_iter()
                .map(|(k, v)| (crate::redact::redact(&k).into_owned(), redacted(v)))
                .collect(),
        ),
        other => other,
    }
}

/// The suffix of our temp files: `.tmp-` and 16 random hex digits.
const TMP_MARK: &str = ".tmp-";
const TMP_RANDOM: usize = 16;

/// Write the state atomically: temp file beside it (created exclusively, unpredictable
/// name, never through a link), fsync, rename over, fsync the directory. Refused, with
/// nothing written, in a directory others could plant files in, over a symbolic link, or
/// over a state file of a newer mxddns.
pub fn save(path: &Path, state: &State) -> Result<(), StateError> {
    let err = |source| StateError::Write {
        path: path.to_path_buf(),
        source,
    };
    let dir = dir_of(path);
    let lock = lock_path(path);
    check_dir(path, &[path, &lock])?;
    if fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink()) {
        return Err(StateError::Unsafe(symlink_refused(path)));
    }
    if let Some(found) = newer_on_disk(path) {
        return Err(StateError::Newer {
            path: path.to_path_buf(),
            found,
        });
    }
    let mut tmp_name = path.file_name().unwrap_or_default().to_os_string();
    tmp_name.push(format!(
        "{TMP_MARK}{:0width$x}",
        rand::random::<u64>(),
        width = TMP_RANDOM
    ));
    let tmp = dir.join(tmp_name);
    let value = serde_json::to_value(state).map_err(|e| err(io::Error::other(e)))?;
    let json = serde_json::to_vec_pretty(&redacted(value)).map_err(|e| err(io::Error::other(e)))?;
    let mut created = false;
    let mut write = || -> io::Result<()> {
        let mut f = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .custom_flags(NOFOLLOW)
            .open(&tmp)?;
        created = true;
        f.write_all(&json)?;
        f.write_all(b"\n")?;
        f.sync_all()?;
        drop(f);
        fs::rename(&tmp, path)?;
        if let Ok(d) = File::open(dir) {
            let _ = d.sync_all();
        }
        Ok(())
    };
    write().map_err(|e| {
        // Only a file this call created is removed (never a name someone else planted).
        if created {
            let _ = fs::remove_file(&tmp);
        }
        err(e)
    })
}

/// The single-writer lock beside the state file (`state.json.lock`), held for the life of
/// the process: a cron `--update-now` and a running service never write at once.
#[derive(Debug)]
pub struct StateLock {
    _file: File,
}

#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error("{}", rust_i18n::t!("err.state.5", holder = .holder, path = .path.display()))]
    Held { path: PathBuf, holder: String },
    #[error("{}", rust_i18n::t!("err.state.6", path = .path.display(), source = .source))]
    Io { path: PathBuf, source: io::Error },
    /// A planted link, an unsafe directory: the agent stops before writing anything.
    #[error("{0}")]
    Unsafe(String),
}

impl StateLock {
    pub fn acquire(state_file: &Path) -> Result<StateLock, LockError> {
        let path = lock_path(state_file);
        check_dir(state_file, &[state_file, &path])
            .map_err(|e| LockError::Unsafe(e.to_string()))?;
        if fs::symlink_metadata(state_file).is_ok_and(|m| m.file_type().is_symlink()) {
            return Err(LockError::Unsafe(symlink_refused(state_file)));
        }
        let io_err = |source| LockError::Io {
            path: path.clone(),
            source,
        };
        let mut file = match OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .custom_flags(NOFOLLOW | libc::O_NONBLOCK)
            .open(&path)
        {
            Ok(f) => f,
            Err(e) if is_symlink_error(&e) => {
                return Err(LockError::Unsafe(symlink_refused(&path)))
            }
            Err(e) => return Err(io_err(e)),
        };
        // A FIFO or a device planted at the lock path is not written to either.
        if !file.metadata().map_err(io_err)?.is_file() {
            return Err(LockError::Unsafe(
                t!("state.not_a_file", path = path.display()).into_owned(),
            ));
        }
        match file.try_lock() {
            Ok(()) => {}
            Err(fs::TryLockError::WouldBlock) => {
                let mut holder = String::new();
                let _ = (&file).take(4096).read_to_string(&mut holder);
                let holder = holder.trim();
                let holder = if holder.is_empty() {
                    "unknown process".to_string()
                } else {
                    holder.to_string()
                };
                return Err(LockError::Held { path, holder });
            }
            Err(fs::TryLockError::Error(e)) => return Err(io_err(e)),
        }
        remove_stale_temp_files(state_file);
        file.set_len(0).map_err(io_err)?;
        let cmd = std::env::args().collect::<Vec<_>>().join(" ");
        writeln!(file, "pid {} ({})", std::process::id(), cmd).map_err(io_err)?;
        Ok(StateLock { _file: file })
    }
}

/// Whether `name` is a temp file of [`save`] for the state file `state_name`: ours
/// (`state.json.tmp-` and 16 hex digits) or an older build's (`state.json.tmpPID`).
fn is_our_temp(name: &str, state_name: &str) -> bool {
    let Some(rest) = name.strip_prefix(state_name) else {
        return false;
    };
    if let Some(hex) = rest.strip_prefix(TMP_MARK) {
        return hex.len() == TMP_RANDOM && hex.bytes().all(|b| b.is_ascii_hexdigit());
    }
    rest.strip_prefix(".tmp")
        .is_some_and(|pid| !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit()))
}

/// Temp files of [`save`] left by a process killed while writing. Called under the lock,
/// when no other writer can be mid-save; best effort. Only our own regular files are
/// removed: a link or another user's file planted under such a name is left alone (it is
/// never written through anyway).
fn remove_stale_temp_files(state_file: &Path) {
    let Some(name) = state_file.file_name().and_then(|n| n.to_str()) else {
        return;
    };
    let Ok(entries) = fs::read_dir(dir_of(state_file)) else {
        return;
    };
    // SAFETY: geteuid has no preconditions and cannot fail.
    let me = unsafe { libc::geteuid() };
    for e in entries.flatten() {
        let ours = e.file_name().to_str().is_some_and(|n| is_our_temp(n, name));
        let regular_mine =
            fs::symlink_metadata(e.path()).is_ok_and(|m| m.file_type().is_file() && m.uid() == me);
        if ours && regular_mine {
            let _ = fs::remove_file(e.path());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn address_changes_are_kept_bounded_and_only_when_the_address_changes() {
        let mut s = State::new();
        s.remember_address_at("203.0.113.10".parse().unwrap(), 100);
        s.remember_address_at("203.0.113.10".parse().unwrap(), 200);
        assert_eq!(s.changes.len(), 1);
        assert_eq!(s.changes[0].from, None);
        s.remember_address_at("203.0.113.20".parse().unwrap(), 300);
        assert_eq!(s.changes.len(), 2);
        assert_eq!(s.changes[1].from.as_deref(), Some("203.0.113.10"));
        assert_eq!(
            (s.changes[1].at, s.changes[1].to.as_str()),
            (300, "203.0.113.20")
        );
        for i in 0..40 {
            s.remember_address_at(format!("198.51.100.{i}").parse().unwrap(), 400 + i);
        }
        assert_eq!(s.changes.len(), State::CHANGES);
        assert_eq!(s.changes.last().unwrap().to, "198.51.100.39");
        // An older state file without the history reads as an empty one.
        let old: State = serde_json::from_str(r#"{"version":1}"#).unwrap();
        assert!(old.changes.is_empty());
    }

    #[test]
    fn round_trip_and_missing() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("state.json");
        assert_eq!(load(&p).unwrap(), State::new());
        let mut s = State::new();
        s.addresses.insert("v4".into(), "203.0.113.20".into());
        s.records.insert(
            State::record_key("cf", "mail.example.com", "A"),
            CachedRecord {
                id: "abc".into(),
                data: "203.0.113.20".into(),
                ttl: 600,
            },
        );
        s.remember_address("203.0.113.10".parse().unwrap());
        s.remember_address("203.0.113.20".parse().unwrap());
        s.remember_address("203.0.113.10".parse().unwrap());
        assert_eq!(
            s.known_addresses(false),
            vec![
                "203.0.113.10".parse::<std::net::IpAddr>().unwrap(),
                "203.0.113.20".parse().unwrap()
            ]
        );
        save(&p, &s).unwrap();
        assert_eq!(load(&p).unwrap(), s);
        // No temp file left behind.
        let names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 1, "{names:?}");
    }

    #[test]
    fn a_replaced_address_is_remembered_after_the_current_one() {
        let ip = |s: &str| s.parse::<std::net::IpAddr>().unwrap();
        let mut s = State::new();
        // Nothing detected yet: the replaced address is the only one known.
        s.remember_past_address(ip("203.0.113.10"));
        assert_eq!(s.known_addresses(false), [ip("203.0.113.10")]);
        let mut s = State::new();
        s.remember_address(ip("203.0.113.20"));
        s.remember_past_address(ip("203.0.113.10"));
        s.remember_past_address(ip("203.0.113.10"));
        s.remember_past_address(ip("2001:db8::1"));
        assert_eq!(
            s.known_addresses(false),
            [ip("203.0.113.20"), ip("203.0.113.10")],
            "the current address stays first, no duplicate"
        );
        assert_eq!(s.known_addresses(true), [ip("2001:db8::1")]);
        assert_eq!(
            s.addresses.get("v4").map(String::as_str),
            Some("203.0.113.20")
        );
        for i in 0..20 {
            s.remember_past_address(ip(&format!("198.51.100.{i}")));
        }
        assert_eq!(s.known_addresses(false).len(), State::HISTORY);
        assert_eq!(s.known_addresses(false)[0], ip("203.0.113.20"));
    }

    #[test]
    fn corrupt_and_newer_are_reported() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("state.json");
        fs::write(&p, b"{\"version\": 1, \"addr").unwrap();
        let e = load(&p).unwrap_err();
        assert!(matches!(e, StateError::Corrupt { .. }), "{e}");
        fs::write(&p, b"{\"version\": 99}").unwrap();
        assert!(matches!(
            load(&p).unwrap_err(),
            StateError::Newer { found: 99, .. }
        ));
    }

    #[test]
    fn unwritable_directory_is_an_error_not_a_panic() {
        let e = save(Path::new("/nonexistent-dir/state.json"), &State::new()).unwrap_err();
        assert!(e.to_string().contains("cannot write"), "{e}");
    }

    #[test]
    fn second_lock_is_refused_with_the_holder() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("state.json");
        let first = StateLock::acquire(&p).unwrap();
        let e = StateLock::acquire(&p).unwrap_err();
        let msg = e.to_string();
        assert!(
            msg.contains(&format!("pid {}", std::process::id())),
            "{msg}"
        );
        drop(first);
        StateLock::acquire(&p).unwrap();
    }

    #[test]
    fn the_lock_holder_removes_temp_files_of_killed_writers() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("state.json");
        save(&p, &State::new()).unwrap();
        fs::write(dir.path().join("state.json.tmp4242"), b"{\"vers").unwrap();
        fs::write(dir.path().join("state.json.tmpfoo"), b"not ours").unwrap();
        let _lock = StateLock::acquire(&p).unwrap();
        let mut names: Vec<String> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        assert_eq!(
            names,
            ["state.json", "state.json.lock", "state.json.tmpfoo"]
        );
        assert_eq!(load(&p).unwrap(), State::new());
    }

    #[test]
    fn temp_names_are_unpredictable_and_still_recognised() {
        assert!(is_our_temp("state.json.tmp-0123456789abcdef", "state.json"));
        assert!(is_our_temp("state.json.tmp4242", "state.json"));
        assert!(!is_our_temp("state.json.tmp-0123", "state.json"));
        assert!(!is_our_temp("state.json.tmpfoo", "state.json"));
        assert!(!is_our_temp("other.json.tmp4242", "state.json"));
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("state.json");
        fs::write(dir.path().join("state.json.tmp-00000000deadbeef"), b"{").unwrap();
        std::os::unix::fs::symlink("/nonexistent-victim", dir.path().join("state.json.tmp77"))
            .unwrap();
        let _lock = StateLock::acquire(&p).unwrap();
        assert!(!dir.path().join("state.json.tmp-00000000deadbeef").exists());
        // A planted link is left (and never written through).
        assert!(fs::symlink_metadata(dir.path().join("state.json.tmp77")).is_ok());
    }

    #[test]
    fn links_are_never_followed() {
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim");
        fs::write(&victim, b"precious").unwrap();
        let p = dir.path().join("state.json");
        std::os::unix::fs::symlink(&victim, lock_path(&p)).unwrap();
        let e = StateLock::acquire(&p).unwrap_err();
        assert!(matches!(e, LockError::Unsafe(_)), "{e}");
        std::os::unix::fs::symlink(&victim, &p).unwrap();
        assert!(matches!(load(&p).unwrap_err(), StateError::Unsafe(_)));
        assert!(matches!(
            save(&p, &State::new()).unwrap_err(),
            StateError::Unsafe(_)
        ));
        assert_eq!(fs::read(&victim).unwrap(), b"precious");
    }

    #[test]
    fn unsafe_directories_big_and_newer_files_are_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("state.json");
        fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o777)).unwrap();
        let e = save(&p, &State::new()).unwrap_err().to_string();
        assert!(e.contains("chmod 700"), "{e}");
        assert!(matches!(
            StateLock::acquire(&p).unwrap_err(),
            LockError::Unsafe(_)
        ));
        // Sticky, and the files are ours: fine.
        fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o1777)).unwrap();
        save(&p, &State::new()).unwrap();
        fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o700)).unwrap();
        let f = File::create(&p).unwrap();
        f.set_len(MAX_STATE_BYTES + 1).unwrap();
        assert!(matches!(load(&p).unwrap_err(), StateError::Unsafe(_)));
        let newer = b"{\"version\": 7, \"addresses\": {\"v4\": \"192.0.2.1\"}}";
        fs::write(&p, newer).unwrap();
        let e = save(&p, &State::new()).unwrap_err();
        assert!(matches!(e, StateError::Newer { found: 7, .. }), "{e}");
        assert_eq!(fs::read(&p).unwrap(), newer);
    }
}
