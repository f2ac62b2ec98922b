//! The mail record set of a domain: key readers, MTA-STS policy, and the desired records
//! built from a `mail:` declaration and the detected addresses.

pub mod keys;
pub mod mta_sts;
pub mod records;
