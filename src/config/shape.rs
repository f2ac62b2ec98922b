//! Caps checked before the configuration is parsed at all: its size and how deeply it
//! nests. YAML parsers spend time (and memory) far beyond linear on absurd nesting — a
//! 200 KB file of 100,000 nested lists took minutes and gigabytes — and no configuration
//! of mxddns nests deeper than a handful of levels.
//!
//! The depth is over-estimated, never under-estimated, in one linear pass: indentation
//! levels open at a line, plus the block sequence dashes that start it (`- - - x`), plus
//! the flow brackets (`[`, `{`) open outside quotes and comments.

/// The largest configuration file read (a real one is a few KiB).
pub const MAX_BYTES: u64 = 1024 * 1024;

/// The deepest nesting accepted.
pub const MAX_DEPTH: usize = 64;

/// The 1-based line where `text` first nests deeper than `max`, if it does.
pub fn too_deep(text: &str, max: usize) -> Option<usize> {
    let mut indents: Vec<usize> = Vec::new();
    let mut flow = 0usize;
    // Inside a block scalar (`key: |`): the lines indented deeper than its key are text.
    let mut scalar: Option<usize> = None;
    for (n, line) in text.lines().enumerate() {
        let body = line.trim_start_matches([' ', '\t']);
        let indent = line.len() - body.len();
        if let Some(i) = scalar {
            if body.is_empty() || indent > i {
                continue;
            }
            scalar = None;
        }
        if body.is_empty() || body.starts_with('#') {
            continue;
        }
        let mut block = 0;
        if flow == 0 {
            if opens_block_scalar(body) {
                scalar = Some(indent);
            }
            while indents.last().is_some_and(|&i| i > indent) {
                indents.pop();
            }
            if indents.last().is_none_or(|&i| i < indent) {
                indents.push(indent);
            }
            // `- - - x`: each dash opens a sequence.
            let mut rest = body;
            while let Some(r) = rest.strip_prefix('-') {
                if !(r.is_empty() || r.starts_with([' ', '\t'])) {
                    break;
                }
                block += 1;
                rest = r.trim_start_matches([' ', '\t']);
            }
        }
        let base = indents.len() + block;
        if base > max {
            return Some(n + 1);
        }
        // Flow collections, outside quoted scalars and comments.
        let mut quote: Option<char> = None;
        let mut prev = ' ';
        let mut chars = body.chars().peekable();
        while let Some(c) = chars.next() {
            match quote {
                Some('"') if c == '\\' => {
                    chars.next();
                }
                Some(q) if c == q => quote = None,
                Some(_) => {}
                None => match c {
                    '#' if prev == ' ' || prev == '\t' => break,
                    '"' | '\'' if matches!(prev, ' ' | '\t' | '[' | '{' | ',' | ':' | '-') => {
                        quote = Some(c)
                    }
                    '[' | '{' => {
                        flow += 1;
                        if base + flow > max {
                            return Some(n + 1);
                        }
                    }
                    ']' | '}' => flow = flow.saturating_sub(1),
                    _ => {}
                },
            }
            prev = c;
        }
    }
    None
}

/// Whether a line ends with a block scalar indicator (`|`, `>-`, `|+2`, …).
fn opens_block_scalar(body: &str) -> bool {
    let code = match body.find(" #") {
        Some(i) => &body[..i],
        None => body,
    };
    code.split_whitespace().last().is_some_and(|t| {
        let mut c = t.chars();
        matches!(c.next(), Some('|' | '>')) && c.all(|c| matches!(c, '-' | '+' | '0'..='9'))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_configurations_pass_and_absurd_nesting_is_found_at_once() {
        let ok = "schedule: 5m\nproviders:\n  cf:\n    type: cloudflare\n    api_token: \"a[b{c\"\ndomains:\n  - domain: example.com\n    mx: [\"mail.example.com\"]\n    tags: {a: [1, [2, {b: 3}]]}  # ]]]] [[[[\nnotify:\n  - url: 'it''s [ok'\n    template: |\n      {{ text }} [\n      [[[[ {\n    other: x\n";
        assert_eq!(too_deep(ok, MAX_DEPTH), None);
        let n = 100_000;
        let flow = format!("schedule: {}{}\n", "[".repeat(n), "]".repeat(n));
        assert_eq!(too_deep(&flow, MAX_DEPTH), Some(1));
        let dashes = format!("schedule:\n{}x\n", "- ".repeat(n));
        assert_eq!(too_deep(&dashes, MAX_DEPTH), Some(2));
        let maps: String = (0..100)
            .map(|i| format!("{}k{i}:\n", " ".repeat(i)))
            .collect();
        assert_eq!(too_deep(&maps, MAX_DEPTH), Some(MAX_DEPTH + 1));
        let spread = format!("a: {}\n{}\n", "[".repeat(40), "[".repeat(40));
        assert_eq!(too_deep(&spread, MAX_DEPTH), Some(2));
    }
}
