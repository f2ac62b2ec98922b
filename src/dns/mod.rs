//! DNS look-ups: recursive ones through the configured resolvers, and direct, uncached
//! questions to a zone's authoritative servers for reading the current state and verifying.

pub mod wire;
