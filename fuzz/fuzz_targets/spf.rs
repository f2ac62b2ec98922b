//! The SPF parser and the edit mxddns makes, on any record text split into strings.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mxddns_fuzz::spf;
use std::net::IpAddr;

fuzz_target!(|data: &[u8]| {
    let Some((&split, rest)) = data.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(rest);
    let _ = spf::parse(&text);
    let _ = spf::find("example.com", &[vec![text.to_string()]]);
    // The same text as one or several character-strings, cut at byte `split`.
    let cut = (split as usize).min(text.len());
    let cut = (0..=cut)
        .rev()
        .find(|i| text.is_char_boundary(*i))
        .unwrap_or(0);
    let strings = vec![text[..cut].to_string(), text[cut..].to_string()];
    let old: [IpAddr; 2] = [
        "203.0.113.10".parse().unwrap(),
        "2001:db8::10".parse().unwrap(),
    ];
    for new in ["203.0.113.20", "2001:db8::20"] {
        let new: IpAddr = new.parse().unwrap();
        for other in [None, Some("mx")] {
            if let Ok(spf::Edit::Rewrite(out)) = spf::edit(&strings, &old, new, other) {
                assert!(spf::parse(&out.concat()).is_ok(), "{out:?}");
                assert!(out.iter().all(|s| s.len() <= 255), "{out:?}");
            }
        }
    }
});
