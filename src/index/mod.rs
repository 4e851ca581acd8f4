//! The search index of the server: tantivy, holding the terms of the static index (`client`):
//! character pairs of names, sub-item names and guide text, single characters of names and the
//! whole folded name, each document numbered as the static index numbers it. The server and the
//! browser rank with the same function (`rank::rank`), so they give the same results in the same
//! order. `build` writes it into `<site>/_index/` (which `serve` never serves); `search` and
//! `serve` read it. jieba (search mode) still cuts the query into words for the highlights and for
//! the search log's confidence (`Searcher::assess`).

pub mod client;
mod lower;
pub mod query;
pub mod rank;
pub mod thesaurus;
pub mod tree;
mod unsynced;

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::Path;

use serde::Serialize;
use tantivy::schema::{
    Field, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions, Value,
};
use tantivy::tokenizer::{RemoveLongFilter, TextAnalyzer, WhitespaceTokenizer};
use tantivy::{DocAddress, DocSet, Index, IndexReader, TERMINATED, TantivyDocument, Term, doc};

use lower::LowerCaser;

use crate::Error;
use crate::snapshot::Snapshot;
use query::Synonym;

/// Score added to items of categories one applies for (in the units of `rank::service_bonus`:
/// 4.0 is 400,000).
pub const SERVICE_BONUS: &[(&str, f32)] = &[
    ("行政许可", 4.0),
    ("行政确认", 2.5),
    ("行政给付", 2.5),
    ("行政奖励", 1.5),
    ("公共服务", 2.5),
    ("其他行政权力", 1.0),
];

/// What the indexes hold and how they rank, beyond the package version: a build made by an older
/// binary of the same version is not reused when this changes.
pub const FORMAT: &str = "rank-2";

/// A responsibility text in this share of the items or more is boilerplate (`shared_responsibilities`).
const COMMON_SHARE: f64 = 0.15;

/// Fewest items that must share a responsibility text for it to count as boilerplate (a small
/// list's shared text may still tell its few items apart).
const SHARED_AT_LEAST: usize = 50;

/// Bytes of a document-store block.
const DOCSTORE_BLOCK: usize = 4096;

/// Folder of the index inside the site folder.
pub const DIR: &str = "_index";

#[derive(Clone, Copy)]
struct Fields {
    id: Field,
    name: Field,
    name_exact: Field,
    /// The gram terms of `client::item_terms` by field (`rank::NAME` …), space-separated.
    grams: [Field; 4],
    /// The document's number in both indexes (`client::numbering`).
    number: Field,
    text: Field,
    department: Field,
    department_name: Field,
    category: Field,
    url: Field,
    /// The whole-tree index only (`tree`): the document's jurisdiction, numbered as in its
    /// `jurisdictions.json`. A jurisdiction's own index has no such field (its format is that
    /// of a single-jurisdiction site).
    jurisdiction: Option<Field>,
}

fn schema(tree: bool) -> (Schema, Fields) {
    let mut b = Schema::builder();
    // Which documents hold a term is all the ranking reads: no frequencies, no positions.
    let grams = || {
        TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer("grams")
                .set_index_option(IndexRecordOption::Basic),
        )
    };
    let fields = Fields {
        id: b.add_text_field("id", STRING | STORED),
        name: b.add_text_field("name", STORED),
        name_exact: b.add_text_field("name_exact", STRING),
        grams: [
            b.add_text_field("g_name", grams()),
            b.add_text_field("g_subs", grams()),
            b.add_text_field("g_text", grams()),
            b.add_text_field("g_body", grams()),
        ],
        number: b.add_u64_field("number", STORED),
        text: b.add_text_field("text", STORED),
        department: b.add_text_field("department", STRING | STORED),
        department_name: b.add_text_field("department_name", STORED),
        category: b.add_text_field("category", STRING | STORED),
        url: b.add_text_field("url", STORED),
        jurisdiction: tree.then(|| b.add_u64_field("jurisdiction", STORED)),
    };
    (b.build(), fields)
}

fn register(index: &Index) {
    let jieba = TextAnalyzer::builder(tantivy_jieba::JiebaTokenizer::with_ordinal_position_mode(
        true,
    ))
    .filter(RemoveLongFilter::limit(120))
    .filter(LowerCaser)
    .build();
    index.tokenizers().register("jieba", jieba);
    // The gram terms are written out already folded, one per space.
    index.tokenizers().register(
        "grams",
        TextAnalyzer::builder(WhitespaceTokenizer::default()).build(),
    );
}

fn err(e: impl std::fmt::Display) -> Error {
    Error::Usage(format!("搜索索引出错：{e}"))
}

/// Below this many items, the index is written on one thread.
const SMALL_INDEX: usize = 20_000;

/// The indexing memory of a small index: tantivy sizes its term table from it (a third of it,
/// rounded down to a power of two entries) and fills the table with zeros, whatever the index
/// holds: 50 MB made an 8 MB table for a township's 170 items, a thousand times over in a
/// province; 20 MB makes 4 MB. It is above tantivy's least (15 MB) and holds a county's 5,000
/// items without a flush.
const SMALL_BUDGET: usize = 20_000_000;

/// Write the index of `snap` into `dir` (a new folder), with the synonym table beside it.
pub fn write(
    snap: &Snapshot,
    dir: &Path,
    base: &str,
    synonyms: &[Synonym],
) -> Result<usize, Error> {
    use rayon::prelude::*;
    let (mut writer, f) = create(dir, false, snap.items.len())?;
    let numbers = client::numbering(snap).numbers();
    let shared = shared_responsibilities(snap);
    // Terms a block of items at a time, in parallel; the writer indexes on its own threads.
    for (block, items) in snap.items.chunks(4096).enumerate() {
        let docs: Vec<TantivyDocument> = items
            .par_iter()
            .enumerate()
            .map(|(k, e)| {
                let n = block * 4096 + k;
                let terms = client::item_terms(&e.value, snap.department_name(&e.folder), &shared);
                item_doc(&f, snap, e, base, u64::from(numbers[n]), &terms, None)
            })
            .collect();
        for d in docs {
            writer.add_document(d).map_err(err)?;
        }
    }
    writer.commit().map_err(err)?;
    writer.wait_merging_threads().map_err(err)?;
    write_tables(&[snap], dir, synonyms)?;
    Ok(snap.items.len())
}

/// Asked between the jurisdictions of an index being written: give up (`Error::Stopped`)?
pub type Stop<'a> = &'a (dyn Fn() -> bool + Sync);

/// A new index in `dir` (made if missing) for `total` documents, with the `jurisdiction` field
/// of a whole-tree index or without (`tree`), and its writer.
fn create(
    dir: &Path,
    tree: bool,
    total: usize,
) -> Result<(tantivy::IndexWriter<TantivyDocument>, Fields), Error> {
    std::fs::create_dir_all(dir).map_err(|source| Error::Write {
        path: dir.to_path_buf(),
        source,
    })?;
    let (schema, f) = schema(tree);
    // Small document-store blocks: showing a hit decompresses one block, and the ten hits of a
    // page are in ten different blocks (16 KB each by default).
    let settings = tantivy::IndexSettings {
        docstore_blocksize: DOCSTORE_BLOCK,
        ..Default::default()
    };
    let index = Index::create(
        unsynced::Unsynced::open(dir).map_err(err)?,
        schema,
        settings,
    )
    .map_err(err)?;
    register(&index);
    // A small index (a township's or a county's site in a multi-level repository) gets one
    // indexing thread: each thread starts with tables of several megabytes to fill with zeros
    // and makes a segment of its own, which at a thousand small sites cost more than indexing.
    let writer = if total < SMALL_INDEX {
        index.writer_with_num_threads::<TantivyDocument>(1, SMALL_BUDGET)
    } else {
        index.writer::<TantivyDocument>(100_000_000)
    }
    .map_err(err)?;
    Ok((writer, f))
}

/// The document of one item of `snap` (whose pages are below `base`) in a server index: its
/// `number` (the static index's number, plus the offset of its jurisdiction in a whole-tree
/// index), its gram `terms` (`client::item_terms`), and in a whole-tree index its
/// `jurisdiction`. The one place a jurisdiction's own index (`write`) and the whole-tree
/// index (`tree::Feed`) make documents, so they cannot differ.
fn item_doc(
    f: &Fields,
    snap: &Snapshot,
    e: &crate::snapshot::Entry<std::sync::Arc<crate::model::Item>>,
    base: &str,
    number: u64,
    terms: &[Vec<u64>; 4],
    jurisdiction: Option<u64>,
) -> TantivyDocument {
    let item = &e.value;
    let mut text = guide_text(item);
    if text.trim().is_empty() {
        text = item
            .basis
            .entries
            .first()
            .map_or_else(String::new, |b| b.text.clone());
    }
    let text: String = text.chars().take(600).collect();
    let [name, subs, guide, body] = terms;
    let mut d = doc!(
        f.id => item.id.as_str(),
        f.name => item.name.as_str(),
        f.name_exact => query::normalize(&item.name),
        f.grams[0] => client::term_text(name),
        f.grams[1] => client::term_text(subs),
        f.grams[2] => client::term_text(guide),
        f.grams[3] => client::term_text(body),
        f.number => number,
        f.text => text,
        f.department => e.folder.as_str(),
        f.department_name => snap.department_name(&e.folder),
        f.category => item.category.as_str(),
        f.url => format!("{base}/items/{}.html", item.id.as_str()),
    );
    if let (Some(field), Some(j)) = (f.jurisdiction, jurisdiction) {
        d.add_u64(field, j);
    }
    d
}

/// Write the synonym table and the thesaurus's table of `snaps` into the index folder `dir`
/// (made if missing). A lower jurisdiction of a tree has these alone: its documents are
/// searched in the whole-tree index (`Searcher::part`).
pub fn write_tables(snaps: &[&Snapshot], dir: &Path, synonyms: &[Synonym]) -> Result<(), Error> {
    let write = |name: &str, bytes: Vec<u8>| {
        std::fs::create_dir_all(dir)
            .and_then(|()| std::fs::write(dir.join(name), bytes))
            .map_err(|source| Error::Write {
                path: dir.join(name),
                source,
            })
    };
    write("synonyms.json", serde_json::to_vec(synonyms)?)?;
    write(
        thesaurus::FILE,
        serde_json::to_vec(&thesaurus::of_snapshots(snaps))?,
    )
}

/// A search request.
#[derive(Debug, Default, Clone, PartialEq, Eq, Hash)]
pub struct Request {
    pub q: String,
    pub department: Option<String>,
    pub category: Option<String>,
    pub limit: usize,
    pub offset: usize,
    /// The whole-tree index only: results of jurisdictions of this level (as jurisdiction.toml
    /// writes it: 县级 …).
    pub level: Option<String>,
    /// The whole-tree index only: results of this jurisdiction (its path: `.` the root, `dszq`
    /// for the site below `j/dszq/`). With it, `department` is a department of that
    /// jurisdiction; without it, a department folder of any jurisdiction.
    pub jurisdiction: Option<String>,
}

/// One result.
#[derive(Debug, Clone, Serialize)]
pub struct Hit {
    pub id: String,
    pub name: String,
    pub department: String,
    pub department_id: String,
    pub category: String,
    pub url: String,
    pub score: f32,
    /// HTML: escaped text with `<b>` around matched words.
    pub snippet: String,
    /// The whole-tree index only: the jurisdiction the item belongs to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jurisdiction: Option<Jurisdiction>,
}

/// A jurisdiction of the whole-tree index (`tree::FILE` lists them, in document order).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Jurisdiction {
    /// `.` for the root, else the path of its site below `j/` (`dszq`, `a/b`): the value of
    /// the `j` filter.
    pub path: String,
    pub name: String,
    /// As jurisdiction.toml writes it (省级, 地州市级, 县级 …; empty when not written).
    pub level: String,
    /// Its site's home page.
    pub url: String,
}

/// The JSON of DESIGN.md: query, total, hits; plus what was searched and a suggestion.
#[derive(Debug, Clone, Serialize)]
pub struct Response {
    pub query: String,
    pub total: usize,
    pub hits: Vec<Hit>,
    /// The query as searched (folded, without phrases that carry no meaning).
    pub searched: String,
    /// Official terms added for colloquial words.
    pub expanded: Vec<String>,
    /// Related words of the thesaurus searched with a low weight (`thesaurus::expand`).
    #[serde(default)]
    pub related: Vec<String>,
    /// A close item name when nothing matched.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub did_you_mean: Option<String>,
    /// Matches per department and per category, most first; each counted with the other
    /// filter applied but not its own, so that every choice shows what it would give.
    pub facets: Facets,
    /// Answered by the second, loose run (`Searcher::search_uncached`): no word of the query
    /// found anything as a word, so the results rest on character pairs or common words alone.
    /// Not part of the JSON; the search log reads it.
    #[serde(skip)]
    pub loose: bool,
}

/// How well the first hit of a response answers its query, for the search log (`searchlog`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Assessment {
    /// Share (0–1) of the query's letters (as searched: folded, without phrases that carry no
    /// meaning) that belong to words of the query the first hit's name holds; 1 when the name
    /// holds one of the official terms a synonym added. `None` without hits or letters.
    pub coverage: Option<f32>,
    /// The response came from the loose run (see `Response::loose`).
    pub loose: bool,
}

impl Assessment {
    /// Less of the query than this share in words of the first hit's name is low confidence.
    pub const MIN_COVERAGE: f32 = 0.5;

    /// Results, but probably not what was looked for: the loose run answered, or words of the
    /// first hit's name cover less than half of the query (and it holds no synonym's term).
    pub fn low(&self) -> bool {
        self.loose || self.coverage.is_some_and(|c| c < Self::MIN_COVERAGE)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Facets {
    pub department: Vec<FacetCount>,
    pub category: Vec<FacetCount>,
    /// The whole-tree index only: results per jurisdiction level (highest level first), counted
    /// with the category filter applied.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub level: Option<Vec<FacetCount>>,
    /// The whole-tree index only: results per jurisdiction (`id` its path), most first, at most
    /// `MAX_JURISDICTION_FACETS` of them (and the one filtered on), counted with the category and
    /// level filters applied.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jurisdiction: Option<Vec<FacetCount>>,
}

/// Jurisdictions listed in the jurisdiction facet (a common word has results in every one of
/// a province's thousand jurisdictions).
pub const MAX_JURISDICTION_FACETS: usize = 50;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FacetCount {
    /// Department folder, jurisdiction path; absent for categories and levels.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub name: String,
    pub count: usize,
    /// A jurisdiction's level (the jurisdiction facet only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub level: Option<String>,
}

/// About `width` characters of `text` around the first of `words` found, HTML-escaped, with
/// every word in it in `<b>`; empty when no word is in `text` (the start of a text the query
/// does not touch is the same boilerplate for many items). A one-character word counts only
/// when the query has no longer one: 开 of 开饭店 is not a match inside 开展.
pub fn snippet(text: &str, words: &[String], width: usize) -> String {
    use crate::render::markdown::escape;
    let long = words.iter().any(|w| w.chars().count() > 1);
    let words: Vec<String> = words
        .iter()
        .filter(|w| !long || w.chars().count() > 1)
        .cloned()
        .collect();
    let words = &words[..];
    let text: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let chars: Vec<char> = text.chars().collect();
    let lower = text.to_lowercase();
    // Character index of the first match.
    let first = words
        .iter()
        .filter(|w| !w.is_empty())
        .filter_map(|w| lower.find(w.as_str()))
        .min()
        .map(|byte| text[..byte.min(text.len())].chars().count());
    let Some(first) = first else {
        return String::new();
    };
    let start = first.saturating_sub(width / 4);
    let end = (start + width).min(chars.len());
    let window: String = chars[start..end].iter().collect();
    // Mark matches on the window, then escape piece by piece.
    let mut marks = vec![false; window.chars().count()];
    let wchars: Vec<char> = window.chars().collect();
    let wlower: Vec<char> = window.to_lowercase().chars().collect();
    if wlower.len() == wchars.len() {
        for w in words {
            let wc: Vec<char> = w.chars().collect();
            if wc.is_empty() || wc.len() > wlower.len() {
                continue;
            }
            for i in 0..=wlower.len() - wc.len() {
                if wlower[i..i + wc.len()] == wc[..] {
                    marks[i..i + wc.len()].iter_mut().for_each(|m| *m = true);
                }
            }
        }
    }
    let mut out = String::new();
    if start > 0 {
        out.push('…');
    }
    let mut open = false;
    for (c, m) in wchars.iter().zip(&marks) {
        if *m && !open {
            out.push_str("<b>");
            open = true;
        } else if !*m && open {
            out.push_str("</b>");
            open = false;
        }
        out.push_str(&escape(&c.to_string()));
    }
    if open {
        out.push_str("</b>");
    }
    if end < chars.len() {
        out.push('…');
    }
    out
}

/// An open index.
pub struct Searcher {
    index: Index,
    reader: IndexReader,
    f: Fields,
    synonyms: query::Expander,
    /// The thesaurus's related words of this index (`thesaurus::table`).
    related: thesaurus::Table,
    /// Every item name by document number, and for each pair of adjacent characters the
    /// documents whose names hold it (with each name's number of pairs), for "did you mean".
    names: Vec<String>,
    pair_count: Vec<u16>,
    pairs: std::collections::HashMap<(char, char), Vec<u32>>,
    /// By document number: the folded name, where the document is, its (department, category)
    /// cell and its service bonus less its shortness (`rank::Source::prior`).
    folded: Vec<String>,
    address: Vec<DocAddress>,
    cell: Vec<u32>,
    prior: Vec<i64>,
    /// Per segment (in the reader's order), each document's number in the index.
    numbers: std::sync::Arc<Vec<Vec<u32>>>,
    /// The numbers in the index of this searcher's documents, which it numbers from 0: all of
    /// them, or one jurisdiction's of the whole-tree index (`Searcher::part`).
    span: std::ops::Range<u32>,
    /// `span` is the whole index: its term dictionary's document frequencies are this
    /// searcher's.
    whole: bool,
    /// Departments and categories, numbered as in `cell` (`department * width + category`,
    /// width = categories + 1). A department is a folder of one jurisdiction: in the whole-tree
    /// index the same folder of two jurisdictions is two departments.
    department_ids: Vec<String>,
    categories: Vec<String>,
    /// By department number: its name and its jurisdiction (a number into `jurisdictions`;
    /// 0 in a jurisdiction's own index).
    department_names: Vec<String>,
    department_jurisdiction: Vec<u32>,
    /// The whole-tree index only: every jurisdiction (in document order), the levels they
    /// declare (highest first) and each jurisdiction's level by number.
    jurisdictions: Vec<Jurisdiction>,
    levels: Vec<String>,
    jurisdiction_level: Vec<u32>,
    /// Recent results (none when `QINGDAN_SEARCH_CACHE=0`, to measure searching itself).
    cache: Option<std::sync::Mutex<lru::LruCache<Request, Response>>>,
}

/// Results kept by `Searcher::search`.
const CACHE_ENTRIES: usize = 1024;

/// An open index, or the part of one a searcher searches (`Searcher::assemble`).
struct Opened {
    index: Index,
    reader: IndexReader,
    f: Fields,
    synonyms: Vec<Synonym>,
    related: thesaurus::Table,
    numbers: std::sync::Arc<Vec<Vec<u32>>>,
    span: std::ops::Range<u32>,
    whole: bool,
    jurisdictions: Vec<Jurisdiction>,
}

/// The documents of a searcher, by its numbers.
struct Docs {
    names: Vec<String>,
    /// The folded names, when already at hand (else folded from `names`).
    folded: Option<Vec<String>>,
    address: Vec<DocAddress>,
    /// Each document's (jurisdiction, department folder, category).
    cells: Vec<(u32, String, String)>,
    /// The name of each (jurisdiction, department folder).
    departments: HashMap<(u32, String), String>,
}

/// The synonym table and the thesaurus table of the index in `dir` (an index written before
/// either has the built-in synonyms and no related words).
fn tables(dir: &Path) -> (Vec<Synonym>, thesaurus::Table) {
    let synonyms: Vec<Synonym> = std::fs::read(dir.join("synonyms.json"))
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_else(query::built_in);
    let related: thesaurus::Table = std::fs::read(dir.join(thesaurus::FILE))
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default();
    (synonyms, related)
}

/// Adjacent character pairs of the letters and digits of `s`.
fn char_pairs(s: &str) -> Vec<(char, char)> {
    let c: Vec<char> = s.chars().filter(|c| c.is_alphanumeric()).collect();
    let mut v: Vec<(char, char)> = c.windows(2).map(|w| (w[0], w[1])).collect();
    v.sort_unstable();
    v.dedup();
    v
}

/// The server's side of `rank::Source`: the gram fields of the tantivy index.
struct Tantivy<'a> {
    s: &'a Searcher,
    searcher: tantivy::Searcher,
}

impl rank::Source for Tantivy<'_> {
    fn docs(&self) -> usize {
        self.s.folded.len()
    }

    fn entries(&self, term: &str) -> Vec<rank::Entry<'_>> {
        let fields = [
            (rank::NAME, self.s.f.grams[0]),
            (rank::SUBS, self.s.f.grams[1]),
            (rank::TEXT, self.s.f.grams[2]),
            (rank::BODY, self.s.f.grams[3]),
            (rank::EXACT, self.s.f.name_exact),
        ];
        let docs_n = self.docs();
        let mut out = Vec::new();
        let segments = self.searcher.segment_readers();
        for (number, field) in fields {
            let t = Term::from_field_text(field, term);
            let inverted: Vec<_> = segments
                .iter()
                .map(|r| r.inverted_index(field).ok())
                .collect();
            // A pair in too many documents' long text is not in the static index either: known
            // from the term dictionary, before any postings are read (the pairs of a long
            // colloquial query are mostly such). For one jurisdiction of the whole tree the
            // dictionary counts every jurisdiction's documents: its own are counted below.
            let most = client::max_df(number, docs_n);
            if most.is_some() || !self.s.whole {
                let df: u64 = inverted
                    .iter()
                    .flatten()
                    .filter_map(|i| i.doc_freq(&t).ok())
                    .map(u64::from)
                    .sum();
                if df == 0 || (self.s.whole && most.is_some_and(|most| df as f64 > most)) {
                    continue;
                }
            }
            let span = self.s.span.clone();
            let mut docs: Vec<u32> = Vec::new();
            for (segment, inverted) in inverted.iter().enumerate() {
                let Some(inverted) = inverted else {
                    continue;
                };
                let Ok(Some(mut postings)) = inverted.read_postings(&t, IndexRecordOption::Basic)
                else {
                    continue;
                };
                let map = &self.s.numbers[segment];
                if docs.capacity() == 0 && self.s.whole {
                    docs.reserve(postings.doc_freq() as usize);
                }
                let mut d = postings.doc();
                while d != TERMINATED {
                    if let Some(&n) = map.get(d as usize)
                        && span.contains(&n)
                    {
                        docs.push(n - span.start);
                    }
                    d = postings.advance();
                }
            }
            if docs.is_empty() || most.is_some_and(|most| docs.len() as f64 > most) {
                continue;
            }
            out.push(rank::Entry {
                field: number,
                df: docs.len() as u32,
                idf: rank::idf(docs.len(), docs_n),
                docs: Cow::Owned(docs),
            });
        }
        out
    }

    fn prior(&self, d: u32) -> i64 {
        self.s.prior[d as usize]
    }

    fn name(&self, d: u32) -> Cow<'_, str> {
        Cow::Borrowed(self.s.folded[d as usize].as_str())
    }
}

impl Searcher {
    pub fn open(dir: &Path) -> Result<Searcher, Error> {
        if !dir.join("meta.json").exists() {
            return Err(Error::Usage(format!(
                "{} 中没有搜索索引；先运行 qingdan build 生成网站和索引",
                dir.display()
            )));
        }
        let index = Index::open_in_dir(dir).map_err(err)?;
        if index.schema().get_field("number").is_err() {
            return Err(Error::Usage(format!(
                "{} 中的搜索索引由旧版 qingdan 生成；重新运行 qingdan build",
                dir.display()
            )));
        }
        let tree = index.schema().get_field("jurisdiction").is_ok();
        register(&index);
        let (_, f) = schema(tree);
        let jurisdictions: Vec<Jurisdiction> = if tree {
            let path = dir.join(tree::FILE);
            let bytes = std::fs::read(&path).map_err(|source| Error::Read {
                path: path.clone(),
                source,
            })?;
            serde_json::from_slice(&bytes).map_err(|e| {
                Error::Usage(format!(
                    "{} 读不了（{e}）；重新运行 qingdan build",
                    path.display()
                ))
            })?
        } else {
            Vec::new()
        };
        let reader = index.reader().map_err(err)?;
        let (synonyms, related) = tables(dir);
        let searcher = reader.searcher();
        let total = searcher.num_docs() as usize;
        let mut docs = Docs {
            names: vec![String::new(); total],
            folded: None,
            address: vec![DocAddress::new(0, 0); total],
            cells: vec![Default::default(); total],
            departments: HashMap::new(),
        };
        let mut numbers = Vec::new();
        for (ordinal, segment) in searcher.segment_readers().iter().enumerate() {
            let store = segment.get_store_reader(64).map_err(err)?;
            let mut own = Vec::with_capacity(segment.max_doc() as usize);
            for d in 0..segment.max_doc() {
                let doc = store.get::<TantivyDocument>(d).map_err(err)?;
                let text = |field: Field| {
                    doc.get_first(field)
                        .and_then(|v| v.as_str())
                        .unwrap_or("")
                        .to_string()
                };
                let n = doc
                    .get_first(f.number)
                    .and_then(|v| v.as_u64())
                    .map(|n| n as usize)
                    .filter(|n| *n < total)
                    .ok_or_else(|| err(format!("文档 {d} 没有编号")))?;
                let j = match f.jurisdiction {
                    Some(field) => doc
                        .get_first(field)
                        .and_then(|v| v.as_u64())
                        .filter(|j| (*j as usize) < jurisdictions.len())
                        .ok_or_else(|| err(format!("文档 {d} 没有所属区划")))?
                        as u32,
                    None => 0,
                };
                own.push(n as u32);
                docs.names[n] = text(f.name);
                docs.address[n] = DocAddress::new(ordinal as u32, d);
                let department = text(f.department);
                docs.departments
                    .entry((j, department.clone()))
                    .or_insert_with(|| text(f.department_name));
                docs.cells[n] = (j, department, text(f.category));
            }
            numbers.push(own);
        }
        let span = 0..total as u32;
        Ok(Searcher::assemble(
            Opened {
                index,
                reader,
                f,
                synonyms,
                related,
                numbers: std::sync::Arc::new(numbers),
                span,
                whole: true,
                jurisdictions,
            },
            docs,
        ))
    }

    /// The search of one jurisdiction (`path`: `dszq`, `a/b`) of this whole-tree index: its
    /// documents alone, numbered from 0 as its static index numbers them, ranked with its own
    /// statistics (document frequencies within it), so with the same results as its site's
    /// search in a browser — what its own index gave, which a tree's build no longer writes.
    /// `dir` is its site's `_index/`, which holds its synonym and thesaurus tables.
    /// `None` when the index has no such jurisdiction (or is not a whole-tree index).
    pub fn part(&self, path: &str, dir: &Path) -> Option<Searcher> {
        let j = self.jurisdictions.iter().position(|x| x.path == path)? as u32;
        let width = self.categories.len() as u32 + 1;
        let of = |d: usize| {
            let department = (self.cell[d] / width) as usize;
            self.department_jurisdiction
                .get(department)
                .copied()
                .unwrap_or(u32::MAX)
        };
        // The jurisdictions' documents follow one another in the order of `jurisdictions`.
        let all: Vec<usize> = (0..self.cell.len()).collect();
        let start = all.partition_point(|&d| of(d) < j);
        let end = all.partition_point(|&d| of(d) <= j);
        if (start..end).any(|d| of(d) != j) {
            return None;
        }
        let mut docs = Docs {
            names: self.names[start..end].to_vec(),
            folded: Some(self.folded[start..end].to_vec()),
            address: self.address[start..end].to_vec(),
            cells: Vec::with_capacity(end - start),
            departments: HashMap::new(),
        };
        let name = |v: &[String], k: usize| v.get(k).cloned().unwrap_or_default();
        for d in start..end {
            let (department, category) = (
                (self.cell[d] / width) as usize,
                (self.cell[d] % width) as usize,
            );
            let folder = name(&self.department_ids, department);
            docs.departments
                .entry((0, folder.clone()))
                .or_insert_with(|| name(&self.department_names, department));
            docs.cells
                .push((0, folder, name(&self.categories, category)));
        }
        let (synonyms, related) = tables(dir);
        Some(Searcher::assemble(
            Opened {
                index: self.index.clone(),
                reader: self.reader.clone(),
                f: Fields {
                    jurisdiction: None,
                    ..self.f
                },
                synonyms,
                related,
                numbers: self.numbers.clone(),
                span: start as u32..end as u32,
                whole: false,
                jurisdictions: Vec::new(),
            },
            docs,
        ))
    }

    /// The searcher of `docs`: departments, categories and priors numbered, the pairs of the
    /// names listed for "did you mean".
    fn assemble(o: Opened, docs: Docs) -> Searcher {
        let Docs {
            names,
            folded,
            address,
            cells,
            departments,
        } = docs;
        let total = names.len();
        // Departments and categories numbered; each document's cell, and its prior from its
        // run of equal cells (the static index's groups: documents are numbered by department
        // and category first; in the whole-tree index by jurisdiction before that).
        let mut department_keys: Vec<(u32, String)> =
            cells.iter().map(|c| (c.0, c.1.clone())).collect();
        department_keys.sort_unstable();
        department_keys.dedup();
        let mut categories: Vec<String> = cells.iter().map(|c| c.2.clone()).collect();
        categories.sort_unstable();
        categories.dedup();
        let width = categories.len() + 1;
        let cell: Vec<u32> = cells
            .iter()
            .map(|(j, d, c)| {
                let d = department_keys
                    .binary_search_by(|k| (k.0, k.1.as_str()).cmp(&(*j, d.as_str())))
                    .unwrap_or(0);
                let c = categories.binary_search(c).unwrap_or(0);
                (d * width + c) as u32
            })
            .collect();
        let mut prior = vec![0i64; total];
        let mut start = 0usize;
        while start < total {
            let end = (start..total)
                .find(|&k| cell[k] != cell[start])
                .unwrap_or(total);
            let bonus = rank::service_bonus(&cells[start].2);
            for (k, p) in prior.iter_mut().enumerate().take(end).skip(start) {
                *p = bonus - rank::shortness(k as u32, start as u32, end as u32);
            }
            start = end;
        }
        let folded: Vec<String> =
            folded.unwrap_or_else(|| names.iter().map(|n| query::fold(n)).collect());
        let mut pair_count = Vec::with_capacity(total);
        let mut pairs: std::collections::HashMap<(char, char), Vec<u32>> = Default::default();
        for (n, name) in names.iter().enumerate() {
            let own = char_pairs(&query::normalize(name));
            pair_count.push(own.len().min(u16::MAX as usize) as u16);
            for p in own {
                pairs.entry(p).or_default().push(n as u32);
            }
        }
        let jurisdictions = o.jurisdictions;
        // Levels, highest first (省级 before 县级), each jurisdiction's by number.
        let mut levels: Vec<String> = jurisdictions.iter().map(|j| j.level.clone()).collect();
        levels.sort_by(|a, b| {
            crate::model::tier::rank(b)
                .cmp(&crate::model::tier::rank(a))
                .then_with(|| a.cmp(b))
        });
        levels.dedup();
        let jurisdiction_level = jurisdictions
            .iter()
            .map(|j| levels.iter().position(|l| *l == j.level).unwrap_or(0) as u32)
            .collect();
        let department_names = department_keys
            .iter()
            .map(|k| departments.get(k).cloned().unwrap_or_else(|| k.1.clone()))
            .collect();
        let department_jurisdiction = department_keys.iter().map(|k| k.0).collect();
        let department_ids = department_keys.into_iter().map(|k| k.1).collect();
        Searcher {
            index: o.index,
            reader: o.reader,
            f: o.f,
            synonyms: query::Expander::new(o.synonyms),
            related: o.related,
            names,
            pair_count,
            pairs,
            folded,
            address,
            cell,
            prior,
            numbers: o.numbers,
            span: o.span,
            whole: o.whole,
            department_ids,
            categories,
            department_names,
            department_jurisdiction,
            jurisdictions,
            levels,
            jurisdiction_level,
            cache: (std::env::var("QINGDAN_SEARCH_CACHE").as_deref() != Ok("0"))
                .then(|| {
                    std::num::NonZeroUsize::new(CACHE_ENTRIES)
                        .map(|n| std::sync::Mutex::new(lru::LruCache::new(n)))
                })
                .flatten(),
        }
    }

    /// Is this the whole-tree index (`tree`)? Its documents belong to many jurisdictions.
    pub fn is_tree(&self) -> bool {
        self.f.jurisdiction.is_some()
    }

    /// The jurisdictions of the whole-tree index, in document order (none otherwise).
    pub fn jurisdictions(&self) -> &[Jurisdiction] {
        &self.jurisdictions
    }

    fn tokens(&self, analyzer: &str, text: &str) -> Vec<String> {
        let Some(mut a) = self.index.tokenizers().get(analyzer) else {
            return Vec::new();
        };
        let mut stream = a.token_stream(text);
        let mut out = Vec::new();
        while let Some(t) = stream.next() {
            if !t.text.trim().is_empty() && !out.contains(&t.text) {
                out.push(t.text.clone());
            }
        }
        out
    }

    /// `search`, answered from the recent results when the same request came lately (people
    /// search for the same few things, and search-as-you-type repeats prefixes).
    pub fn search(&self, req: &Request) -> Result<Response, Error> {
        let Some(cache) = &self.cache else {
            return self.search_uncached(req);
        };
        if let Some(r) = cache.lock().ok().and_then(|mut c| c.get(req).cloned()) {
            return Ok(r);
        }
        let r = self.search_uncached(req)?;
        if let Ok(mut c) = cache.lock() {
            c.put(req.clone(), r.clone());
        }
        Ok(r)
    }

    /// Search without the recent results: `rank::rank` over the gram fields, as the browser
    /// ranks over the static index.
    pub fn search_uncached(&self, req: &Request) -> Result<Response, Error> {
        let normalized = query::normalize(&req.q);
        let searched = query::strip(&normalized);
        let expanded = self.synonyms.expand(&searched);
        let folded: Vec<String> = expanded.iter().map(|e| query::fold(e)).collect();
        let related = thesaurus::expand(
            &searched,
            |w| self.related.get(w).map(Vec::as_slice),
            &folded,
        );
        let mut empty = Response {
            query: req.q.clone(),
            total: 0,
            hits: Vec::new(),
            searched: searched.clone(),
            expanded: expanded.clone(),
            related: related.clone(),
            did_you_mean: None,
            facets: Facets::default(),
            loose: false,
        };
        if searched.chars().all(|c| !c.is_alphanumeric()) {
            return Ok(empty);
        }
        let filter = self.filter(req);
        let width = self.categories.len() as u32 + 1;
        let keep = |d: u32| filter.keeps(self.cell[d as usize], width);
        let limit = req.limit.clamp(1, 100);
        let offset = req.offset.min(10_000);
        let source = Tantivy {
            s: self,
            searcher: self.reader.searcher(),
        };
        let ranked = rank::rank(
            &rank::Query {
                normalized: &normalized,
                searched: &searched,
                expanded: &folded,
                related: &related,
            },
            &source,
            &keep,
            offset + limit,
        );
        let mut counts = vec![0u32; (self.department_ids.len() + 1) * width as usize];
        for &d in &ranked.matched {
            counts[self.cell[d as usize] as usize] += 1;
        }
        let facets = self.facets(&counts, &filter);
        if ranked.total == 0 {
            // Filters may hide the matches: the facets still say where they are.
            if ranked.matched.is_empty() {
                empty.did_you_mean = self.suggest(&searched);
            }
            empty.facets = facets;
            return Ok(empty);
        }
        // Words to highlight: the query's and the expansion's, longest first.
        let mut words: Vec<String> = self.tokens("jieba", &searched);
        for e in &expanded {
            words.extend(self.tokens("jieba", e));
        }
        words.retain(|w| w.chars().any(|c| c.is_alphanumeric()));
        words.sort_by_key(|w| std::cmp::Reverse(w.chars().count()));
        words.dedup();
        let mut hits = Vec::with_capacity(limit);
        for &(d, score) in ranked.top.iter().skip(offset).take(limit) {
            let doc: TantivyDocument =
                source.searcher.doc(self.address[d as usize]).map_err(err)?;
            let s = |f: Field| {
                doc.get_first(f)
                    .and_then(|v| v.as_str())
                    .unwrap_or("")
                    .to_string()
            };
            hits.push(Hit {
                id: s(self.f.id),
                name: s(self.f.name),
                department: s(self.f.department_name),
                department_id: s(self.f.department),
                category: s(self.f.category),
                url: s(self.f.url),
                score: score as f32 / 100_000.0,
                snippet: snippet(&s(self.f.text), &words, 90),
                jurisdiction: self.f.jurisdiction.and_then(|_| {
                    let department = self.cell[d as usize] / width;
                    let j = self.department_jurisdiction.get(department as usize)?;
                    self.jurisdictions.get(*j as usize).cloned()
                }),
            });
        }
        Ok(Response {
            query: req.q.clone(),
            total: ranked.total,
            hits,
            searched,
            expanded,
            related,
            did_you_mean: None,
            facets,
            loose: ranked.loose,
        })
    }

    /// The filters of `req` as numbers. A filter naming nothing in the index matches nothing.
    fn filter(&self, req: &Request) -> Filter<'_> {
        let given = |v: &Option<String>| v.as_deref().filter(|v| !v.is_empty()).map(str::to_string);
        let (department, category) = (given(&req.department), given(&req.category));
        let (level, jurisdiction) = if self.is_tree() {
            (given(&req.level), given(&req.jurisdiction))
        } else {
            (None, None)
        };
        let jurisdiction = jurisdiction.map(|p| {
            self.jurisdictions
                .iter()
                .position(|j| j.path == p)
                .map_or(u32::MAX, |n| n as u32)
        });
        let level = level.map(|l| {
            self.levels
                .iter()
                .position(|x| *x == l)
                .map_or(u32::MAX, |n| n as u32)
        });
        Filter {
            departments: department.map(|d| {
                self.department_ids
                    .iter()
                    .zip(&self.department_jurisdiction)
                    .map(|(id, j)| *id == d && jurisdiction.is_none_or(|x| x == *j))
                    .collect()
            }),
            category: category.map(|c| {
                self.categories
                    .iter()
                    .position(|x| *x == c)
                    .map_or(u32::MAX, |n| n as u32)
            }),
            places: (level.is_some() || jurisdiction.is_some()).then(|| {
                self.jurisdiction_level
                    .iter()
                    .enumerate()
                    .map(|(j, l)| {
                        level.is_none_or(|x| x == *l)
                            && jurisdiction.is_none_or(|x| x as usize == j)
                    })
                    .collect()
            }),
            levels_only: level.map(|level| {
                self.jurisdiction_level
                    .iter()
                    .map(|l| *l == level)
                    .collect()
            }),
            jurisdiction,
            department_jurisdiction: &self.department_jurisdiction,
        }
    }

    /// Facet counts from `counts`, the number of results per (department, category) cell;
    /// most first. Each facet is counted with the other filters applied but not its own:
    /// departments under the category (and place) filters, categories under the department and
    /// place filters; in the whole-tree index levels under the category filter, jurisdictions
    /// under the category and level filters, and departments only once a jurisdiction is chosen.
    fn facets(&self, counts: &[u32], filter: &Filter) -> Facets {
        let width = self.categories.len() + 1;
        let tree = self.is_tree();
        let mut by_dept = vec![0usize; self.department_ids.len() + 1];
        let mut by_cat = vec![0usize; width];
        let mut by_jurisdiction = vec![0usize; self.jurisdictions.len()];
        let mut by_level = vec![0usize; self.levels.len()];
        for (cell, n) in counts.iter().enumerate().filter(|(_, n)| **n > 0) {
            let (d, c) = (cell / width, cell % width);
            let n = *n as usize;
            let j = filter.jurisdiction_of(d);
            let category = filter.category.is_none_or(|x| x as usize == c);
            let place = filter.place(j);
            if category && place {
                by_dept[d] += n;
            }
            if filter.department(d) && place {
                by_cat[c] += n;
            }
            if tree && category {
                if filter.levels_only.as_ref().is_none_or(|l| l[j]) {
                    by_jurisdiction[j] += n;
                }
                if let Some(l) = self.jurisdiction_level.get(j) {
                    by_level[*l as usize] += n;
                }
            }
        }
        fn name(names: &[String], n: usize) -> &str {
            names.get(n).map_or("", String::as_str)
        }
        let most_first = |v: &mut Vec<FacetCount>| {
            v.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.name.cmp(&b.name)));
        };
        // In the whole tree, departments are those of the jurisdiction chosen.
        let departments = !tree || filter.jurisdiction.is_some();
        let mut department: Vec<FacetCount> = by_dept
            .into_iter()
            .enumerate()
            .filter(|(_, n)| *n > 0 && departments)
            .map(|(k, count)| FacetCount {
                id: Some(name(&self.department_ids, k).to_string()),
                name: name(&self.department_names, k).to_string(),
                count,
                level: None,
            })
            .collect();
        most_first(&mut department);
        let mut category: Vec<FacetCount> = by_cat
            .into_iter()
            .enumerate()
            .filter(|(_, n)| *n > 0)
            .map(|(k, count)| FacetCount {
                id: None,
                name: name(&self.categories, k).to_string(),
                count,
                level: None,
            })
            .collect();
        most_first(&mut category);
        let (level, jurisdiction) = if tree {
            let level = by_level
                .into_iter()
                .enumerate()
                .filter(|(k, n)| *n > 0 && !name(&self.levels, *k).is_empty())
                .map(|(k, count)| FacetCount {
                    id: None,
                    name: name(&self.levels, k).to_string(),
                    count,
                    level: None,
                })
                .collect();
            let mut places: Vec<(usize, usize)> = by_jurisdiction
                .into_iter()
                .enumerate()
                .filter(|(_, n)| *n > 0)
                .collect();
            places.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            let chosen = filter.jurisdiction.map(|j| j as usize);
            let mut listed: Vec<(usize, usize)> = Vec::new();
            for (k, (j, n)) in places.into_iter().enumerate() {
                if k < MAX_JURISDICTION_FACETS || Some(j) == chosen {
                    listed.push((j, n));
                }
            }
            let jurisdiction = listed
                .into_iter()
                .filter_map(|(j, count)| {
                    let info = self.jurisdictions.get(j)?;
                    Some(FacetCount {
                        id: Some(info.path.clone()),
                        name: info.name.clone(),
                        count,
                        level: Some(info.level.clone()),
                    })
                })
                .collect();
            (Some(level), Some(jurisdiction))
        } else {
            (None, None)
        };
        Facets {
            department,
            category,
            level,
            jurisdiction,
        }
    }

    /// How well `r`'s first hit answers its query (see `Assessment`): one jieba pass over the
    /// searched text, no index access.
    pub fn assess(&self, r: &Response) -> Assessment {
        let coverage = r.hits.first().and_then(|top| {
            let name = query::normalize(&top.name);
            if r.expanded.iter().any(|e| name.contains(e.as_str())) {
                return Some(1.0);
            }
            // Every word jieba finds in the query (search mode: 拖欠工资 and its parts 拖欠,
            // 工资) that the name holds marks the query's characters it covers.
            let chars: Vec<char> = r.searched.chars().collect();
            let mut covered = vec![false; chars.len()];
            for w in self.tokens("jieba", &r.searched) {
                let wc: Vec<char> = w.chars().collect();
                if wc.is_empty() || wc.len() > chars.len() || !name.contains(w.as_str()) {
                    continue;
                }
                for i in 0..=chars.len() - wc.len() {
                    if chars[i..i + wc.len()] == wc[..] {
                        covered[i..i + wc.len()].iter_mut().for_each(|c| *c = true);
                    }
                }
            }
            let letters = chars.iter().filter(|c| c.is_alphanumeric()).count();
            if letters == 0 {
                return None;
            }
            let held = chars
                .iter()
                .zip(&covered)
                .filter(|(c, k)| **k && c.is_alphanumeric())
                .count();
            Some(held as f32 / letters as f32)
        });
        Assessment {
            coverage,
            loose: r.loose,
        }
    }

    /// Is `id` a department folder of the index (of any of its jurisdictions)? (The search log
    /// keeps only filters that are.)
    pub fn has_department(&self, id: &str) -> bool {
        self.department_ids.iter().any(|d| d == id)
    }

    /// Is `name` a category of the index?
    pub fn has_category(&self, name: &str) -> bool {
        self.categories.iter().any(|c| c == name)
    }

    /// Up to `n` item names sharing most character pairs with `q` (folded), best first: hints
    /// for editors (`qingdan search-report --site`). Looser than "did you mean": one shared
    /// pair is enough.
    pub fn nearest(&self, q: &str, n: usize) -> Vec<String> {
        let mut scored = self.similar(&query::strip(&query::normalize(q)), 0.0);
        scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        let mut names: Vec<String> = Vec::new();
        for (_, i) in scored {
            let name = &self.names[i as usize];
            if !names.contains(name) {
                names.push(name.clone());
            }
            if names.len() == n {
                break;
            }
        }
        names
    }

    /// (Dice coefficient, name number) of the names sharing a character pair with `q`, above
    /// `floor`.
    fn similar(&self, q: &str, floor: f32) -> Vec<(f32, u32)> {
        let qp = char_pairs(q);
        if qp.is_empty() {
            return Vec::new();
        }
        let mut shared: std::collections::HashMap<u32, u16> = Default::default();
        for p in &qp {
            for &n in self.pairs.get(p).map_or(&[][..], Vec::as_slice) {
                *shared.entry(n).or_default() += 1;
            }
        }
        shared
            .into_iter()
            .map(|(n, common)| {
                let total = qp.len() + self.pair_count[n as usize] as usize;
                (2.0 * f32::from(common) / total.max(1) as f32, n)
            })
            .filter(|(score, _)| *score > floor)
            .collect()
    }

    /// The item name sharing most character pairs with the query (Dice coefficient over an
    /// inverted list of pairs, so only names sharing a pair are looked at).
    fn suggest(&self, q: &str) -> Option<String> {
        self.similar(q, 0.2)
            .into_iter()
            .max_by(|a, b| a.0.total_cmp(&b.0).then(b.1.cmp(&a.1)))
            .map(|(_, n)| self.names[n as usize].clone())
    }
}

/// The filters of a request, as numbers of the index (`Searcher::filter`).
struct Filter<'a> {
    /// By department number: does it pass the department filter? (None: no filter.)
    departments: Option<Vec<bool>>,
    /// The category's number (`u32::MAX` for a category not in the index).
    category: Option<u32>,
    /// By jurisdiction number: does it pass the level and jurisdiction filters?
    places: Option<Vec<bool>>,
    /// By jurisdiction number: does it pass the level filter?
    levels_only: Option<Vec<bool>>,
    /// The jurisdiction's number (`u32::MAX` for a path not in the index).
    jurisdiction: Option<u32>,
    department_jurisdiction: &'a [u32],
}

impl Filter<'_> {
    fn jurisdiction_of(&self, department: usize) -> usize {
        self.department_jurisdiction
            .get(department)
            .map_or(0, |j| *j as usize)
    }

    fn department(&self, d: usize) -> bool {
        self.departments
            .as_ref()
            .is_none_or(|ok| ok.get(d).copied().unwrap_or(false))
    }

    fn place(&self, j: usize) -> bool {
        self.places
            .as_ref()
            .is_none_or(|ok| ok.get(j).copied().unwrap_or(false))
    }

    /// Does a document of `cell` pass every filter?
    fn keeps(&self, cell: u32, width: u32) -> bool {
        let d = (cell / width) as usize;
        self.department(d)
            && self.category.is_none_or(|x| x == cell % width)
            && self.place(self.jurisdiction_of(d))
    }
}

/// What the `body` field indexes of an item: its category, department, unit, duty and scope,
/// its basis and its responsibilities, less the boilerplate `shared` by most items.
fn body_text(
    item: &crate::model::Item,
    dept: &str,
    shared: &std::collections::HashSet<&str>,
) -> String {
    let mut body = String::new();
    for part in [
        item.category.as_str(),
        dept,
        &item.unit,
        &item.duty,
        &item.scope,
    ] {
        body.push_str(part);
        body.push('\n');
    }
    // The basis as written and whatever of its entries it does not hold word for word
    // (an import cuts the entries from the text; an editor may write both apart).
    body.push_str(&item.basis.text);
    body.push('\n');
    for b in &item.basis.entries {
        for part in [&b.title, &b.text] {
            if !item.basis.text.contains(part.as_str()) {
                body.push_str(part);
                body.push('\n');
            }
        }
    }
    for part in responsibility_parts(&item.responsibilities) {
        if !shared.contains(part) {
            body.push_str(part);
            body.push('\n');
        }
    }
    body
}

/// The responsibilities as the index reads them: the text as written, and the stages' contents
/// it does not hold word for word (an import cuts the stages from the text, so those would
/// count twice; an editor may write both apart).
fn responsibility_parts(r: &crate::model::Responsibilities) -> Vec<&str> {
    let mut parts = Vec::with_capacity(1 + r.stages.len());
    if !r.text.trim().is_empty() {
        parts.push(r.text.as_str());
    }
    for s in &r.stages {
        if !r.text.contains(s.content.as_str()) {
            parts.push(s.content.as_str());
        }
    }
    parts
}

/// Responsibility texts that `COMMON_SHARE` of the items or more (and at least
/// `SHARED_AT_LEAST`) have word for word: the boilerplate of a list (受理责任：依法受理……).
/// They are not indexed: every word of them is in so many items' long text that a query never
/// searches it there (see `Searcher::clauses`), and indexing them was a quarter of the words.
fn shared_responsibilities(snap: &Snapshot) -> std::collections::HashSet<&str> {
    let mut count: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for e in &snap.items {
        let mut parts = responsibility_parts(&e.value.responsibilities);
        parts.sort_unstable();
        parts.dedup();
        for p in parts {
            *count.entry(p).or_default() += 1;
        }
    }
    let at_least = ((snap.items.len() as f64 * COMMON_SHARE).ceil() as usize).max(SHARED_AT_LEAST);
    count
        .into_iter()
        .filter(|(_, n)| *n >= at_least)
        .map(|(p, _)| p)
        .collect()
}

/// Guide text of an item as both indexes keep it (what the item is for, whom, what to bring),
/// or its duty when it has no guide.
pub(crate) fn guide_text(item: &crate::model::Item) -> String {
    let mut text = String::new();
    if let Some(g) = &item.guide {
        for part in [&g.audience, &g.conditions, &g.result, &g.materials_text] {
            text.push_str(part);
            text.push('\n');
        }
        for m in &g.materials {
            text.push_str(m.name.as_str());
            text.push('；');
        }
    }
    if text.trim().is_empty() {
        text = item.duty.clone();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Boilerplate that most items share word for word is left out of the index; a text only a
    /// few items have stays, and so does the boilerplate of a list too small to tell.
    #[test]
    fn shared_responsibilities_are_boilerplate_only_when_common() {
        use crate::model::{Item, Responsibilities, Stage};
        let item = |n: usize, stages: &[&str], text: &str| crate::snapshot::Entry {
            file: 0,
            folder: "d".into(),
            stem: format!("d-{n}"),
            value: std::sync::Arc::new(Item {
                responsibilities: Responsibilities {
                    text: text.into(),
                    stages: stages
                        .iter()
                        .map(|c| Stage {
                            stage: "受理".into(),
                            content: c.to_string(),
                            ..Default::default()
                        })
                        .collect(),
                    ..Default::default()
                },
                ..Default::default()
            }),
        };
        let boiler = "受理责任：依法受理，不符合的说明理由。";
        let own = "对本市危险化学品经营单位的专项检查。";
        let mut snap = Snapshot::default();
        for n in 0..200 {
            snap.items.push(if n % 40 == 0 {
                // The text as written, with the stage cut from it counted once.
                item(n, &[boiler], &format!("{own}{boiler}"))
            } else {
                item(n, &[boiler, "决定责任：依法决定。"], "")
            });
        }
        let shared = shared_responsibilities(&snap);
        assert!(shared.contains(boiler) && shared.contains("决定责任：依法决定。"));
        assert!(
            !shared.contains(format!("{own}{boiler}").as_str()),
            "5 of 200 items is no boilerplate"
        );
        snap.items.truncate(20);
        assert!(
            shared_responsibilities(&snap).is_empty(),
            "too few items to tell"
        );
    }

    /// An import cuts basis entries and responsibility stages out of the texts, so those are
    /// indexed once; entries and stages an editor wrote apart from the texts are indexed too.
    #[test]
    fn body_holds_every_basis_entry_and_stage_once() {
        use crate::model::{BasisEntry, Item, Responsibilities, Stage};
        let entry = |title: &str, text: &str| BasisEntry {
            title: title.into(),
            text: text.into(),
            ..Default::default()
        };
        let stage = |content: &str| Stage {
            stage: "受理".into(),
            content: content.into(),
            ..Default::default()
        };
        let mut item = Item::default();
        item.basis.text = "【法律】《中华人民共和国统计法》第三十七条：统计机构……".into();
        item.basis.entries = vec![
            entry("中华人民共和国统计法", "统计机构……"),
            entry("克拉玛依市胶卷保管规定", "第二条：胶卷由档案馆保管。"),
        ];
        item.responsibilities = Responsibilities {
            text: "1.受理责任：依法受理。2.决定责任：依法决定。".into(),
            stages: vec![
                stage("受理责任：依法受理。"),
                stage("缩微胶片责任：妥善保管。"),
            ],
            ..Default::default()
        };
        let shared = std::collections::HashSet::new();
        let body = body_text(&item, "统计局", &shared);
        assert_eq!(body.matches("统计法").count(), 1, "{body}");
        assert_eq!(body.matches("依法受理").count(), 1, "{body}");
        assert!(
            body.contains("胶卷保管规定") && body.contains("胶卷由档案馆保管"),
            "{body}"
        );
        assert!(body.contains("缩微胶片责任"), "{body}");
        // Without texts, the entries and stages are all there is.
        item.basis.text.clear();
        item.responsibilities.text.clear();
        let body = body_text(&item, "统计局", &shared);
        assert!(
            body.contains("统计法") && body.contains("依法受理"),
            "{body}"
        );
    }

    #[test]
    fn snippets_escape_and_highlight() {
        let s = snippet("申请<材料>：营业执照复印件", &["营业执照".to_string()], 90);
        assert_eq!(s, "申请&lt;材料&gt;：<b>营业执照</b>复印件");
        let long = format!("{}排污许可{}", "甲".repeat(100), "乙".repeat(100));
        let s = snippet(&long, &["排污许可".to_string()], 20);
        assert!(s.starts_with('…') && s.ends_with('…'));
        assert!(s.contains("<b>排污许可</b>"));
    }

    #[test]
    fn snippets_skip_boilerplate_and_lone_characters() {
        let words = ["饭店".to_string(), "开".to_string()];
        // No word of the query in the text: no snippet, not the text's boilerplate start.
        assert_eq!(snippet("1.受理责任：依法开展受理工作。", &words, 90), "");
        // 开 is not marked inside 开展 when the query has a longer word.
        let s = snippet("对饭店开展检查", &words, 90);
        assert_eq!(s, "对<b>饭店</b>开展检查");
        // A one-character query still marks its character.
        assert_eq!(
            snippet("开展检查", &["开".to_string()], 90),
            "<b>开</b>展检查"
        );
    }
}
