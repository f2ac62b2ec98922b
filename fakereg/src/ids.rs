//! Record and zone ids: one numeric id, shown as 32 lowercase hex characters (Cloudflare style)
//! or as a decimal string (Alidns style).
//!
//! The hex form is the id multiplied by an odd 128-bit constant (a bijection), so consecutive
//! ids do not look alike and a hex id cannot be guessed from a decimal one.

const K: u128 = 0x9e37_79b9_7f4a_7c15_f39c_c060_5ced_c835;
const K_INV: u128 = inverse(K);

/// Multiplicative inverse of an odd number modulo 2^128 (Newton's iteration).
const fn inverse(k: u128) -> u128 {
    let mut x = k; // correct to 3 bits for any odd k
    let mut i = 0;
    while i < 6 {
        x = x.wrapping_mul(2u128.wrapping_sub(k.wrapping_mul(x)));
        i += 1;
    }
    x
}

/// The first id handed out. Above 2^53, so a client that parses Alidns' string ids as JSON
/// numbers (f64) gets them wrong and fails a test.
pub const FIRST_ID: u64 = 3_600_000_000_000_001;

/// 32 lowercase hex characters.
pub fn hex_id(id: u64) -> String {
    format!("{:032x}", (id as u128).wrapping_mul(K))
}

/// The id behind a 32-lowercase-hex string, if it is one this store could have made.
pub fn parse_hex_id(s: &str) -> Option<u64> {
    if !is_hex32(s) {
        return None;
    }
    let v = u128::from_str_radix(s, 16).ok()?.wrapping_mul(K_INV);
    u64::try_from(v).ok().filter(|&id| id != 0)
}

/// Exactly 32 lowercase hex characters (Cloudflare's `identifier` format).
pub fn is_hex32(s: &str) -> bool {
    s.len() == 32 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// The decimal string form.
pub fn decimal_id(id: u64) -> String {
    id.to_string()
}

/// The id behind a decimal string.
pub fn parse_decimal_id(s: &str) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok().filter(|&id| id != 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trip() {
        assert_eq!(K.wrapping_mul(K_INV), 1);
        for id in [1, FIRST_ID, FIRST_ID + 1, u64::MAX] {
            let h = hex_id(id);
            assert!(is_hex32(&h), "{h}");
            assert_eq!(parse_hex_id(&h), Some(id));
            assert_eq!(parse_decimal_id(&decimal_id(id)), Some(id));
        }
        assert_ne!(hex_id(FIRST_ID)[..8], hex_id(FIRST_ID + 1)[..8]);
        assert_eq!(parse_hex_id("0123456789abcdef0123456789abcdef"), None);
        assert_eq!(parse_hex_id("ABCDEF"), None);
        assert_eq!(parse_decimal_id("12a"), None);
    }
}
