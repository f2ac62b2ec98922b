//! The configuration's YAML, read with one parser: `saphyr-parser`'s events make a small
//! tree (aliases kept as links, not copies) and the [`LineIndex`] in the same pass, and a
//! serde deserialiser reads the raw structs from that tree.
//!
//! It reads scalars as serde_yaml_ng (the parser used before) did, so that values and
//! messages stay the same: a value asked for as text is the scalar as written; `~`,
//! `null` and an empty plain value are "absent"; where any type will do (the untagged
//! enums) plain `true`/`false`, numbers and `null` are resolved by the YAML 1.2 core
//! schema. Errors carry the key path (`domains[0].ttl`) and the line of the node.
//!
//! Aliases are followed when read, charged against a budget of nodes (the document's own
//! size): a "billion laughs" file is refused, not expanded.

use super::index::{IndexBuilder, LineIndex};
use saphyr_parser::{Event, Parser, ScalarStyle, ScanError};
use serde::de::{self, DeserializeSeed, Unexpected, Visitor};
use std::borrow::Cow;
use std::cell::Cell;
use std::fmt;

/// Nested collections deeper than this (through aliases) are refused, as serde_yaml_ng did.
const MAX_RECURSION: u8 = 128;

/// Rounds of `key:<TAB>value` repair (see [`parse`]).
const MAX_TAB_REPAIRS: usize = 64;

/// A YAML or shape error: the message, the key path and the 1-based line where known.
#[derive(Debug, Clone)]
pub(crate) struct Error {
    message: String,
    line: Option<usize>,
    path: Option<String>,
    /// Whether the error has its place already (else the node being read gives it one).
    placed: bool,
    /// For an error about a mapping's key: (mapping node, entry).
    entry: Option<(usize, usize)>,
}

impl Error {
    fn new(message: impl Into<String>, line: Option<usize>) -> Error {
        Error {
            message: message.into(),
            line,
            path: None,
            placed: true,
            entry: None,
        }
    }

    /// The 1-based line the error is about, if known.
    pub(crate) fn line(&self) -> Option<usize> {
        self.line
    }

    /// Give an error without a place the place of the node being read.
    fn place(mut self, line: usize, path: &Path<'_>) -> Error {
        if !self.placed {
            self.placed = true;
            self.line = Some(line);
            self.path = Some(path.to_string());
        }
        self
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.path {
            Some(p) if p != "." => write!(f, "{p}: {}", self.message),
            _ => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for Error {}

impl de::Error for Error {
    fn custom<T: fmt::Display>(msg: T) -> Error {
        Error {
            message: msg.to_string(),
            line: None,
            path: None,
            placed: false,
            entry: None,
        }
    }
}

enum Kind<'t> {
    /// Borrowed from the text where the parser could.
    Scalar(Cow<'t, str>, ScalarStyle),
    /// Items, and the line where the sequence ends.
    Seq(Vec<usize>, u32),
    /// Entries, and the line where the mapping ends.
    Map(Vec<(usize, usize)>, u32),
    Alias(usize),
    /// Where the text stopped being YAML: reading it gives the syntax error.
    Broken,
}

struct Node<'t> {
    kind: Kind<'t>,
    /// `tag:yaml.org,2002:str`, `!local`, …
    tag: Option<Box<str>>,
    line: u32,
    /// Nodes in this subtree (an alias counts one): what following an alias to it costs.
    size: u32,
}

/// The first document of a YAML text, as a tree.
pub(crate) struct Doc<'t> {
    nodes: Vec<Node<'t>>,
    /// The root of each document.
    roots: Vec<usize>,
    /// The syntax error that ended the parse, if any.
    error: Option<Error>,
    /// Documents in the text (only the first is read; more is an error).
    documents: usize,
}

/// A parsed text: the tree of its first document and where each key is.
pub(crate) struct Parsed<'t> {
    pub doc: Doc<'t>,
    pub index: LineIndex,
}

enum Open {
    Seq(usize),
    Map(usize, Option<usize>),
}

#[derive(Default)]
struct Builder<'t> {
    nodes: Vec<Node<'t>>,
    roots: Vec<usize>,
    stack: Vec<Open>,
    /// Anchor id -> node.
    anchors: Vec<usize>,
}

impl<'t> Builder<'t> {
    fn push(&mut self, kind: Kind<'t>, tag: Option<Box<str>>, line: usize, anchor: usize) -> usize {
        let id = self.nodes.len();
        self.nodes.push(Node {
            kind,
            tag,
            line: u32::try_from(line).unwrap_or(u32::MAX),
            size: 1,
        });
        if anchor > 0 {
            if self.anchors.len() <= anchor {
                self.anchors.resize(anchor + 1, usize::MAX);
            }
            self.anchors[anchor] = id;
        }
        self.attach(id);
        id
    }

    fn attach(&mut self, id: usize) {
        match self.stack.last_mut() {
            None => self.roots.push(id),
            Some(Open::Seq(s)) => {
                if let Kind::Seq(items, _) = &mut self.nodes[*s].kind {
                    items.push(id);
                }
            }
            Some(Open::Map(m, key)) => match key.take() {
                None => *key = Some(id),
                Some(k) => {
                    if let Kind::Map(entries, _) = &mut self.nodes[*m].kind {
                        entries.push((k, id));
                    }
                }
            },
        }
    }

    fn event(&mut self, event: Event<'t>, line: usize) {
        let tag = |t: Option<std::borrow::Cow<'_, saphyr_parser::Tag>>| {
            t.map(|t| format!("{}{}", t.handle, t.suffix).into_boxed_str())
        };
        match event {
            Event::Scalar(value, style, anchor, t) => {
                self.push(Kind::Scalar(value, style), tag(t), line, anchor);
            }
            Event::Alias(anchor) => {
                let kind = match self.anchors.get(anchor) {
                    Some(&target) if target != usize::MAX => Kind::Alias(target),
                    _ => Kind::Broken,
                };
                self.push(kind, None, line, 0);
            }
            Event::SequenceStart(anchor, t) => {
                let id = self.push(Kind::Seq(Vec::new(), 0), tag(t), line, anchor);
                self.stack.push(Open::Seq(id));
            }
            Event::MappingStart(anchor, t) => {
                let id = self.push(Kind::Map(Vec::new(), 0), tag(t), line, anchor);
                self.stack.push(Open::Map(id, None));
            }
            Event::SequenceEnd | Event::MappingEnd => {
                if let Some(Open::Seq(id) | Open::Map(id, _)) = self.stack.pop() {
                    let nodes = &self.nodes;
                    let size = match &nodes[id].kind {
                        Kind::Seq(items, _) => items
                            .iter()
                            .fold(0u32, |n, &i| n.saturating_add(nodes[i].size)),
                        Kind::Map(entries, _) => entries.iter().fold(0u32, |n, &(k, v)| {
                            n.saturating_add(nodes[k].size)
                                .saturating_add(nodes[v].size)
                        }),
                        _ => 0,
                    };
                    let node = &mut self.nodes[id];
                    node.size = size.saturating_add(1);
                    if let Kind::Seq(_, end) | Kind::Map(_, end) = &mut node.kind {
                        *end = u32::try_from(line).unwrap_or(u32::MAX);
                    }
                }
            }
            _ => {}
        }
    }

    /// The parse stopped at a syntax error: the node being read ends there.
    fn broken(&mut self) {
        let id = self.nodes.len();
        self.nodes.push(Node {
            kind: Kind::Broken,
            tag: None,
            line: 1,
            size: 1,
        });
        if let Some(Open::Map(_, key @ None)) = self.stack.last_mut() {
            *key = Some(id);
        }
        self.attach(id);
    }
}

/// libyaml's wording for saphyr's messages where they differ: "problem, while context".
fn syntax_error(e: &ScanError) -> Error {
    let info = e.info();
    let message = if info.starts_with("unexpected character: ") {
        "found character that cannot start any token, while scanning for the next token".into()
    } else if info == "simple key expect ':'" {
        "could not find expected ':', while scanning a simple key".into()
    } else if info.ends_with("found unknown anchor") {
        "unknown anchor".into()
    } else {
        match info.strip_prefix("while ").and_then(|r| r.split_once(", ")) {
            Some((context, problem)) => format!("{problem}, while {context}"),
            None => info.to_string(),
        }
    };
    Error::new(message, Some(e.marker().line()))
}

/// Parse `text`: its first document as a tree, and the line of every key path.
///
/// saphyr-parser refuses a tab between `key:` and a plain value, which libyaml (the parser
/// used before) accepted: such tabs are read as the spaces they stand for (one byte each,
/// so no line or column moves), for a bounded number of them.
pub(crate) fn parse(text: &str) -> Parsed<'_> {
    let (parsed, tab_at) = parse_once(text);
    let Some(mut at) = tab_at else {
        return parsed;
    };
    let mut repaired = text.to_string();
    for _ in 0..MAX_TAB_REPAIRS {
        let start = repaired[..at].trim_end_matches('\t').len();
        if start == at {
            break;
        }
        repaired.replace_range(start..at, &" ".repeat(at - start));
        match parse_once(&repaired) {
            (_, Some(next)) => at = next,
            (parsed, None) => return parsed.into_owned(),
        }
    }
    parse_once(&repaired).0.into_owned()
}

impl Parsed<'_> {
    /// The same, owning its text.
    fn into_owned(self) -> Parsed<'static> {
        let nodes = self.doc.nodes.into_iter().map(|n| Node {
            kind: match n.kind {
                Kind::Scalar(v, style) => Kind::Scalar(Cow::Owned(v.into_owned()), style),
                Kind::Seq(items, end) => Kind::Seq(items, end),
                Kind::Map(entries, end) => Kind::Map(entries, end),
                Kind::Alias(target) => Kind::Alias(target),
                Kind::Broken => Kind::Broken,
            },
            tag: n.tag,
            line: n.line,
            size: n.size,
        });
        Parsed {
            doc: Doc {
                nodes: nodes.collect(),
                roots: self.doc.roots,
                error: self.doc.error,
                documents: self.doc.documents,
            },
            index: self.index,
        }
    }
}

/// One pass over `text`, and the byte offset of a value after `key:<TAB>` if that is
/// what stopped it.
fn parse_once(text: &str) -> (Parsed<'_>, Option<usize>) {
    let mut tree = Builder::default();
    let mut documents = 0;
    let mut error = None;
    let mut tab_at = None;
    for event in Parser::new_from_str(text) {
        match event {
            Ok((event, span)) => match event {
                Event::DocumentStart(_) => documents += 1,
                event => tree.event(event, span.start.line()),
            },
            Err(e) => {
                if e.info() == "':' must be followed by a valid YAML whitespace" {
                    let at = e.marker().index();
                    tab_at = Some(text.char_indices().nth(at).map_or(text.len(), |(i, _)| i));
                }
                tree.broken();
                error = Some(syntax_error(&e));
                break;
            }
        }
    }
    let doc = Doc {
        nodes: tree.nodes,
        roots: tree.roots,
        error,
        documents,
    };
    // Indexed from the finished tree rather than during the parse, so that the index's
    // allocations do not sit among the tree's (which is freed before the configuration is
    // built: interleaved, the allocator could not give those pages back).
    let mut index = IndexBuilder::default();
    for &root in &doc.roots {
        doc.replay(root, &mut index);
    }
    (
        Parsed {
            doc,
            index: index.finish(),
        },
        tab_at,
    )
}

const MORE_THAN_ONE: &str =
    "deserializing from YAML containing more than one document is not supported";

impl Doc<'_> {
    /// Feed the events of the subtree at `id` to `index`, as the parser gave them.
    fn replay(&self, id: usize, index: &mut IndexBuilder) {
        let node = &self.nodes[id];
        let line = node.line as usize;
        match &node.kind {
            Kind::Scalar(v, style) => {
                index.event(&Event::Scalar(Cow::Borrowed(v), *style, 0, None), line)
            }
            Kind::Alias(_) => index.event(&Event::Alias(0), line),
            Kind::Seq(items, end) => {
                index.event(&Event::SequenceStart(0, None), line);
                for &i in items {
                    self.replay(i, index);
                }
                index.event(&Event::SequenceEnd, *end as usize);
            }
            Kind::Map(entries, end) => {
                index.event(&Event::MappingStart(0, None), line);
                for &(k, v) in entries {
                    self.replay(k, index);
                    self.replay(v, index);
                }
                index.event(&Event::MappingEnd, *end as usize);
            }
            Kind::Broken => {}
        }
    }

    /// Read a `T` from the (first) document.
    pub(crate) fn read<'de, T: de::Deserialize<'de>>(&self) -> Result<T, Error> {
        let budget = Cell::new(self.budget());
        let Some(&root) = self.roots.first() else {
            return Err(self
                .error
                .clone()
                .unwrap_or_else(|| Error::new("EOF while parsing a value", None)));
        };
        let value = T::deserialize(De {
            doc: self,
            node: root,
            path: Path::Root,
            depth: MAX_RECURSION,
            budget: &budget,
        })?;
        if let Some(e) = &self.error {
            return Err(e.clone());
        }
        if self.documents > 1 {
            return Err(Error::new(MORE_THAN_ONE, None));
        }
        Ok(value)
    }

    /// Whether the text is not YAML this reader takes at all (a syntax error, a second
    /// document, aliases nested or repeated beyond the limits), as opposed to YAML that
    /// does not fit the configuration's shape.
    pub(crate) fn is_unreadable(&self) -> bool {
        if self.error.is_some() || self.documents > 1 {
            return true;
        }
        let budget = Cell::new(self.budget());
        self.roots
            .first()
            .is_some_and(|&root| self.walk(root, MAX_RECURSION, &budget).is_err())
    }

    /// What following aliases may cost in all: as many nodes as the document has.
    fn budget(&self) -> usize {
        self.nodes.len().max(1024)
    }

    fn walk(&self, id: usize, depth: u8, budget: &Cell<usize>) -> Result<(), ()> {
        let id = self.follow(id, budget).map_err(drop)?;
        let children: Vec<usize> = match &self.nodes[id].kind {
            Kind::Seq(items, _) => items.clone(),
            Kind::Map(entries, _) => entries.iter().flat_map(|&(k, v)| [k, v]).collect(),
            Kind::Broken => return Err(()),
            _ => return Ok(()),
        };
        let depth = depth.checked_sub(1).ok_or(())?;
        children
            .into_iter()
            .try_for_each(|c| self.walk(c, depth, budget))
    }

    /// The node an alias stands for, charged against `budget`.
    fn follow(&self, mut id: usize, budget: &Cell<usize>) -> Result<usize, Error> {
        while let Kind::Alias(target) = self.nodes[id].kind {
            let cost = self.nodes[target].size as usize;
            match budget.get().checked_sub(cost) {
                Some(left) => budget.set(left),
                None => return Err(Error::new("repetition limit exceeded", None)),
            }
            id = target;
        }
        match &self.nodes[id].kind {
            Kind::Broken => Err(self.error.clone().unwrap_or_else(|| {
                Error::new("unknown anchor", Some(self.nodes[id].line as usize))
            })),
            _ => Ok(id),
        }
    }

    /// Take out the mapping entry an error was about (so that the rest can be read again).
    /// Whether there was one.
    pub(crate) fn remove_entry(&mut self, err: &Error) -> bool {
        let Some((map, entry)) = err.entry else {
            return false;
        };
        match &mut self.nodes[map].kind {
            Kind::Map(entries, _) if entry < entries.len() => {
                entries.remove(entry);
                true
            }
            _ => false,
        }
    }
}

/// Where a node sits, spelt as serde_yaml_ng spelt it: `domains[0].ttl`, `.` for the root.
#[derive(Clone, Copy)]
enum Path<'a> {
    Root,
    Seq(&'a Path<'a>, usize),
    Map(&'a Path<'a>, &'a str),
    Unknown(&'a Path<'a>),
}

impl fmt::Display for Path<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parent = |f: &mut fmt::Formatter<'_>, p: &Path<'_>| match p {
            Path::Root => Ok(()),
            p => write!(f, "{p}."),
        };
        match self {
            Path::Root => f.write_str("."),
            Path::Seq(p, i) => write!(f, "{p}[{i}]"),
            Path::Map(p, k) => {
                parent(f, p)?;
                f.write_str(k)
            }
            Path::Unknown(p) => {
                parent(f, p)?;
                f.write_str("?")
            }
        }
    }
}

struct De<'a> {
    doc: &'a Doc<'a>,
    node: usize,
    path: Path<'a>,
    depth: u8,
    budget: &'a Cell<usize>,
}

fn is_null(v: &str) -> bool {
    matches!(v, "null" | "Null" | "NULL" | "~")
}

fn parse_bool(v: &str) -> Option<bool> {
    match v {
        "true" | "True" | "TRUE" => Some(true),
        "false" | "False" | "FALSE" => Some(false),
        _ => None,
    }
}

/// `0123` is a string in YAML 1.2, not a number.
fn leading_zero(v: &str) -> bool {
    let v = v.strip_prefix(['-', '+']).unwrap_or(v);
    v.len() > 1 && v.starts_with('0') && v[1..].bytes().all(|b| b.is_ascii_digit())
}

fn parse_int(v: &str) -> Option<Result<u64, i64>> {
    let (neg, body) = match v.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, v.strip_prefix('+').unwrap_or(v)),
    };
    if body.starts_with(['+', '-']) {
        return None;
    }
    let radix = [("0x", 16), ("0o", 8), ("0b", 2)]
        .into_iter()
        .find_map(|(p, r)| body.strip_prefix(p).map(|d| (d, r)));
    let (digits, radix) = match radix {
        Some((d, _)) if d.starts_with(['+', '-']) => return None,
        Some(dr) => dr,
        None if leading_zero(v) => return None,
        None => (body, 10),
    };
    let magnitude = u64::from_str_radix(digits, radix).ok()?;
    if !neg {
        Some(Ok(magnitude))
    } else if magnitude <= i64::MAX as u64 + 1 {
        Some(Err((magnitude as i64).wrapping_neg()))
    } else {
        None
    }
}

fn parse_float(v: &str) -> Option<f64> {
    let body = match v.strip_prefix('+') {
        Some(b) if b.starts_with(['+', '-']) => return None,
        Some(b) => b,
        None => v,
    };
    match body {
        ".inf" | ".Inf" | ".INF" => return Some(f64::INFINITY),
        "-.inf" | "-.Inf" | "-.INF" => return Some(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return Some(f64::NAN),
        _ => {}
    }
    body.parse::<f64>().ok().filter(|f| f.is_finite())
}

/// What a plain scalar is, by the YAML 1.2 core schema.
enum Resolved<'v> {
    Null,
    Bool(bool),
    Int(Result<u64, i64>),
    Float(f64),
    Str(&'v str),
}

fn resolve<'v>(v: &'v str, style: ScalarStyle, tag: Option<&str>) -> Resolved<'v> {
    const CORE: &str = "tag:yaml.org,2002:";
    match tag.and_then(|t| t.strip_prefix(CORE)) {
        Some("bool") => return parse_bool(v).map_or(Resolved::Str(v), Resolved::Bool),
        Some("int") => return parse_int(v).map_or(Resolved::Str(v), Resolved::Int),
        Some("float") => return parse_float(v).map_or(Resolved::Str(v), Resolved::Float),
        Some("null") if is_null(v) || v.is_empty() => return Resolved::Null,
        Some(_) => return Resolved::Str(v),
        None => {}
    }
    if !matches!(style, ScalarStyle::Plain) {
        return Resolved::Str(v);
    }
    if v.is_empty() || is_null(v) {
        Resolved::Null
    } else if let Some(b) = parse_bool(v) {
        Resolved::Bool(b)
    } else if let Some(i) = parse_int(v) {
        Resolved::Int(i)
    } else if let Some(f) = parse_float(v).filter(|_| !leading_zero(v)) {
        Resolved::Float(f)
    } else {
        Resolved::Str(v)
    }
}

impl<'a> De<'a> {
    fn node(&self) -> &'a Node<'a> {
        &self.doc.nodes[self.node]
    }

    /// Follow aliases to the node they stand for.
    fn follow(mut self) -> Result<Self, Error> {
        self.node = self.doc.follow(self.node, self.budget)?;
        Ok(self)
    }

    fn unexpected(&self) -> Unexpected<'a> {
        let node = self.node();
        match &node.kind {
            Kind::Seq(..) => Unexpected::Seq,
            Kind::Map(..) => Unexpected::Map,
            Kind::Scalar(v, style) => match resolve(v, *style, node.tag.as_deref()) {
                Resolved::Null => Unexpected::Unit,
                Resolved::Bool(b) => Unexpected::Bool(b),
                Resolved::Int(Ok(u)) => Unexpected::Unsigned(u),
                Resolved::Int(Err(i)) => Unexpected::Signed(i),
                Resolved::Float(f) => Unexpected::Float(f),
                Resolved::Str(s) => Unexpected::Str(s),
            },
            Kind::Alias(_) | Kind::Broken => Unexpected::Other("?"),
        }
    }

    fn invalid_type(&self, exp: &dyn de::Expected) -> Error {
        <Error as de::Error>::invalid_type(self.unexpected(), exp)
    }

    /// An empty plain scalar, which reads as an empty list or mapping.
    fn is_empty_plain(&self) -> bool {
        matches!(&self.node().kind, Kind::Scalar(v, ScalarStyle::Plain) if v.is_empty())
    }

    fn nested(&self) -> Result<u8, Error> {
        self.depth
            .checked_sub(1)
            .ok_or_else(|| Error::new("recursion limit exceeded", Some(self.node().line as usize)))
    }

    fn seq<'de, V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let items: &[usize] = match &self.node().kind {
            Kind::Seq(items, _) => items,
            _ if self.is_empty_plain() => &[],
            _ => return Err(self.invalid_type(&visitor)),
        };
        visitor.visit_seq(SeqAccess {
            de: &self,
            depth: self.nested()?,
            items: items.iter(),
            next: 0,
        })
    }

    fn map<'de, V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let entries: &[(usize, usize)] = match &self.node().kind {
            Kind::Map(entries, _) => entries,
            _ if self.is_empty_plain() => &[],
            _ => return Err(self.invalid_type(&visitor)),
        };
        visitor.visit_map(MapAccess {
            de: &self,
            depth: self.nested()?,
            entries,
            next: 0,
            key: None,
        })
    }

    /// Run `f` on the node aliases stand for; errors without a place get this node's.
    fn read<T>(self, f: impl FnOnce(&Self) -> Result<T, Error>) -> Result<T, Error> {
        let de = self.follow()?;
        f(&de).map_err(|e| e.place(de.node().line as usize, &de.path))
    }
}

impl<'de> de::Deserializer<'de> for De<'_> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.read(|d| {
            let node = d.node();
            if node.tag.as_deref().is_some_and(|t| t.starts_with('!')) {
                return Err(de::Error::custom(
                    "untagged and internally tagged enums do not support enum input",
                ));
            }
            match &node.kind {
                Kind::Scalar(v, style) => match resolve(v, *style, node.tag.as_deref()) {
                    Resolved::Null => visitor.visit_unit(),
                    Resolved::Bool(b) => visitor.visit_bool(b),
                    Resolved::Int(Ok(u)) => visitor.visit_u64(u),
                    Resolved::Int(Err(i)) => visitor.visit_i64(i),
                    Resolved::Float(f) => visitor.visit_f64(f),
                    Resolved::Str(s) => visitor.visit_str(s),
                },
                Kind::Seq(..) => d.copy().seq(visitor),
                _ => d.copy().map(visitor),
            }
        })
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.read(|d| match &d.node().kind {
            Kind::Scalar(v, _) => visitor.visit_str(v),
            _ => Err(d.invalid_type(&visitor)),
        })
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_str(visitor)
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_str(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let d = self.follow()?;
        let node = d.node();
        let some = match &node.kind {
            Kind::Scalar(v, ScalarStyle::Plain) => match node.tag.as_deref() {
                Some("tag:yaml.org,2002:null") if is_null(v) || v.is_empty() => false,
                Some("tag:yaml.org,2002:null") => {
                    return Err(de::Error::invalid_value(Unexpected::Str(v), &"null"))
                }
                Some(_) => true,
                None => !v.is_empty() && !is_null(v),
            },
            _ => true,
        };
        if some {
            visitor.visit_some(d)
        } else {
            visitor.visit_none()
        }
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.read(|d| d.copy().seq(visitor))
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.read(|d| d.copy().map(visitor))
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_map(visitor)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_unit()
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char bytes byte_buf unit
        unit_struct newtype_struct tuple tuple_struct enum
    }
}

impl<'a> De<'a> {
    fn copy(&self) -> De<'a> {
        De {
            doc: self.doc,
            node: self.node,
            path: self.path,
            depth: self.depth,
            budget: self.budget,
        }
    }
}

struct SeqAccess<'s, 'a> {
    de: &'s De<'a>,
    depth: u8,
    items: std::slice::Iter<'s, usize>,
    next: usize,
}

impl<'de> de::SeqAccess<'de> for SeqAccess<'_, '_> {
    type Error = Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Error> {
        let Some(&node) = self.items.next() else {
            return Ok(None);
        };
        let index = self.next;
        self.next += 1;
        seed.deserialize(De {
            doc: self.de.doc,
            node,
            path: Path::Seq(&self.de.path, index),
            depth: self.depth,
            budget: self.de.budget,
        })
        .map(Some)
    }
}

struct MapAccess<'s, 'a> {
    de: &'s De<'a>,
    depth: u8,
    entries: &'s [(usize, usize)],
    next: usize,
    /// The key just read, when it is a plain scalar (for the value's path).
    key: Option<&'s str>,
}

impl<'de> de::MapAccess<'de> for MapAccess<'_, '_> {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        let Some(&(key, _)) = self.entries.get(self.next) else {
            return Ok(None);
        };
        let doc = self.de.doc;
        self.key = match &doc.nodes[key].kind {
            Kind::Scalar(v, _) => Some(&**v),
            _ => None,
        };
        let entry = self.next;
        seed.deserialize(De {
            doc,
            node: key,
            path: self.de.path,
            depth: self.depth,
            budget: self.de.budget,
        })
        .map(Some)
        .map_err(|mut e| {
            e.entry.get_or_insert((self.de.node, entry));
            e
        })
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        let (_, value) = self.entries[self.next];
        self.next += 1;
        let path = match self.key {
            Some(k) => Path::Map(&self.de.path, k),
            None => Path::Unknown(&self.de.path),
        };
        seed.deserialize(De {
            doc: self.de.doc,
            node: value,
            path,
            depth: self.depth,
            budget: self.de.budget,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::load::load_str_with_env;
    use super::*;
    use std::path::Path;

    fn load(text: &str) -> Result<super::super::Config, String> {
        load_str_with_env(text, Path::new("config.yaml"), &|_| None)
            .map(|l| l.config)
            .map_err(|e| e.to_string())
    }

    const BASE: &str = "providers:\n  cf:\n    type: cloudflare\n    api_token: tok-0123456789abcdef\ndomains:\n  - domain: example.com\n    provider: cf\n";

    #[test]
    fn scalars_read_as_serde_yaml_ng_read_them() {
        #[derive(serde::Deserialize, Debug, PartialEq)]
        #[serde(untagged)]
        enum Any {
            Bool(bool),
            Int(u64),
            Neg(i64),
            Float(f64),
            Text(String),
            List(Vec<Option<String>>),
        }
        let doc = parse(
            "- true\n- 0x1F\n- -3\n- 1.5\n- '5'\n- 0755\n- yes\n- !!str 7\n- [~, '', \"x\"]\n",
        )
        .doc;
        let v: Vec<Any> = doc.read().unwrap();
        assert_eq!(
            v,
            [
                Any::Bool(true),
                Any::Int(31),
                Any::Neg(-3),
                Any::Float(1.5),
                Any::Text("5".into()),
                Any::Text("0755".into()),
                Any::Text("yes".into()),
                Any::Text("7".into()),
                Any::List(vec![None, Some(String::new()), Some("x".into())]),
            ]
        );
        // Asked for as text, a scalar is what was written.
        let v: Vec<String> = parse("- 0x1F\n- true\n- |\n  a\n  b\n").doc.read().unwrap();
        assert_eq!(v, ["0x1F", "true", "a\nb\n"]);
    }

    #[test]
    fn aliases_are_followed() {
        let text = BASE.replace(
            "    provider: cf\n",
            "    provider: &p cf\n    dkim_selectors: &s [mail, s2]\n  - domain: example.net\n    provider: *p\n    dkim_selectors: *s\n",
        );
        let c = load(&text).unwrap();
        assert_eq!(c.domains[1].provider, "cf");
        assert_eq!(c.domains[1].dkim_selectors, ["mail", "s2"]);
    }

    #[test]
    fn a_billion_laughs_is_refused_at_once() {
        let mut text = String::from("a: &a [lol,lol,lol,lol,lol,lol,lol,lol,lol]\n");
        let mut prev = 'a';
        for n in 'b'..='z' {
            text.push_str(&format!(
                "{n}: &{n} [{}]\n",
                vec![format!("*{prev}"); 9].join(",")
            ));
            prev = n;
        }
        let doc = parse(&text).doc;
        assert!(doc.is_unreadable());
        // Read where any value will do (an untagged enum), the aliases would expand to
        // 9^26 nodes: the budget stops it.
        let mut nested = String::from("&a [lol,lol,lol,lol,lol,lol,lol,lol,lol]");
        let mut prev = 'a';
        for n in 'b'..='z' {
            nested.push_str(&format!(
                ", &{n} [{}]",
                vec![format!("*{prev}"); 9].join(",")
            ));
            prev = n;
        }
        let laughs = format!("{BASE}detect:\n  ipv4: [{nested}]\n");
        let started = std::time::Instant::now();
        let e = load(&laughs).unwrap_err();
        assert!(e.contains("repetition limit exceeded"), "{e}");
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
        // An alias to the node that holds it.
        let e = load(&format!("{BASE}detect:\n  ipv4: &r [*r]\n")).unwrap_err();
        assert!(e.contains("recursion limit exceeded"), "{e}");
    }

    #[test]
    fn a_tab_after_a_colon_is_a_space_and_a_tab_before_the_first_key_is_refused() {
        let text = BASE.replace("provider: cf", "provider:\tcf") + "    ttl:\t\t30\n";
        let e = load(&text).unwrap_err();
        assert!(
            e.starts_with("config.yaml:8: domains[0].ttl: \"30\" is not a TTL"),
            "{e}"
        );
        let e = load(&format!("\t{BASE}")).unwrap_err();
        assert_eq!(
            e,
            "config.yaml:1: a tab in the indentation — YAML indents with spaces only: replace the tab with spaces"
        );
    }

    #[test]
    fn syntax_errors_in_libyaml_words() {
        for (text, want) in [
            ("schedule: b: c\n", "config.yaml:1: YAML syntax error: mapping values are not allowed in this context"),
            ("notify:\n  - url: x\n  c: d\n", "config.yaml:3: YAML syntax error: did not find expected '-' indicator, while parsing a block collection"),
            ("schedule: @x\n", "config.yaml:1: YAML syntax error: found character that cannot start any token, while scanning for the next token"),
            ("schedule: *nope\n", "config.yaml:1: YAML syntax error: unknown anchor"),
            ("schedule: 5m\n---\nschedule: 5m\n", "config.yaml:3: schedule: written twice (first on line 1)"),
            ("schedule: 5m\n---\nfoo: 1\n", "config.yaml:1: YAML syntax error: deserializing from YAML containing more than one document is not supported"),
        ] {
            let e = load(text).unwrap_err();
            assert!(e.starts_with(want), "{text:?}: {e}");
        }
    }
}
