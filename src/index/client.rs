//! The static search index: what `templates/assets/search.js` reads when the site is served by a
//! plain static host (no `qingdan serve`). `build` writes it into `<site>/search/`:
//!
//! - `meta.json`: departments, categories, the (department, category) groups of document
//!   numbers, the ranking's integers (`rank::WEIGHTS`), the few entries of the synonym table
//!   that are not in the shards (see below), the stop phrases, the
//!   traditional → simplified character pairs and how many shards there are. Loaded once per page.
//! - `t/<n>.bin`: postings of character unigrams and bigrams (after the server's folding: NFKC,
//!   traditional → simplified, lower case) and of whole names, sharded by an FNV-1a hash of the
//!   term, so a query downloads only the shards of its own terms.
//! - `x/<hash>.bin`: postings longer than `LARGE` bytes, in a file per term hash (same format),
//!   which the shard names by an entry of kind 2.
//! - `d/<n>.json`: `[id, name]` of `DOCS_PER_SHARD` consecutive documents.
//! - The thesaurus's table (`thesaurus::table`) is in the postings shards too: an entry of
//!   field `rank::RELATED`, kind `TEXT_KIND`, per character pair that begins words of the table,
//!   its payload `word related related …` a line per word (UTF-8). The browser has fetched the
//!   shard of every pair of the query already, so it finds the table's words in the query
//!   without another request.
//! - The synonym table (built-in register and the lists' `synonyms.toml`, over a thousand
//!   entries) likewise: an entry of field `rank::SYNONYMS`, kind `TEXT_KIND`, per character pair
//!   that begins a word of the table, its payload a JSON array with each entry once:
//!   `[entry number, [its words that begin with the pair…], [means…]]`. Only the entries some
//!   of whose words do not begin with two letters or digits (`synonym_pair`: a query holding
//!   such a word need not hold a pair it begins with) stay in `meta.json`, with
//!   their entry numbers. The browser expands the query once it has the shards of its pairs,
//!   with the entries in number order, as `query::expand` does with the whole table.
//!
//! Documents are numbered in (department, category, name length, id) order (`numbering`), so the
//! department and category of any document follow from the group table in `meta.json` (facet
//! counts without a per-document table), and within a group a lower number means a shorter name.
//! The server's index stores the same number for each document, and indexes the same terms
//! (`item_terms`): both searches rank with `rank::rank`.
//!
//! A shard is a sequence of entries, one per (term, field): `varint term length, term (UTF-8),
//! u8 field, u8 kind, varint df, varint idf (rank::idf), varint payload length, payload`.
//! Fields (`rank`): 0 name (unigrams and bigrams), 1 sub-item names (bigrams), 2 guide text
//! (bigrams in at most `COMMON_SHARE` of documents), 3 the whole folded name
//! (`query::normalize`). Kind 0: varint document numbers, each as the gap from the previous one
//! (the first from 0); kind 1: varint first document, then a bitmap (bit i of byte j: document
//! first + 8j + i), whichever is shorter.

use std::collections::HashMap;

use fnv::FnvHashMap;
use std::path::Path;

use rayon::prelude::*;
use serde::Serialize;

use super::query::{self, Synonym};
use crate::Error;
use crate::model::Category;
use crate::snapshot::Snapshot;

/// Folder of the static index inside the site folder (also the static search page's URL).
pub const DIR: &str = "search";

/// Documents per metadata shard.
pub const DOCS_PER_SHARD: usize = 16;

/// Aimed-at average size of a postings shard, in bytes.
const SHARD_BYTES: usize = 4 * 1024;

/// A postings list longer than this many bytes has a file of its own (`x/<hash>.bin`), so that
/// the shard it hashes to stays small for the queries that do not need it.
const LARGE: usize = 1024;

/// Kind of a shard entry whose postings are in the term's own file.
const OWN_FILE: u8 = 2;

/// Kind of a shard entry whose payload is text: the thesaurus's lines (field `rank::RELATED`),
/// the synonym table's entries as JSON (field `rank::SYNONYMS`).
const TEXT_KIND: u8 = 3;

/// A bigram in more than this share of documents' guide text is not indexed there (nor searched
/// there by the server: `max_df`).
const COMMON_SHARE: f64 = 0.1;

/// The same for the other text (`super::body_text`), longer and more alike from item to item.
const BODY_SHARE: f64 = 0.05;

/// Most documents a term of `field` may be in, of `docs`, to be indexed there (and searched there
/// by the server); `None`: any number. Never fewer than 50: a small list's shared words may
/// still tell its few items apart.
pub fn max_df(field: u8, docs: usize) -> Option<f64> {
    let share = match field {
        TEXT => COMMON_SHARE,
        BODY => BODY_SHARE,
        _ => return None,
    };
    Some((docs as f64 * share).max(50.0))
}

/// Characters of guide text indexed per item.
const TEXT_CHARS: usize = 300;

/// Documents whose terms are gathered at once while the postings are built.
const TERMS_BLOCK: usize = 8192;

use super::rank::{BODY, EXACT, NAME, RELATED, SUBS, SYNONYMS, TEXT};

#[derive(Serialize)]
struct Meta<'a> {
    version: u32,
    docs: usize,
    shards: usize,
    docs_per_shard: usize,
    base: &'a str,
    departments: &'a [Department],
    categories: &'a [String],
    /// [department, category, first document]: ascending first documents.
    groups: &'a [[usize; 3]],
    /// Bonus of categories one applies for, in the units of a score (`rank::service_bonus`).
    service: std::collections::BTreeMap<&'a str, i64>,
    /// The ranking's integers.
    weights: &'a super::rank::Weights,
    /// The synonym table's entries that are not in the shards (`synonym_pair`), with their
    /// numbers in the table.
    synonyms: Vec<MetaSynonym<'a>>,
    stop: &'a [&'a str],
    /// How the thesaurus's words are found in a query (`thesaurus::expand`).
    thesaurus: ThesaurusMeta,
    /// Traditional and simplified characters alternating: "與与為为…".
    t2s: String,
    max_chars: usize,
}

#[derive(Serialize)]
struct MetaSynonym<'a> {
    /// The entry's number in the synonym table.
    i: usize,
    words: &'a [String],
    means: &'a [String],
}

/// An entry of the synonym table in a shard: (its number, its words that begin with the
/// shard's pair, its means).
type ShardSynonym<'a> = (usize, Vec<&'a str>, &'a [String]);

/// The pair under which a word of the synonym table is kept in the shards: its first two
/// characters, when both are letters or digits (then a query that holds the word holds the
/// pair among its own, and the browser has fetched its shard); otherwise none, and the word's
/// entry stays in `meta.json`.
fn synonym_pair(word: &str) -> Option<String> {
    let mut c = word.chars();
    match (c.next(), c.next()) {
        (Some(a), Some(b)) if alnum(a) && alnum(b) => Some([a, b].iter().collect()),
        _ => None,
    }
}

#[derive(Serialize)]
struct ThesaurusMeta {
    max_terms: usize,
    max_word_chars: usize,
    negations: String,
}

/// A document of the static index, in the order documents are numbered.
#[derive(PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct Doc<'a> {
    department: usize,
    category: usize,
    /// Characters of the name.
    length: usize,
    id: &'a str,
    /// Index into the snapshot's items.
    pub item: usize,
}

#[derive(Serialize)]
pub(super) struct Department {
    id: String,
    name: String,
}

/// How the documents of a snapshot are numbered, in both indexes.
pub(super) struct Numbering<'a> {
    /// Documents by number.
    pub order: Vec<Doc<'a>>,
    departments: Vec<Department>,
    categories: Vec<String>,
    /// [department, category, first document] of each run of documents.
    groups: Vec<[usize; 3]>,
}

impl Numbering<'_> {
    /// Each item's document number, by its index in the snapshot.
    pub fn numbers(&self) -> Vec<u32> {
        let mut out = vec![0u32; self.order.len()];
        for (n, o) in self.order.iter().enumerate() {
            out[o.item] = n as u32;
        }
        out
    }
}

/// Documents numbered by (department, category, name length, id): departments in the
/// snapshot's order, then any folder only items name; categories in their official order, then
/// any other name.
pub(super) fn numbering(snap: &Snapshot) -> Numbering<'_> {
    let mut departments: Vec<Department> = snap
        .departments
        .iter()
        .map(|d| Department {
            id: d.folder.clone(),
            name: d.value.name.value.clone(),
        })
        .collect();
    let mut dept_index: HashMap<&str, usize> = snap
        .departments
        .iter()
        .enumerate()
        .map(|(i, d)| (d.folder.as_str(), i))
        .collect();
    for e in &snap.items {
        if !dept_index.contains_key(e.folder.as_str()) {
            dept_index.insert(e.folder.as_str(), departments.len());
            departments.push(Department {
                id: e.folder.clone(),
                name: snap.department_name(&e.folder).to_string(),
            });
        }
    }
    let mut categories: Vec<String> = Category::ALL.iter().map(|c| c.name().to_string()).collect();
    for e in &snap.items {
        if !categories.contains(&e.value.category.value) {
            categories.push(e.value.category.value.clone());
        }
    }
    categories.retain(|c| snap.items.iter().any(|e| e.value.category.value == *c));
    let cat_index: HashMap<&str, usize> = categories
        .iter()
        .enumerate()
        .map(|(i, c)| (c.as_str(), i))
        .collect();
    let mut order: Vec<Doc> = snap
        .items
        .iter()
        .enumerate()
        .map(|(n, e)| Doc {
            department: dept_index.get(e.folder.as_str()).copied().unwrap_or(0),
            category: cat_index
                .get(e.value.category.as_str())
                .copied()
                .unwrap_or(0),
            length: e.value.name.chars().count(),
            id: e.value.id.as_str(),
            item: n,
        })
        .collect();
    order.sort_unstable();
    let mut groups: Vec<[usize; 3]> = Vec::new();
    for (doc, o) in order.iter().enumerate() {
        if groups
            .last()
            .is_none_or(|g| g[0] != o.department || g[1] != o.category)
        {
            groups.push([o.department, o.category, doc]);
        }
    }
    Numbering {
        order,
        departments,
        categories,
        groups,
    }
}

/// The terms of an item in both indexes, by field (`rank::NAME` …): the gram keys of its name
/// (unigrams and bigrams), its sub-item names, its guide text and its other text (`body_text`,
/// less the responsibilities `shared` by most items), all folded.
pub(super) fn item_terms(
    item: &crate::model::Item,
    department: &str,
    shared: &std::collections::HashSet<&str>,
) -> [Vec<u64>; 4] {
    let subs = item
        .sub_items
        .iter()
        .map(|s| s.name.as_str())
        .collect::<Vec<_>>()
        .join(" ");
    [
        gram_keys(&query::fold(&item.name), true),
        gram_keys(&query::fold(&subs), false),
        gram_keys(&query::fold(&guide_text(item)), false),
        gram_keys(
            &query::fold(&super::body_text(item, department, shared)),
            false,
        ),
    ]
}

/// The terms of `item_terms`, as text separated by spaces (for the server's index).
pub(super) fn term_text(keys: &[u64]) -> String {
    let mut out = String::with_capacity(keys.len() * 7);
    for &k in keys {
        if !out.is_empty() {
            out.push(' ');
        }
        // No string for each key: a province has hundreds of millions.
        push_key(&mut out, k);
    }
    out
}

/// `char::is_alphanumeric`, answered without the Unicode tables for ASCII and the CJK
/// ideographs (nearly every character of list text; the tables were a sixtieth of a build).
fn alnum(c: char) -> bool {
    c.is_ascii_alphanumeric()
        || ('\u{4e00}'..='\u{9fff}').contains(&c)
        || (!c.is_ascii() && c.is_alphanumeric())
}

/// Bigrams of each word of `text` (a one-letter word is its own term), and with `unigrams` every
/// letter too.
pub fn grams(text: &str, unigrams: bool) -> Vec<String> {
    let mut out: Vec<String> = gram_keys(text, unigrams)
        .into_iter()
        .map(key_text)
        .collect();
    out.sort_unstable();
    out
}

/// No second character: the key of a single-character gram.
const SINGLE: u64 = 0x11_0000;

/// A gram key and a field as one number, the field in the two low bits.
fn pack(key: u64, field: u8) -> u64 {
    (key << 2) | u64::from(field)
}

/// The gram key and the field of a `pack`ed term.
fn unpack(term: u64) -> (u64, u8) {
    (term >> 2, (term & 3) as u8)
}

/// `grams` as numbers (the two characters' code points), without a string per gram: building
/// the index at 100,000 items meets some ten million of them.
fn gram_keys(text: &str, unigrams: bool) -> Vec<u64> {
    let key = |a: char, b: u64| (u64::from(a) << 32) | b;
    let mut out = Vec::with_capacity(text.len() / 2);
    // The letters-and-digits run so far: its last character and its length.
    let mut prev: Option<char> = None;
    let mut run = 0usize;
    for c in text.chars().chain(std::iter::once(' ')) {
        if alnum(c) {
            if unigrams {
                out.push(key(c, SINGLE));
            }
            if let Some(p) = prev {
                out.push(key(p, u64::from(c)));
            }
            prev = Some(c);
            run += 1;
        } else {
            // A one-letter word is its own term.
            if let (Some(p), 1, false) = (prev, run, unigrams) {
                out.push(key(p, SINGLE));
            }
            prev = None;
            run = 0;
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// The gram a key stands for.
fn key_text(k: u64) -> String {
    let mut out = String::with_capacity(8);
    push_key(&mut out, k);
    out
}

/// `key_text` of `k`, onto `out`.
fn push_key(out: &mut String, k: u64) {
    let char_of = |v: u64| u32::try_from(v).ok().and_then(char::from_u32);
    out.extend(
        [char_of(k >> 32), char_of(k & 0xFFFF_FFFF)]
            .into_iter()
            .flatten(),
    );
}

/// FNV-1a, 32 bits, of the term's UTF-8 bytes (the same in search.js).
pub fn hash(term: &str) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    for b in term.bytes() {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    }
    h
}

fn varint(out: &mut Vec<u8>, mut v: usize) {
    while v >= 0x80 {
        out.push((v as u8 & 0x7f) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// One entry of a shard, as the module's description gives its format.
fn shard_entry(term: &str, field: u8, kind: u8, df: usize, idf: usize, payload: &[u8]) -> Vec<u8> {
    let mut e = Vec::with_capacity(payload.len() + term.len() + 12);
    varint(&mut e, term.len());
    e.extend_from_slice(term.as_bytes());
    e.push(field);
    e.push(kind);
    varint(&mut e, df);
    varint(&mut e, idf);
    varint(&mut e, payload.len());
    e.extend_from_slice(payload);
    e
}

/// The shorter encoding of ascending document numbers: (kind, payload).
fn encode(docs: &[u32]) -> (u8, Vec<u8>) {
    let mut gaps = Vec::with_capacity(docs.len() * 2);
    let mut last = 0u32;
    for &d in docs {
        varint(&mut gaps, (d - last) as usize);
        last = d;
    }
    let (Some(&first), Some(&end)) = (docs.first(), docs.last()) else {
        return (0, gaps);
    };
    let span = (end - first) as usize + 1;
    if span.div_ceil(8) + 3 >= gaps.len() {
        return (0, gaps);
    }
    let mut bits = Vec::with_capacity(span.div_ceil(8) + 3);
    varint(&mut bits, first as usize);
    let head = bits.len();
    bits.resize(head + span.div_ceil(8), 0);
    for &d in docs {
        let i = (d - first) as usize;
        bits[head + i / 8] |= 1 << (i % 8);
    }
    (1, bits)
}

fn write_file(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    std::fs::write(path, bytes).map_err(|source| Error::Write {
        path: path.to_path_buf(),
        source,
    })
}

fn create_dir(path: &Path) -> Result<(), Error> {
    std::fs::create_dir_all(path).map_err(|source| Error::Write {
        path: path.to_path_buf(),
        source,
    })
}

/// What `write` produced, for the build's report and the benchmark.
#[derive(Debug, Default, Serialize)]
pub struct Written {
    pub docs: usize,
    pub shards: usize,
    pub doc_shards: usize,
    pub postings_bytes: usize,
    pub large_terms: usize,
    pub meta_bytes: usize,
}

/// Guide text of an item as the server's index keeps it, cut to `TEXT_CHARS`.
fn guide_text(item: &crate::model::Item) -> String {
    super::guide_text(item).chars().take(TEXT_CHARS).collect()
}

/// Told each item's terms as the static index makes them: (the item's index in
/// `Snapshot::items`, its number, its terms by field as `item_terms` gives them). The build
/// hands them to the whole-tree index (`tree::Feed`), so that they are made once for both.
pub type OnTerms<'a> = dyn Fn(usize, u32, &[Vec<u64>; 4]) + Sync + 'a;

/// Write the static index of `snap` into `dir` (created); `on_terms`, when given, is told each
/// item's terms.
pub fn write(
    snap: &Snapshot,
    dir: &Path,
    base: &str,
    synonyms: &[Synonym],
    on_terms: Option<&OnTerms>,
) -> Result<Written, Error> {
    let numbering = numbering(snap);
    let order = &numbering.order;
    let shared = super::shared_responsibilities(snap);

    // Postings: (term, field) → ascending documents. A term and its field are one number (the
    // gram key shifted over the field), and documents are taken a block at a time: all their
    // terms at once were 180 MB at 100,000 items.
    let mut postings: FnvHashMap<u64, Vec<u32>> = FnvHashMap::default();
    for (block, docs) in order.chunks(TERMS_BLOCK).enumerate() {
        let per_doc: Vec<Vec<u64>> = docs
            .par_iter()
            .enumerate()
            .map(|(n, o)| {
                let e = &snap.items[o.item];
                let fields = item_terms(&e.value, snap.department_name(&e.folder), &shared);
                if let Some(tell) = on_terms {
                    tell(o.item, (block * TERMS_BLOCK + n) as u32, &fields);
                }
                let mut terms: Vec<u64> = Vec::with_capacity(fields.iter().map(Vec::len).sum());
                for (field, keys) in [NAME, SUBS, TEXT, BODY].into_iter().zip(fields) {
                    terms.extend(keys.into_iter().map(|g| pack(g, field)));
                }
                terms
            })
            .collect();
        for (n, terms) in per_doc.into_iter().enumerate() {
            let doc = (block * TERMS_BLOCK + n) as u32;
            for t in terms {
                postings.entry(t).or_default().push(doc);
            }
        }
    }
    // Every character of an indexed term: what folding a query needs to know.
    let mut known: std::collections::HashSet<char> = postings
        .keys()
        .flat_map(|&t| {
            let key = unpack(t).0;
            [key >> 32, key & 0xFFFF_FFFF]
        })
        .filter_map(|c| u32::try_from(c).ok().and_then(char::from_u32))
        .collect();
    let docs = order.len();
    postings.retain(|&t, v| max_df(unpack(t).1, docs).is_none_or(|most| v.len() as f64 <= most));
    let mut terms: Vec<(String, u8, Vec<u32>)> = postings
        .into_par_iter()
        .map(|(t, list)| {
            let (key, field) = unpack(t);
            (key_text(key), field, list)
        })
        .collect();
    // The whole names.
    let mut exact: HashMap<String, Vec<u32>> = HashMap::new();
    for (doc, o) in order.iter().enumerate() {
        exact
            .entry(query::normalize(&snap.items[o.item].value.name))
            .or_default()
            .push(doc as u32);
    }
    terms.extend(exact.into_iter().map(|(name, list)| (name, EXACT, list)));
    // The thesaurus's words, by the pair they begin with.
    let thesaurus = super::thesaurus::of_snapshots(&[snap]);
    let mut related: std::collections::BTreeMap<String, String> = Default::default();
    for (word, words) in &thesaurus {
        let pair: String = word.chars().take(2).collect();
        let lines = related.entry(pair).or_default();
        if !lines.is_empty() {
            lines.push('\n');
        }
        lines.push_str(word);
        for r in words {
            lines.push(' ');
            lines.push_str(r);
        }
    }

    // The synonym table's words, by the pair they begin with; entries with a word that begins
    // otherwise stay whole in meta.json.
    let in_meta = |s: &Synonym| s.words.iter().any(|w| synonym_pair(w).is_none());
    let mut by_pair: std::collections::BTreeMap<String, Vec<ShardSynonym>> = Default::default();
    for (i, s) in synonyms.iter().enumerate() {
        if in_meta(s) {
            continue;
        }
        for w in &s.words {
            if let Some(pair) = synonym_pair(w) {
                let entries = by_pair.entry(pair).or_default();
                match entries.last_mut() {
                    Some(last) if last.0 == i => last.1.push(w),
                    _ => entries.push((i, vec![w.as_str()], s.means.as_slice())),
                }
            }
        }
    }

    // (hash, entry in the shard, the entry in its own file when large)
    let mut entries: Vec<(u32, Vec<u8>, Option<Vec<u8>>)> = terms
        .into_par_iter()
        .map(|(term, field, list)| {
            let (kind, payload) = encode(&list);
            let idf = super::rank::idf(list.len(), docs);
            let entry = |kind: u8, payload: &[u8]| {
                shard_entry(&term, field, kind, list.len(), idf as usize, payload)
            };
            if payload.len() > LARGE {
                (
                    hash(&term),
                    entry(OWN_FILE, &[]),
                    Some(entry(kind, &payload)),
                )
            } else {
                (hash(&term), entry(kind, &payload), None)
            }
        })
        .collect();
    entries.extend(related.into_iter().map(|(pair, lines)| {
        let e = shard_entry(&pair, RELATED, TEXT_KIND, 0, 0, lines.as_bytes());
        (hash(&pair), e, None)
    }));
    for (pair, words) in &by_pair {
        let e = shard_entry(pair, SYNONYMS, TEXT_KIND, 0, 0, &serde_json::to_vec(words)?);
        entries.push((hash(pair), e, None));
    }
    // A stable file for a stable input.
    entries.sort_unstable();
    let total: usize = entries
        .iter()
        .map(|(_, e, own)| e.len() + own.as_ref().map_or(0, Vec::len))
        .sum();
    let small: usize = entries.iter().map(|(_, e, _)| e.len()).sum();
    let shards = (small / SHARD_BYTES).clamp(1, 8192).next_power_of_two();
    let mut files: Vec<Vec<u8>> = vec![Vec::new(); shards];
    let mut large: std::collections::BTreeMap<u32, Vec<u8>> = Default::default();
    for (h, e, own) in &entries {
        files[*h as usize % shards].extend_from_slice(e);
        if let Some(own) = own {
            large.entry(*h).or_default().extend_from_slice(own);
        }
    }
    create_dir(&dir.join("t"))?;
    create_dir(&dir.join("x"))?;
    create_dir(&dir.join("d"))?;
    files
        .par_iter()
        .enumerate()
        .try_for_each(|(n, bytes)| write_file(&dir.join("t").join(format!("{n}.bin")), bytes))?;
    large.par_iter().try_for_each(|(h, bytes)| {
        write_file(&dir.join("x").join(format!("{h:08x}.bin")), bytes)
    })?;
    let doc_shards: Vec<&[Doc]> = order.chunks(DOCS_PER_SHARD).collect();
    doc_shards
        .par_iter()
        .enumerate()
        .try_for_each(|(n, chunk)| {
            let rows: Vec<[&str; 2]> = chunk
                .iter()
                .map(|o| [o.id, snap.items[o.item].value.name.as_str()])
                .collect();
            write_file(
                &dir.join("d").join(format!("{n}.json")),
                &serde_json::to_vec(&rows)?,
            )
        })?;

    // The character pairs of folding, only where the simplified character is searchable.
    for s in synonyms {
        for w in s.words.iter().chain(&s.means) {
            known.extend(query::fold(w).chars());
        }
    }
    known.extend(thesaurus.keys().flat_map(|w| w.chars()));
    let t2s: String = query::traditional_pairs()
        .iter()
        .filter(|(_, to)| known.contains(to))
        .flat_map(|&(from, to)| [from, to])
        .collect();
    let meta = Meta {
        version: 3,
        docs,
        shards,
        docs_per_shard: DOCS_PER_SHARD,
        base,
        departments: &numbering.departments,
        categories: &numbering.categories,
        groups: &numbering.groups,
        service: numbering
            .categories
            .iter()
            .map(|c| (c.as_str(), super::rank::service_bonus(c)))
            .filter(|(_, b)| *b != 0)
            .collect(),
        weights: &super::rank::WEIGHTS,
        synonyms: synonyms
            .iter()
            .enumerate()
            .filter(|(_, s)| in_meta(s))
            .map(|(i, s)| MetaSynonym {
                i,
                words: &s.words,
                means: &s.means,
            })
            .collect(),
        stop: query::STOP_PHRASES,
        thesaurus: ThesaurusMeta {
            max_terms: super::thesaurus::MAX_TERMS,
            max_word_chars: super::thesaurus::MAX_WORD_CHARS,
            negations: super::thesaurus::NEGATIONS.iter().collect(),
        },
        t2s,
        max_chars: query::MAX_CHARS,
    };
    let meta = serde_json::to_vec(&meta)?;
    write_file(&dir.join("meta.json"), &meta)?;
    Ok(Written {
        docs,
        shards,
        doc_shards: doc_shards.len(),
        postings_bytes: total,
        large_terms: large.len(),
        meta_bytes: meta.len(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The server's index is given each key as `key_text` writes it, one per space.
    #[test]
    fn term_text_is_the_keys_texts() {
        for text in ["排污许可", "A 证 ab", "", "食品 经营"] {
            for unigrams in [true, false] {
                let keys = gram_keys(text, unigrams);
                let each: Vec<String> = keys.iter().map(|&k| key_text(k)).collect();
                assert_eq!(term_text(&keys), each.join(" "), "{text:?}");
            }
        }
    }

    #[test]
    fn grams_are_pairs_and_single_letters() {
        assert_eq!(grams("排污许可", false), ["排污", "污许", "许可"]);
        assert_eq!(grams("药", false), ["药"]);
        let g = grams("排污 许", true);
        assert!(g.contains(&"许".to_string()) && g.contains(&"排".to_string()));
        assert!(!g.contains(&"污许".to_string()), "no pair across words");
    }

    #[test]
    fn a_synonym_is_kept_under_its_first_pair() {
        assert_eq!(synonym_pair("秤不准").as_deref(), Some("秤不"));
        assert_eq!(synonym_pair("ct机").as_deref(), Some("ct"));
        // A query holding these need not hold a pair they begin with: meta.json keeps them.
        assert_eq!(synonym_pair("n+1"), None);
        assert_eq!(synonym_pair("x"), None);
        assert_eq!(synonym_pair(""), None);
    }

    #[test]
    fn alnum_is_is_alphanumeric() {
        for c in (0..0x11_0000).filter_map(char::from_u32) {
            assert_eq!(alnum(c), c.is_alphanumeric(), "{c:?}");
        }
        assert_eq!(grams("a 许 bc", false), ["a", "bc", "许"]);
        assert_eq!(grams("a许", true), ["a", "a许", "许"]);
    }

    #[test]
    fn postings_take_the_shorter_encoding() {
        let sparse = [3u32, 900, 70_000];
        let (kind, bytes) = encode(&sparse);
        assert_eq!(kind, 0);
        assert_eq!(bytes.len(), 1 + 2 + 3);
        let dense: Vec<u32> = (100..1100).step_by(2).collect();
        let (kind, bytes) = encode(&dense);
        assert_eq!(kind, 1);
        assert_eq!(bytes[0], 100, "first document");
        assert_eq!(bytes.len(), 1 + 999usize.div_ceil(8));
        // Bit 0 (document 100) and bit 2 (102) set, bit 1 not.
        assert_eq!(bytes[1] & 0b111, 0b101);
    }

    #[test]
    fn hash_is_fnv1a() {
        assert_eq!(hash(""), 0x811c_9dc5);
        assert_eq!(hash("a"), 0xe40c_292c);
    }
}
