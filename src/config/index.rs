//! Where each key of the YAML text is. The deserialiser reports a position only for its own
//! errors; the checks made after deserialisation need the line of a key path too. This
//! index maps every path (`domains[0].provider`, spelt as the deserialiser spells its error
//! paths, the root being "") to the 1-based line of its key (mapping entries) or of the
//! item (sequence entries), from the spanned events of `saphyr-parser`.

use saphyr_parser::Event;
use std::collections::HashMap;

/// A key that appears twice in one mapping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Duplicate {
    pub path: String,
    pub line: usize,
    pub first_line: usize,
}

/// Key path -> line, plus the keys of each mapping in file order.
#[derive(Debug, Default)]
pub(crate) struct LineIndex {
    lines: HashMap<String, usize>,
    keys: HashMap<String, Vec<(String, usize)>>,
    /// Keys written twice in the same mapping (serde would silently keep the last one).
    pub duplicates: Vec<Duplicate>,
    /// Whether the document has any content at all (a file of only comments has none).
    pub has_root: bool,
}

enum Frame {
    Map {
        path: String,
        /// The key just read, waiting for its value, with its line.
        key: Option<(String, usize)>,
    },
    Seq {
        path: String,
        next: usize,
    },
    /// A mapping or sequence used as a key (legal YAML, meaningless here): skipped.
    ComplexKey {
        depth: usize,
    },
}

/// `parent` + `.key` (or just `key` at the root).
pub(crate) fn child(parent: &str, key: &str) -> String {
    if parent.is_empty() {
        key.to_string()
    } else {
        format!("{parent}.{key}")
    }
}

/// `parent[index]`.
pub(crate) fn item(parent: &str, index: usize) -> String {
    format!("{parent}[{index}]")
}

/// The path one level up: `a.b[0].c` -> `a.b[0]` -> `a.b` -> `a` -> "".
fn parent_of(path: &str) -> &str {
    if path.ends_with(']') {
        if let Some(i) = path.rfind('[') {
            return &path[..i];
        }
    }
    match path.rfind('.') {
        Some(i) => &path[..i],
        None => "",
    }
}

/// Builds a [`LineIndex`] from the parser's events, one at a time (the tree that is
/// deserialised is built from the same events: the text is parsed once).
#[derive(Default)]
pub(crate) struct IndexBuilder {
    index: LineIndex,
    stack: Vec<Frame>,
}

impl IndexBuilder {
    /// Take in one event, starting on 1-based `line`.
    pub(crate) fn event(&mut self, event: &Event<'_>, line: usize) {
        let index = &mut self.index;
        let stack = &mut self.stack;
        let opens = match event {
            Event::MappingStart(..) => Some(true),
            Event::SequenceStart(..) => Some(false),
            Event::Scalar(..) | Event::Alias(..) => None,
            Event::MappingEnd | Event::SequenceEnd => {
                match stack.last_mut() {
                    Some(Frame::ComplexKey { depth }) if *depth > 1 => *depth -= 1,
                    Some(Frame::ComplexKey { .. }) => {
                        stack.pop();
                        if let Some(Frame::Map { key, .. }) = stack.last_mut() {
                            *key = Some(("?".to_string(), line));
                        }
                    }
                    _ => {
                        stack.pop();
                    }
                }
                return;
            }
            _ => return,
        };
        // A node starts: find out where it sits.
        let path = match stack.last_mut() {
            None => {
                index.has_root = true;
                index.lines.insert(String::new(), line);
                String::new()
            }
            Some(Frame::ComplexKey { depth }) => {
                if opens.is_some() {
                    *depth += 1;
                }
                return;
            }
            Some(Frame::Map { path, key }) => match key.take() {
                None => {
                    // This node is a key.
                    match event {
                        Event::Scalar(value, ..) => *key = Some((value.to_string(), line)),
                        Event::Alias(..) => *key = Some(("?".to_string(), line)),
                        _ => stack.push(Frame::ComplexKey { depth: 1 }),
                    }
                    return;
                }
                Some((name, key_line)) => {
                    let full = child(path, &name);
                    let siblings = index.keys.entry(path.clone()).or_default();
                    if let Some((_, first)) = siblings.iter().find(|(k, _)| *k == name) {
                        index.duplicates.push(Duplicate {
                            path: full.clone(),
                            line: key_line,
                            first_line: *first,
                        });
                    } else {
                        siblings.push((name, key_line));
                        index.lines.insert(full.clone(), key_line);
                    }
                    full
                }
            },
            Some(Frame::Seq { path, next }) => {
                let full = item(path, *next);
                *next += 1;
                index.lines.insert(full.clone(), line);
                full
            }
        };
        match opens {
            Some(true) => stack.push(Frame::Map { path, key: None }),
            Some(false) => stack.push(Frame::Seq { path, next: 0 }),
            None => {}
        }
    }

    pub(crate) fn finish(self) -> LineIndex {
        self.index
    }
}

impl LineIndex {
    /// Index `text`. Text that the parser cannot read gives what was indexed up to that
    /// point; lines then fall back to the nearest indexed ancestor.
    #[cfg(test)]
    pub(crate) fn build(text: &str) -> LineIndex {
        let mut builder = IndexBuilder::default();
        for event in saphyr_parser::Parser::new_from_str(text) {
            let Ok((event, span)) = event else { break };
            builder.event(&event, span.start.line());
        }
        builder.finish()
    }

    /// The line of `path`, or of its nearest indexed ancestor; 1 when nothing is indexed.
    pub(crate) fn line(&self, path: &str) -> usize {
        let mut p = path;
        loop {
            if let Some(line) = self.lines.get(p) {
                return *line;
            }
            if p.is_empty() {
                return 1;
            }
            p = parent_of(p);
        }
    }

    /// Whether `path` was written in the file.
    pub(crate) fn contains(&self, path: &str) -> bool {
        self.lines.contains_key(path)
    }

    /// The keys of the mapping at `path`, in file order, with their lines.
    pub(crate) fn keys(&self, path: &str) -> &[(String, usize)] {
        self.keys.get(path).map(Vec::as_slice).unwrap_or(&[])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "\
# a comment
schedule: 5m
detect:
  ipv4:
    - https://a.example
    - dns:opendns
  quorum: 2
providers:
  home-cf:
    type: cloudflare

  home-ali: {type: aliyun, access_key_id: x}
domains:
  - domain: example.com
    provider: home-cf
  -
    domain: example.net
    dkim_selectors: [a,
      b]
listen: |
  not really
";

    #[test]
    fn every_path_has_its_line() {
        let ix = LineIndex::build(TEXT);
        let cases = [
            ("", 2),
            ("schedule", 2),
            ("detect", 3),
            ("detect.ipv4", 4),
            ("detect.ipv4[0]", 5),
            ("detect.ipv4[1]", 6),
            ("detect.quorum", 7),
            ("providers", 8),
            ("providers.home-cf", 9),
            ("providers.home-cf.type", 10),
            ("providers.home-ali", 12),
            ("providers.home-ali.access_key_id", 12),
            ("domains", 13),
            ("domains[0]", 14),
            ("domains[0].domain", 14),
            ("domains[0].provider", 15),
            ("domains[1]", 17),
            ("domains[1].domain", 17),
            ("domains[1].dkim_selectors[1]", 19),
            ("listen", 20),
        ];
        for (path, line) in cases {
            assert_eq!(ix.line(path), line, "{path}");
        }
        assert!(ix.has_root);
        assert!(ix.duplicates.is_empty());
    }

    #[test]
    fn unknown_paths_fall_back_to_the_nearest_ancestor() {
        let ix = LineIndex::build(TEXT);
        assert_eq!(ix.line("domains[1].ttl"), 17);
        assert_eq!(ix.line("detect.ipv6[3]"), 3);
        assert_eq!(ix.line("nothing.at.all"), 2);
    }

    #[test]
    fn keys_in_file_order() {
        let ix = LineIndex::build(TEXT);
        let names: Vec<&str> = ix
            .keys("providers")
            .iter()
            .map(|(k, _)| k.as_str())
            .collect();
        assert_eq!(names, ["home-cf", "home-ali"]);
    }

    #[test]
    fn duplicate_keys_are_found() {
        let ix = LineIndex::build("a: 1\nb:\n  c: 1\n  c: 2\na: 3\n");
        assert_eq!(
            ix.duplicates,
            vec![
                Duplicate {
                    path: "b.c".into(),
                    line: 4,
                    first_line: 3
                },
                Duplicate {
                    path: "a".into(),
                    line: 5,
                    first_line: 1
                },
            ]
        );
    }

    #[test]
    fn complex_keys_and_empty_documents() {
        let ix = LineIndex::build("? [a, b]\n: 1\nc: 2\n");
        assert_eq!(ix.line("c"), 3);
        let ix = LineIndex::build("# only a comment\n");
        assert!(!ix.has_root);
        assert_eq!(ix.line("schedule"), 1);
    }
}
