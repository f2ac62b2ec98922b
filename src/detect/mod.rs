//! IP detection: ask every configured source at once, classify the answers, agree on one.

pub mod source;

pub use source::{DnsService, SourceSpec};
