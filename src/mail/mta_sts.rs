//! MTA-STS (RFC 8461): the policy text served at
//! `https://mta-sts.<domain>/.well-known/mta-sts.txt`, and the `id` of the `_mta-sts` TXT
//! record, which changes exactly when the policy text changes (senders refetch the policy
//! when they see a new id).

use crate::config::MtaStsConfig;
use sha2::{Digest, Sha256};

/// The policy text listing the declared MX hosts (CRLF line ends, as RFC 8461 §3.2 writes).
pub fn policy_text(cfg: &MtaStsConfig, mx_hosts: &[&str]) -> String {
    let mut out = format!("version: STSv1\r\nmode: {}\r\n", cfg.mode.as_str());
    for h in mx_hosts {
        out.push_str(&format!("mx: {h}\r\n"));
    }
    out.push_str(&format!("max_age: {}\r\n", cfg.max_age.as_secs()));
    out
}

/// The policy id: 1 to 32 letters and digits (RFC 8461 §3.1); here the first 20 hex digits
/// of the SHA-256 of the policy text, so it is the same for the same text on any machine
/// and changes whenever the text does.
pub fn policy_id(policy: &str) -> String {
    hex::encode(Sha256::digest(policy.as_bytes()))[..20].to_string()
}

/// The `_mta-sts` record's text.
pub fn record_text(policy: &str) -> String {
    format!("v=STSv1; id={}", policy_id(policy))
}

/// Write the policy file when its content differs (atomically: temp file, rename).
/// Returns whether it was written.
pub fn write_policy(path: &std::path::Path, text: &str) -> Result<bool, String> {
    if std::fs::read_to_string(path).is_ok_and(|old| old == text) {
        return Ok(false);
    }
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let tmp = dir.join(format!(
        ".{}.mxddns-tmp",
        path.file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("mta-sts.txt")
    ));
    std::fs::write(&tmp, text).map_err(|e| format!("cannot write {}: {e}", tmp.display()))?;
    std::fs::rename(&tmp, path).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::MtaStsMode;
    use std::time::Duration;

    fn cfg(mode: MtaStsMode, days: u64) -> MtaStsConfig {
        MtaStsConfig {
            mode,
            max_age: Duration::from_secs(days * 86400),
            policy_file: "/nonexistent".into(),
        }
    }

    #[test]
    fn policy_lists_the_declared_mx_hosts() {
        let t = policy_text(
            &cfg(MtaStsMode::Enforce, 7),
            &["mail.example.com", "mx2.backup.example.net"],
        );
        assert_eq!(
            t,
            "version: STSv1\r\nmode: enforce\r\nmx: mail.example.com\r\nmx: mx2.backup.example.net\r\nmax_age: 604800\r\n"
        );
    }

    #[test]
    fn id_changes_exactly_when_the_policy_text_changes() {
        let a = policy_text(&cfg(MtaStsMode::Testing, 7), &["mail.example.com"]);
        let same = policy_text(&cfg(MtaStsMode::Testing, 7), &["mail.example.com"]);
        assert_eq!(policy_id(&a), policy_id(&same));
        let id = policy_id(&a);
        assert_eq!(id.len(), 20);
        assert!(id.bytes().all(|b| b.is_ascii_alphanumeric()));
        // Every change of the text: mode, hosts, max_age, one byte.
        for other in [
            policy_text(&cfg(MtaStsMode::Enforce, 7), &["mail.example.com"]),
            policy_text(&cfg(MtaStsMode::Testing, 8), &["mail.example.com"]),
            policy_text(
                &cfg(MtaStsMode::Testing, 7),
                &["mail.example.com", "mx2.example.com"],
            ),
            a.replace("\r\n", "\n"),
        ] {
            assert_ne!(policy_id(&other), id, "{other:?}");
        }
        assert_eq!(record_text(&a), format!("v=STSv1; id={id}"));
    }

    #[test]
    fn policy_file_written_only_when_it_changes() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join(".well-known/mta-sts.txt");
        assert_eq!(write_policy(&p, "a\r\n"), Ok(true));
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "a\r\n");
        assert_eq!(write_policy(&p, "a\r\n"), Ok(false));
        assert_eq!(write_policy(&p, "b\r\n"), Ok(true));
    }
}
