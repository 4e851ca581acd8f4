//! The one ranking of both searches: the server's (`Searcher`, over the gram fields of the
//! tantivy index) and the browser's (`templates/assets/search.js`, over the static index of
//! `client`). Both read the same terms (character pairs of folded text, single characters of
//! names, the whole folded name) with the same document frequencies, and score them with the
//! integers below, so that the two give the same results in the same order for the same query.
//! search.js reads `WEIGHTS` from the static index's `meta.json`: there is one copy of them.
//!
//! A score is an integer (in units of 10⁻⁵ of the earlier floating-point scores), so that sums
//! are exact in either language and the order does not depend on the order of additions. Ties
//! go to the lower document number (department, category, name length, id: `client::numbering`).
//!
//! 1. Parts: the query as searched (weight `query`), each official term its colloquial words
//!    expand to (weight `expansion`) and each related word of the thesaurus (weight `related`,
//!    `thesaurus::expand`), each cut into its character pairs (`client::grams`).
//! 2. Every pair found in a field of a document (name, sub-item names, guide text, other text)
//!    adds `field weight × part weight × idf` (`idf`, from the pair's document frequency in that
//!    field); a pair in too many documents' guide text or other text (`client::max_df`) is not
//!    indexed there, so it adds nothing.
//! 3. A document whose name holds every pair of a part gets `all_pairs × part weight`.
//! 4. The whole folded name equal to the query (as typed or as searched) adds `exact`: far above
//!    anything else, so that an item whose name is the query always comes first.
//! 5. When no name holds all the pairs of any part (related words aside) and the query is at
//!    most `typo_chars` characters, each of its characters found in a name adds a tenth of a
//!    pair's score (typos).
//! 6. A result holds at least a third (`need_divisor`) of the counted pairs of one part, or as
//!    many as the best document does when none holds that many; when no document holds any,
//!    every document found is a result (the search is "loose"). Counted are the pairs in the
//!    index at all (a pair across two words, 要挪 of 修路要挪燃气管道, is in no document), and
//!    of these only the distinctive ones when the part has any: a pair in more than
//!    `common_per_mille` of the names (许可, 处罚) adds to the score but makes no result by
//!    itself. An exact name is always a result. The pairs not counted are added (step 2) to the
//!    scores of the results only, once these are known — to every document found when the
//!    search is loose; what they would add to a document that is no result does not matter.
//! 7. Each result gets its category's service bonus (`SERVICE_BONUS`: what citizens apply for
//!    before penalties) less `shortness × its place in its (department, category) group`
//!    (documents are numbered shortest name first within a group).
//! 8. The first `head` results (by score, then document number) are ordered again knowing their
//!    names: the name holding the whole query (`contains`), each official term
//!    (`expansion_in_name`), each related word (`related_in_name`), less `name_char` per
//!    character of the name.

use std::borrow::Cow;

use serde::Serialize;

/// Fields of the gram postings, as numbered in the static index's shards: the name, the
/// sub-item names, the guide text (`super::guide_text`) and the other text (`super::body_text`:
/// unit, duty, scope, basis, responsibilities).
pub const NAME: u8 = 0;
pub const SUBS: u8 = 1;
pub const TEXT: u8 = 2;
pub const BODY: u8 = 3;
/// The whole folded name (`query::normalize`), one term per document.
pub const EXACT: u8 = 4;
/// The static index only: the thesaurus's words that begin with the term (a pair), and their
/// related words (`thesaurus`); no postings, never scored.
pub const RELATED: u8 = 5;
/// The static index only: the synonym table's entries with words that begin with the term (a
/// pair): a JSON array of `[entry number, [word…], [means…]]`; no postings, never scored.
pub const SYNONYMS: u8 = 6;

/// The integers of the ranking (see the module's description).
#[derive(Debug, Serialize)]
pub struct Weights {
    /// Per field: name, sub-item names, guide text, other text (tenths).
    pub field: [i64; 4],
    /// The query's own part (tenths).
    pub query: i64,
    /// An official term a colloquial word of the query expands to (tenths).
    pub expansion: i64,
    /// A related word of the thesaurus (`thesaurus::expand`) (tenths).
    pub related: i64,
    /// Per tenth of part weight, for a name holding every pair of the part.
    pub all_pairs: i64,
    /// The whole name equal to the query.
    pub exact: i64,
    /// The name holding the whole query (as searched, two characters or more).
    pub contains: i64,
    /// The name holding an official term of the expansion, per term.
    pub expansion_in_name: i64,
    /// The name holding a related word, per word.
    pub related_in_name: i64,
    /// Taken off per character of the name.
    pub name_char: i64,
    /// Taken off for the last place in a (department, category) group, in proportion.
    pub shortness: i64,
    /// Results ordered again knowing their names.
    pub head: usize,
    /// A result holds at least this fraction (1 / n) of a part's counted pairs.
    pub need_divisor: usize,
    /// A pair in more names than this (thousandths of all documents) is common: it is not
    /// counted for a result when the part has rarer pairs.
    pub common_per_mille: u64,
    /// Longest query (characters) whose single characters count when no name holds its pairs.
    pub typo_chars: usize,
    /// A single character's score is a pair's divided by this.
    pub unigram_divisor: i64,
}

pub const WEIGHTS: Weights = Weights {
    field: [30, 15, 8, 6],
    query: 10,
    expansion: 9,
    related: 7,
    all_pairs: 80_000,
    exact: 1_000_000_000_000,
    contains: 1_000_000,
    expansion_in_name: 600_000,
    related_in_name: 300_000,
    name_char: 5_000,
    shortness: 50_000,
    head: 15,
    need_divisor: 3,
    common_per_mille: 150,
    typo_chars: 8,
    unigram_divisor: 10,
};

/// Score of a category one applies for, in the units of a score.
pub fn service_bonus(category: &str) -> i64 {
    super::SERVICE_BONUS
        .iter()
        .find(|(c, _)| *c == category)
        .map_or(0, |(_, b)| (f64::from(*b) * 100_000.0).round() as i64)
}

/// Inverse document frequency in thousandths: `round(1000 × ln(1 + docs / df))`. Written into
/// the static index beside each term, so that the browser never computes a logarithm.
pub fn idf(df: usize, docs: usize) -> u32 {
    (1000.0 * (1.0 + docs as f64 / df.max(1) as f64).ln()).round() as u32
}

/// A pair in more than `common_per_mille` of all names (`df` of its name entry, of `docs`).
pub fn common(df: u32, docs: usize) -> bool {
    u64::from(df) * 1000 > docs as u64 * WEIGHTS.common_per_mille
}

/// `shortness` of document `d` in the group of documents `start..end`.
pub fn shortness(d: u32, start: u32, end: u32) -> i64 {
    let span = i64::from(end.saturating_sub(start)).max(1);
    WEIGHTS.shortness * i64::from(d.saturating_sub(start)) / span
}

/// The documents of one term in one field.
pub struct Entry<'a> {
    pub field: u8,
    /// Documents holding the term in the field.
    pub df: u32,
    pub idf: u32,
    /// Document numbers (`client::numbering`), each once.
    pub docs: Cow<'a, [u32]>,
}

/// Where the ranking reads its terms and documents.
pub trait Source {
    /// Number of documents.
    fn docs(&self) -> usize;
    /// The term's entries in every field that indexes it.
    fn entries(&self, term: &str) -> Vec<Entry<'_>>;
    /// Service bonus less shortness of a document (steps 7).
    fn prior(&self, d: u32) -> i64;
    /// The folded name of a document.
    fn name(&self, d: u32) -> Cow<'_, str>;
}

/// A query, folded and cut as `query` does.
pub struct Query<'a> {
    /// `query::normalize` of the text typed.
    pub normalized: &'a str,
    /// `query::strip` of that.
    pub searched: &'a str,
    /// The official terms of `query::expand`, folded.
    pub expanded: &'a [String],
    /// The related words of `thesaurus::expand`.
    pub related: &'a [String],
}

/// What `rank` finds.
#[derive(Debug, Default)]
pub struct Ranked {
    /// Every result, before the filter (for facet counts), in no order.
    pub matched: Vec<u32>,
    /// Results that pass the filter.
    pub total: usize,
    /// The best `max(head, want)` results that pass the filter, best first, with their scores.
    pub top: Vec<(u32, i64)>,
    /// No document holds enough counted pairs of a part: every document found is a result.
    pub loose: bool,
}

/// The per-document tables of `rank`, all zero between searches (`fit` only grows them).
#[derive(Default)]
struct Scratch {
    score: Vec<i64>,
    seen: Vec<bool>,
    exact: Vec<bool>,
    in_name: Vec<u16>,
    stamp: Vec<u16>,
    /// The results, while the pairs not counted are added to their scores.
    result: Vec<bool>,
    /// One per part.
    cover: Vec<Vec<u16>>,
}

impl Scratch {
    /// At least `n` entries in each table, and a cover table for each of `parts` parts.
    fn fit(&mut self, n: usize, parts: usize) {
        if self.score.len() < n {
            self.score.resize(n, 0);
            self.seen.resize(n, false);
            self.exact.resize(n, false);
            self.in_name.resize(n, 0);
            self.stamp.resize(n, 0);
            self.result.resize(n, false);
        }
        if self.cover.len() < parts {
            self.cover.resize_with(parts, Vec::new);
        }
        for c in &mut self.cover[..parts] {
            if c.len() < n {
                c.resize(n, 0);
            }
        }
    }
}

thread_local! {
    /// A search that panics leaves nothing here: the next one starts from new tables.
    static SCRATCH: std::cell::Cell<Scratch> = Default::default();
}

struct Part {
    weight: i64,
    grams: Vec<String>,
    /// A related word's part: a name holding all its pairs does not stop the search for typos.
    related: bool,
}

/// Rank the documents of `src` for `q`; `keep` is the filter, `want` the results needed
/// (offset + limit).
pub fn rank(q: &Query, src: &dyn Source, keep: &dyn Fn(u32) -> bool, want: usize) -> Ranked {
    let w = &WEIGHTS;
    let n = src.docs();
    let mut parts = vec![Part {
        weight: w.query,
        grams: super::client::grams(q.searched, false),
        related: false,
    }];
    for e in q.expanded {
        parts.push(Part {
            weight: w.expansion,
            grams: super::client::grams(e, false),
            related: false,
        });
    }
    for r in q.related {
        parts.push(Part {
            weight: w.related,
            grams: super::client::grams(r, false),
            related: true,
        });
    }
    // Tables of n entries, kept by the thread from one search to the next (zeroing and faulting
    // in megabytes per query was a tenth of a search at 100,000 items); every entry a search
    // sets is set back at its end.
    let mut sc = SCRATCH.with(std::cell::Cell::take);
    sc.fit(n, parts.len());
    let Scratch {
        score,
        seen,
        exact,
        in_name,
        stamp,
        result,
        cover: cover_pool,
    } = &mut sc;
    let mut touched: Vec<u32> = Vec::new();
    let mut touch = |d: u32, add: i64, score: &mut [i64]| {
        let i = d as usize;
        if !seen[i] {
            seen[i] = true;
            touched.push(d);
        }
        score[i] += add;
    };
    // The exact name.
    let mut names = vec![q.normalized];
    if q.searched != q.normalized {
        names.push(q.searched);
    }
    for t in names {
        for e in src.entries(t).iter().filter(|e| e.field == EXACT) {
            for &d in e.docs.iter() {
                touch(d, w.exact, score);
                exact[d as usize] = true;
            }
        }
    }
    // The pairs of each part.
    // Each pair's entries read once, however many parts hold it (食品经营许可 and 食品经营).
    let mut read: std::collections::HashMap<&str, Vec<Entry>> = std::collections::HashMap::new();
    for g in parts.iter().flat_map(|p| &p.grams) {
        if !read.contains_key(g.as_str()) {
            read.insert(g.as_str(), src.entries(g));
        }
    }
    let mut covers: Vec<(&mut [u16], usize, usize)> = Vec::with_capacity(parts.len());
    let mut deferred: Vec<(i64, &Entry)> = Vec::new();
    let mut complete = false;
    for (p, cover) in parts.iter().zip(cover_pool.iter_mut()) {
        let cover = &mut cover[..n];
        let entries: Vec<&[Entry]> = p
            .grams
            .iter()
            .map(|g| read.get(g.as_str()).map_or(&[][..], Vec::as_slice))
            .collect();
        // The pairs a result is counted on: those in the index, and of these the distinctive
        // ones when there are any (许可 of 排污许可 is in most names: it adds to the score of
        // the items about 排污, it does not make every 许可 a result).
        let known: Vec<bool> = entries
            .iter()
            .map(|es| es.iter().any(|e| e.field != EXACT))
            .collect();
        let distinct: Vec<bool> = entries
            .iter()
            .zip(&known)
            .map(|(es, k)| *k && !es.iter().any(|e| e.field == NAME && common(e.df, n)))
            .collect();
        let counted = if distinct.contains(&true) {
            distinct
        } else {
            known
        };
        let mut found: Vec<u32> = Vec::new();
        for (g, es) in entries.iter().enumerate() {
            if !counted[g] {
                continue;
            }
            let g = g as u16 + 1;
            for e in es.iter() {
                let Some(fw) = w.field.get(e.field as usize) else {
                    continue;
                };
                let add = fw * p.weight * i64::from(e.idf);
                for &d in e.docs.iter() {
                    touch(d, add, score);
                    let i = d as usize;
                    if stamp[i] == 0 {
                        found.push(d);
                    }
                    if stamp[i] != g {
                        stamp[i] = g;
                        cover[i] += 1;
                    }
                    if e.field == NAME {
                        in_name[i] += 1;
                    }
                }
            }
        }
        // The pairs not counted (common ones, 许可 of 排污许可) add to the score of the results
        // only, once these are known (step 6): reading their long postings into the score of
        // every document they hold was most of a search. Here only their part in "the name holds
        // every pair" of the documents the counted pairs found.
        for (g, es) in entries.iter().enumerate() {
            if counted[g] {
                continue;
            }
            for e in es.iter() {
                let Some(fw) = w.field.get(e.field as usize) else {
                    continue;
                };
                if e.field == NAME {
                    for &d in e.docs.iter() {
                        if stamp[d as usize] != 0 {
                            in_name[d as usize] += 1;
                        }
                    }
                }
                deferred.push((fw * p.weight * i64::from(e.idf), e));
            }
        }
        let mut best = 0usize;
        for &d in &found {
            let i = d as usize;
            if !p.grams.is_empty() && usize::from(in_name[i]) >= p.grams.len() {
                score[i] += w.all_pairs * p.weight;
                complete |= !p.related;
            }
            best = best.max(usize::from(cover[i]));
            in_name[i] = 0;
            stamp[i] = 0;
        }
        let counted = counted.iter().filter(|c| **c).count();
        covers.push((cover, best, counted));
    }
    // Typos: single characters, when no name holds a part's pairs.
    if !complete && q.searched.chars().count() <= w.typo_chars {
        let single: Vec<String> = super::client::grams(q.searched, true)
            .into_iter()
            .filter(|g| g.chars().count() == 1)
            .collect();
        for c in &single {
            for e in src.entries(c) {
                let Some(fw) = w.field.get(e.field as usize) else {
                    continue;
                };
                let add = fw * w.query * i64::from(e.idf) / w.unigram_divisor;
                for &d in e.docs.iter() {
                    touch(d, add, score);
                }
            }
        }
    }
    // Results: a third of the counted pairs of a part (or as many as the best document has).
    let needs: Vec<usize> = covers
        .iter()
        .map(|(_, best, counted)| counted.div_ceil(w.need_divisor).min((*best).max(1)))
        .collect();
    let mut matched: Vec<u32> = touched
        .iter()
        .copied()
        .filter(|&d| {
            let i = d as usize;
            exact[i]
                || covers
                    .iter()
                    .zip(&needs)
                    .any(|((cover, _, _), need)| cover[i] > 0 && usize::from(cover[i]) >= *need)
        })
        .collect();
    let loose = matched.is_empty() && !touched.is_empty();
    if loose {
        // Every document found is a result: the pairs not counted too.
        for &(add, e) in &deferred {
            for &d in e.docs.iter() {
                let i = d as usize;
                if !seen[i] {
                    seen[i] = true;
                    touched.push(d);
                }
                score[i] += add;
            }
        }
        matched = touched.clone();
    } else {
        for &d in &matched {
            result[d as usize] = true;
        }
        for &(add, e) in &deferred {
            for &d in e.docs.iter() {
                if result[d as usize] {
                    score[d as usize] += add;
                }
            }
        }
        for &d in &matched {
            result[d as usize] = false;
        }
    }
    let mut hits: Vec<(u32, i64)> = matched
        .iter()
        .copied()
        .filter(|&d| keep(d))
        .map(|d| (d, score[d as usize] + src.prior(d)))
        .collect();
    for &d in &touched {
        let i = d as usize;
        score[i] = 0;
        seen[i] = false;
        exact[i] = false;
        for (cover, _, _) in covers.iter_mut() {
            cover[i] = 0;
        }
    }
    drop(covers);
    SCRATCH.with(|c| c.set(sc));
    let total = hits.len();
    let order = |a: &(u32, i64), b: &(u32, i64)| b.1.cmp(&a.1).then(a.0.cmp(&b.0));
    let head = w.head.max(want);
    if hits.len() > head {
        hits.select_nth_unstable_by(head, order);
        hits.truncate(head);
    }
    hits.sort_unstable_by(order);
    // The head, ordered again knowing the names.
    let searched_chars = q.searched.chars().count();
    for (d, s) in hits.iter_mut() {
        let name = src.name(*d);
        if searched_chars >= 2 && name.contains(q.searched) {
            *s += w.contains;
        }
        for e in q.expanded {
            if name.contains(e.as_str()) {
                *s += w.expansion_in_name;
            }
        }
        for r in q.related {
            if name.contains(r.as_str()) {
                *s += w.related_in_name;
            }
        }
        *s -= w.name_char * name.chars().count() as i64;
    }
    hits.sort_unstable_by(order);
    Ranked {
        matched,
        total,
        top: hits,
        loose,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Documents given by their folded names only (the name field and the whole name).
    struct Names(Vec<String>);

    impl Source for Names {
        fn docs(&self) -> usize {
            self.0.len()
        }

        fn entries(&self, term: &str) -> Vec<Entry<'_>> {
            let name: Vec<u32> = (0..self.0.len() as u32)
                .filter(|&d| {
                    super::super::client::grams(&self.0[d as usize], true)
                        .contains(&term.to_string())
                })
                .collect();
            let exact: Vec<u32> = (0..self.0.len() as u32)
                .filter(|&d| self.0[d as usize] == term)
                .collect();
            [(NAME, name), (EXACT, exact)]
                .into_iter()
                .filter(|(_, docs)| !docs.is_empty())
                .map(|(field, docs)| Entry {
                    field,
                    df: docs.len() as u32,
                    idf: idf(docs.len(), self.0.len()),
                    docs: Cow::Owned(docs),
                })
                .collect()
        }

        fn prior(&self, _: u32) -> i64 {
            0
        }

        fn name(&self, d: u32) -> Cow<'_, str> {
            Cow::Borrowed(self.0[d as usize].as_str())
        }
    }

    fn ids(src: &Names, q: &str) -> Vec<u32> {
        let r = rank(
            &Query {
                normalized: q,
                searched: q,
                expanded: &[],
                related: &[],
            },
            src,
            &|_| true,
            10,
        );
        r.top.iter().map(|(d, _)| *d).collect()
    }

    #[test]
    fn an_exact_name_comes_first_and_common_pairs_make_no_result() {
        let mut names: Vec<String> = ["排污许可证核发", "排污许可", "对排污许可的检查"]
            .map(String::from)
            .to_vec();
        // 许可 in most names: common; 排污 in a tenth: distinctive.
        names.extend(
            "甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未申酉戌亥天地玄"
                .chars()
                .map(|c| format!("{c}{c}许可")),
        );
        let src = Names(names);
        let found = ids(&src, "排污许可");
        assert_eq!(found[0], 1, "the exact name first: {found:?}");
        assert_eq!(found.len(), 3, "许可 alone is no result: {found:?}");
        // Equal scores go to the lower document number.
        let src = Names(vec!["甲乙".into(), "甲乙".into()]);
        assert_eq!(ids(&src, "甲乙"), [0, 1]);
    }

    #[test]
    fn scores_are_integers_of_the_same_idf_everywhere() {
        assert_eq!(idf(1, 1), 693);
        assert_eq!(idf(10, 100_000), 9_210);
        assert_eq!(shortness(5, 0, 10), WEIGHTS.shortness / 2);
        assert_eq!(service_bonus("行政许可"), 400_000);
        assert_eq!(service_bonus("行政处罚"), 0);
    }
}
