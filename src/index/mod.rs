//! The search index: tantivy with jieba (search mode, ordinal positions, so phrase queries work)
//! on Chinese fields, plus a character 1–2-gram field on names as a recall fallback for words
//! jieba does not know, short queries and typos. `build` writes it into `<site>/_index/` (which
//! `serve` never serves); `search` and `serve` read it.

pub mod client;
mod collect;
mod lower;
pub mod query;

use std::collections::HashMap;
use std::path::Path;

use serde::Serialize;
use tantivy::query::{BooleanQuery, BoostQuery, Occur, PhraseQuery, Query, TermQuery};
use tantivy::schema::{
    FAST, Field, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions, Value,
};
use tantivy::tokenizer::{NgramTokenizer, RemoveLongFilter, TextAnalyzer};

use lower::LowerCaser;
use tantivy::{Index, IndexReader, TantivyDocument, Term, doc};

use crate::Error;
use crate::snapshot::Snapshot;
use query::Synonym;

/// Score added to items of categories one applies for.
pub const SERVICE_BONUS: &[(&str, f32)] = &[
    ("行政许可", 4.0),
    ("行政确认", 2.5),
    ("行政给付", 2.5),
    ("行政奖励", 1.5),
    ("公共服务", 2.5),
    ("其他行政权力", 1.0),
];

/// A word in more than this share of items is not searched in their long text.
const COMMON_SHARE: f64 = 0.15;

/// Fewest items that must share a responsibility text for it to count as boilerplate (a small
/// list's shared text may still tell its few items apart).
const SHARED_AT_LEAST: usize = 50;

/// Bytes of a document-store block.
const DOCSTORE_BLOCK: usize = 4096;

/// Folder of the index inside the site folder.
pub const DIR: &str = "_index";

struct Fields {
    id: Field,
    name: Field,
    name_exact: Field,
    name_ngram: Field,
    subs: Field,
    body: Field,
    text: Field,
    department: Field,
    department_name: Field,
    category: Field,
    url: Field,
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    // Positions only where a phrase query looks (the name); the other jieba fields are scored
    // by their terms alone, and their positions were most of what indexing wrote.
    let jieba = |stored: bool, positions: bool| {
        let o = TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer("jieba")
                .set_index_option(if positions {
                    IndexRecordOption::WithFreqsAndPositions
                } else {
                    IndexRecordOption::WithFreqs
                }),
        );
        if stored { o.set_stored() } else { o }
    };
    let ngram = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer("ngram")
            .set_index_option(IndexRecordOption::WithFreqs),
    );
    let fields = Fields {
        id: b.add_text_field("id", STRING | STORED),
        name: b.add_text_field("name", jieba(true, true)),
        name_exact: b.add_text_field("name_exact", STRING),
        name_ngram: b.add_text_field("name_ngram", ngram),
        subs: b.add_text_field("subs", jieba(false, false)),
        body: b.add_text_field("body", jieba(false, false)),
        text: b.add_text_field("text", jieba(true, false)),
        department: b.add_text_field("department", STRING | STORED | FAST),
        department_name: b.add_text_field("department_name", STORED),
        category: b.add_text_field("category", STRING | STORED | FAST),
        url: b.add_text_field("url", STORED),
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
    if let Ok(ngram) = NgramTokenizer::new(1, 2, false) {
        index.tokenizers().register(
            "ngram",
            TextAnalyzer::builder(ngram).filter(LowerCaser).build(),
        );
    }
}

fn err(e: impl std::fmt::Display) -> Error {
    Error::Usage(format!("搜索索引出错：{e}"))
}

/// Below this many items, the index is written on one thread.
const SMALL_INDEX: usize = 20_000;

/// Write the index of `snap` into `dir` (a new folder), with the synonym table beside it.
pub fn write(
    snap: &Snapshot,
    dir: &Path,
    base: &str,
    synonyms: &[Synonym],
) -> Result<usize, Error> {
    std::fs::create_dir_all(dir).map_err(|source| Error::Write {
        path: dir.to_path_buf(),
        source,
    })?;
    let (schema, f) = schema();
    // Small document-store blocks: showing a hit decompresses one block, and the ten hits of a
    // page are in ten different blocks (16 KB each by default).
    let settings = tantivy::IndexSettings {
        docstore_blocksize: DOCSTORE_BLOCK,
        ..Default::default()
    };
    let index = Index::builder()
        .schema(schema)
        .settings(settings)
        .create_in_dir(dir)
        .map_err(err)?;
    register(&index);
    // A small index (a township's or a county's site in a multi-level repository) gets one
    // indexing thread: each thread starts with tables of several megabytes to fill with zeros
    // and makes a segment of its own, which at a thousand small sites cost more than indexing.
    let mut writer = if snap.items.len() < SMALL_INDEX {
        index.writer_with_num_threads::<TantivyDocument>(1, 50_000_000)
    } else {
        index.writer::<TantivyDocument>(100_000_000)
    }
    .map_err(err)?;
    let shared = shared_responsibilities(snap);
    for e in &snap.items {
        let item = &e.value;
        let dept = snap.department_name(&e.folder);
        let subs = item
            .sub_items
            .iter()
            .map(|s| s.name.as_str())
            .collect::<Vec<_>>()
            .join("\n");
        let body = body_text(item, dept, &shared);
        let mut text = guide_text(item);
        if text.trim().is_empty() {
            text = item
                .basis
                .entries
                .first()
                .map_or_else(String::new, |b| b.text.clone());
        }
        let text: String = text.chars().take(600).collect();
        writer
            .add_document(doc!(
                f.id => item.id.as_str(),
                f.name => item.name.as_str(),
                f.name_exact => query::normalize(&item.name),
                f.name_ngram => item.name.as_str(),
                f.subs => subs,
                f.body => body,
                f.text => text,
                f.department => e.folder.as_str(),
                f.department_name => dept,
                f.category => item.category.as_str(),
                f.url => format!("{base}/items/{}.html", item.id.as_str()),
            ))
            .map_err(err)?;
    }
    writer.commit().map_err(err)?;
    writer.wait_merging_threads().map_err(err)?;
    let table = serde_json::to_vec(synonyms)?;
    std::fs::write(dir.join("synonyms.json"), table).map_err(|source| Error::Write {
        path: dir.join("synonyms.json"),
        source,
    })?;
    Ok(snap.items.len())
}

/// A search request.
#[derive(Debug, Default, Clone, PartialEq, Eq, Hash)]
pub struct Request {
    pub q: String,
    pub department: Option<String>,
    pub category: Option<String>,
    pub limit: usize,
    pub offset: usize,
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
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FacetCount {
    /// Department folder; absent for categories.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub name: String,
    pub count: usize,
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

/// Term clauses of a query: (field, word, boost, whether a match on it alone makes a result),
/// each (field, word) once.
#[derive(Default)]
struct Terms(Vec<(Field, String, f32, bool)>);

impl Terms {
    fn add(&mut self, field: Field, text: &str, boost: f32, defining: bool) {
        match self
            .0
            .iter_mut()
            .find(|(f, t, ..)| *f == field && t == text)
        {
            Some(c) => {
                c.2 += boost;
                c.3 |= defining;
            }
            None => self.0.push((field, text.to_string(), boost, defining)),
        }
    }
}

/// An open index.
pub struct Searcher {
    index: Index,
    reader: IndexReader,
    f: Fields,
    synonyms: Vec<Synonym>,
    /// Every item name, and for each pair of adjacent characters the names holding it
    /// (with each name's number of pairs), for "did you mean".
    names: Vec<String>,
    pair_count: Vec<u16>,
    pairs: std::collections::HashMap<(char, char), Vec<u32>>,
    /// Department folder → name.
    departments: HashMap<String, String>,
    /// Each document's department and category, numbered, for ranking and counting.
    cells: collect::Cells,
    /// Recent results (none when `QINGDAN_SEARCH_CACHE=0`, to measure searching itself).
    cache: Option<std::sync::Mutex<lru::LruCache<Request, Response>>>,
}

/// Results kept by `Searcher::search`.
const CACHE_ENTRIES: usize = 1024;

/// Adjacent character pairs of the letters and digits of `s`.
fn char_pairs(s: &str) -> Vec<(char, char)> {
    let c: Vec<char> = s.chars().filter(|c| c.is_alphanumeric()).collect();
    let mut v: Vec<(char, char)> = c.windows(2).map(|w| (w[0], w[1])).collect();
    v.sort_unstable();
    v.dedup();
    v
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
        register(&index);
        let (_, f) = schema();
        let reader = index.reader().map_err(err)?;
        let synonyms: Vec<Synonym> = std::fs::read(dir.join("synonyms.json"))
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_else(query::built_in);
        let searcher = reader.searcher();
        let mut names = Vec::new();
        let mut departments = HashMap::new();
        let mut pair_count = Vec::new();
        let mut pairs: std::collections::HashMap<(char, char), Vec<u32>> = Default::default();
        for segment in searcher.segment_readers() {
            let store = segment.get_store_reader(64).map_err(err)?;
            for d in 0..segment.max_doc() {
                if let Ok(doc) = store.get::<TantivyDocument>(d)
                    && let Some(n) = doc.get_first(f.name).and_then(|v| v.as_str())
                {
                    let index = names.len() as u32;
                    let own = char_pairs(&query::normalize(n));
                    pair_count.push(own.len().min(u16::MAX as usize) as u16);
                    for p in own {
                        pairs.entry(p).or_default().push(index);
                    }
                    names.push(n.to_string());
                    if let (Some(id), Some(name)) = (
                        doc.get_first(f.department).and_then(|v| v.as_str()),
                        doc.get_first(f.department_name).and_then(|v| v.as_str()),
                    ) && !departments.contains_key(id)
                    {
                        departments.insert(id.to_string(), name.to_string());
                    }
                }
            }
        }
        let cells = collect::Cells::read(&searcher).map_err(err)?;
        Ok(Searcher {
            index,
            reader,
            cells,
            f,
            synonyms,
            names,
            pair_count,
            pairs,
            departments,
            cache: (std::env::var("QINGDAN_SEARCH_CACHE").as_deref() != Ok("0"))
                .then(|| {
                    std::num::NonZeroUsize::new(CACHE_ENTRIES)
                        .map(|n| std::sync::Mutex::new(lru::LruCache::new(n)))
                })
                .flatten(),
        })
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

    fn term(&self, field: Field, text: &str, boost: f32) -> Box<dyn Query> {
        let q = TermQuery::new(
            Term::from_field_text(field, text),
            IndexRecordOption::WithFreqs,
        );
        Box::new(BoostQuery::new(Box::new(q), boost))
    }

    /// Clauses matching `text` in the name, sub-items and body, with a phrase bonus.
    /// Clauses for `text`. With `narrow`, a word in more than `COMMON_SHARE` of names
    /// (许可, 处罚) only adds to the score of items found by the text's rarer words, when it
    /// has some: "排污许可" lists the items about 排污, not every 许可 of the lists.
    fn clauses(
        &self,
        text: &str,
        weight: f32,
        narrow: bool,
        terms: &mut Terms,
        optional: &mut Vec<(Occur, Box<dyn Query>)>,
    ) {
        let tokens: Vec<String> = self
            .tokens("jieba", text)
            .into_iter()
            .filter(|t| t.chars().any(|c| c.is_alphanumeric()))
            .collect();
        let searcher = self.reader.searcher();
        let docs = searcher.num_docs().max(1) as f64;
        // A word in most items' long text (行政许可法 cites itself everywhere) says little and
        // makes every query walk most of the index: long fields only count rarer words.
        let rare = |field: Field, t: &str| {
            searcher
                .doc_freq(&Term::from_field_text(field, t))
                .map_or(true, |df| (df as f64) / docs < COMMON_SHARE)
        };
        let rare_in_names: Vec<bool> = tokens.iter().map(|t| rare(self.f.name, t)).collect();
        let any_rare = rare_in_names.iter().any(|r| *r);
        for (t, rare_name) in tokens.iter().zip(&rare_in_names) {
            let defining = !narrow || *rare_name || !any_rare;
            terms.add(self.f.name, t, 3.0 * weight, defining);
            terms.add(self.f.subs, t, 1.5 * weight, defining);
            if rare(self.f.body, t) {
                terms.add(self.f.body, t, 0.6 * weight, defining);
            }
            if rare(self.f.text, t) {
                terms.add(self.f.text, t, 0.8 * weight, defining);
            }
        }
        // The words in order in the name: a strong sign the item is the one meant.
        let ordered: Vec<Term> = {
            let mut a = self.index.tokenizers().get("jieba");
            let mut v = Vec::new();
            if let Some(a) = a.as_mut() {
                let mut s = a.token_stream(text);
                let mut last = usize::MAX;
                while let Some(t) = s.next() {
                    if t.position != last && t.text.chars().any(|c| c.is_alphanumeric()) {
                        v.push(Term::from_field_text(self.f.name, &t.text));
                        last = t.position;
                    }
                }
            }
            v
        };
        if ordered.len() >= 2 && ordered.len() <= 12 {
            let phrase = PhraseQuery::new(ordered);
            optional.push((
                Occur::Should,
                Box::new(BoostQuery::new(Box::new(phrase), 6.0 * weight)),
            ));
        }
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

    /// Search without the recent results: first with common words narrowed to scoring (see
    /// `clauses`), then, when that finds nothing (a typo, words jieba splits differently), with
    /// every word and character pair able to make a result.
    pub fn search_uncached(&self, req: &Request) -> Result<Response, Error> {
        let r = self.run(req, true)?;
        if r.total == 0 && r.facets.department.is_empty() {
            let mut loose = self.run(req, false)?;
            loose.loose = loose.total > 0;
            return Ok(loose);
        }
        Ok(r)
    }

    fn run(&self, req: &Request, narrow: bool) -> Result<Response, Error> {
        let normalized = query::normalize(&req.q);
        let searched = query::strip(&normalized);
        let expanded = query::expand(&searched, &self.synonyms);
        let mut empty = Response {
            query: req.q.clone(),
            total: 0,
            hits: Vec::new(),
            searched: searched.clone(),
            expanded: expanded.clone(),
            did_you_mean: None,
            facets: Facets::default(),
            loose: false,
        };
        if searched.chars().all(|c| !c.is_alphanumeric()) {
            return Ok(empty);
        }
        let mut should: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        let mut optional: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        // The exact name, folded.
        should.push((
            Occur::Should,
            self.term(self.f.name_exact, &normalized, 20.0),
        ));
        should.push((Occur::Should, self.term(self.f.name_exact, &searched, 20.0)));
        // A word of the query and of its expansions is one clause, with the weights added.
        let mut terms = Terms::default();
        self.clauses(&searched, 1.0, narrow, &mut terms, &mut optional);
        for e in &expanded {
            self.clauses(e, 0.9, narrow, &mut terms, &mut optional);
        }
        // Character 1–2-grams: unknown words, one-character queries, typos.
        let grams = self.tokens("ngram", &searched);
        let bigrams: Vec<&String> = grams.iter().filter(|g| g.chars().count() == 2).collect();
        let unigram_only = bigrams.is_empty();
        for g in &grams {
            let two = g.chars().count() == 2;
            if two || unigram_only {
                terms.add(self.f.name_ngram, g, if two { 0.5 } else { 0.3 }, !narrow);
            }
        }
        for (field, text, boost, defining) in terms.0 {
            let clause = (Occur::Should, self.term(field, &text, boost));
            if defining {
                should.push(clause);
            } else {
                optional.push(clause);
            }
        }
        let mut must: Vec<(Occur, Box<dyn Query>)> =
            vec![(Occur::Must, Box::new(BooleanQuery::new(should)))];
        must.extend(optional);
        let q = BooleanQuery::new(must);
        let department = req.department.as_deref().filter(|d| !d.is_empty());
        let category = req.category.as_deref().filter(|c| !c.is_empty());
        let searcher = self.reader.searcher();
        let limit = req.limit.clamp(1, 100);
        let offset = req.offset.min(10_000);
        // Citizens search for what they can apply for: services rank above penalties that share
        // their words ("排污许可" above "对未取得排污许可证…的处罚"): `SERVICE_BONUS`, added by
        // the collector. The filters narrow the results, not the facet counts. A filter naming
        // nothing in the index matches nothing.
        let ranked = collect::Ranked {
            cells: &self.cells,
            department: department.map(|d| self.cells.department(d).unwrap_or(u32::MAX)),
            category: category.map(|c| self.cells.category(c).unwrap_or(u32::MAX)),
            keep: offset + limit,
        };
        let found = searcher.search(&q, &ranked).map_err(err)?;
        let top: Vec<_> = found.top.into_iter().skip(offset).collect();
        let (dept_n, cat_n) = (ranked.department, ranked.category);
        let facets = self.facets(&found.counts, dept_n, cat_n);
        let width = self.cells.width();
        let matched = found.counts.iter().any(|n| *n > 0);
        let total = found
            .counts
            .iter()
            .enumerate()
            .filter(|(cell, _)| {
                let (d, c) = ((cell / width) as u32, (cell % width) as u32);
                dept_n.is_none_or(|x| x == d) && cat_n.is_none_or(|x| x == c)
            })
            .map(|(_, n)| *n as usize)
            .sum::<usize>();
        // Words to highlight: the query's and the expansion's, longest first.
        let mut words: Vec<String> = self.tokens("jieba", &searched);
        for e in &expanded {
            words.extend(self.tokens("jieba", e));
        }
        words.retain(|w| w.chars().any(|c| c.is_alphanumeric()));
        words.sort_by_key(|w| std::cmp::Reverse(w.chars().count()));
        words.dedup();
        let mut hits = Vec::with_capacity(top.len());
        for (score, addr) in top {
            let doc: TantivyDocument = searcher.doc(addr).map_err(err)?;
            let s = |f: Field| {
                doc.get_first(f)
                    .and_then(|v| v.as_str())
                    .unwrap_or("")
                    .to_string()
            };
            let snippet = snippet(&s(self.f.text), &words, 90);
            hits.push(Hit {
                id: s(self.f.id),
                name: s(self.f.name),
                department: s(self.f.department_name),
                department_id: s(self.f.department),
                category: s(self.f.category),
                url: s(self.f.url),
                score,
                snippet,
            });
        }
        if total == 0 {
            // Filters may hide the matches: the facets still say where they are.
            if !matched && !narrow {
                empty.did_you_mean = self.suggest(&searched);
            }
            empty.facets = facets;
            return Ok(empty);
        }
        Ok(Response {
            query: req.q.clone(),
            total,
            hits,
            searched,
            expanded,
            did_you_mean: None,
            facets,
            loose: false,
        })
    }

    /// Department counts under the category filter, category counts under the department
    /// filter; most first. `counts` is `Ranked`'s table of (department, category) cells.
    fn facets(&self, counts: &[u32], department: Option<u32>, category: Option<u32>) -> Facets {
        let width = self.cells.width();
        let mut by_dept = vec![0usize; self.cells.departments.len() + 1];
        let mut by_cat = vec![0usize; width];
        for (cell, n) in counts.iter().enumerate().filter(|(_, n)| **n > 0) {
            let (d, c) = (cell / width, cell % width);
            if category.is_none_or(|x| x as usize == c) {
                by_dept[d] += *n as usize;
            }
            if department.is_none_or(|x| x as usize == d) {
                by_cat[c] += *n as usize;
            }
        }
        fn name(names: &[String], n: usize) -> &str {
            names.get(n).map_or("", String::as_str)
        }
        let sorted = |counts: Vec<usize>, dept: bool| {
            let mut v: Vec<FacetCount> = counts
                .into_iter()
                .enumerate()
                .filter(|(_, n)| *n > 0)
                .map(|(k, count)| {
                    if dept {
                        let id = name(&self.cells.departments, k);
                        FacetCount {
                            id: Some(id.to_string()),
                            name: self
                                .departments
                                .get(id)
                                .cloned()
                                .unwrap_or_else(|| id.to_string()),
                            count,
                        }
                    } else {
                        FacetCount {
                            id: None,
                            name: name(&self.cells.categories, k).to_string(),
                            count,
                        }
                    }
                })
                .collect();
            v.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.name.cmp(&b.name)));
            v
        };
        Facets {
            department: sorted(by_dept, true),
            category: sorted(by_cat, false),
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

    /// Is `id` a department folder of the index? (The search log keeps only filters that are.)
    pub fn has_department(&self, id: &str) -> bool {
        self.cells.department(id).is_some()
    }

    /// Is `name` a category of the index?
    pub fn has_category(&self, name: &str) -> bool {
        self.cells.category(name).is_some()
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
