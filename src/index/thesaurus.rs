//! Related words from a general Chinese thesaurus (同义词词林扩展版, `thesaurus/cilin.txt`; its
//! origin and licence in `thesaurus/NOTICE.md`), for the words a citizen types that no item's
//! name uses: 消防栓 for 消火栓, 改名 for 更名, 工钱 for 工资.
//!
//! At build time `table` keeps, of each group of synonyms (a line of the file, code ending in
//! `=`), the words that are in no name of the index (what the citizen may say) and gives each the
//! group's words that are in some names but not in too many (what the lists say). Both indexes
//! hold the table: the server's as `_index/related.json`, the static one in its shards, under
//! the first character pair of each word (the browser has fetched that shard already for the
//! query's own pairs). At query time `expand` finds the table's words in the query and gives
//! their related words, which `rank` searches with a low weight: they add to the score, and they
//! make results like the query's own words do.
//!
//! Off unless `synonyms.toml` says `thesaurus = true`: on the blind colloquial evaluation
//! (tests/search_colloquial.rs) it found one more query of the tuning half's 97 and two fewer of
//! the held-back half's 107, so it is not the default (docs/search.md, "相关性").

use std::collections::BTreeMap;

use aho_corasick::AhoCorasick;
use rayon::prelude::*;

/// The thesaurus: `code word word …` per line, groups of synonyms only, words of two characters
/// or more.
const CILIN: &str = include_str!("thesaurus/cilin.txt");

/// Classes of the thesaurus left out: K 助语 (function words), L 敬语 (courtesies).
const SKIP_CLASSES: &[char] = &['K', 'L'];

/// A word of the lists in more than this share of the names (thousandths) is too general to be
/// a related word (公司, 管理).
const MOST_PER_MILLE: usize = 20;

/// The server's table, in the index folder.
pub const FILE: &str = "related.json";

/// Longest word of the table, in characters (longer words of the thesaurus are left out).
pub const MAX_WORD_CHARS: usize = 8;

/// A word of the table right after one of these is not looked up (不一样 is not 一样).
pub const NEGATIONS: &[char] = &['不', '没', '未', '无', '非', '别'];

/// Related words searched per query, at most.
pub const MAX_TERMS: usize = 6;

/// Word of the citizen → related words of the lists, in the thesaurus's order.
pub type Table = BTreeMap<String, Vec<String>>;

/// The groups of synonyms, folded as queries are (`query::fold`), each word made of letters
/// and digits only (a word of the table is then inside one word of a query).
fn groups() -> Vec<Vec<String>> {
    CILIN
        .lines()
        .filter_map(|line| {
            let mut words = line.split(' ');
            let code = words.next()?;
            if !code.ends_with('=') || code.starts_with(SKIP_CLASSES) {
                return None;
            }
            let mut group: Vec<String> = Vec::new();
            for w in words.map(super::query::fold) {
                if (2..=MAX_WORD_CHARS).contains(&w.chars().count())
                    && w.chars().all(char::is_alphanumeric)
                    && !group.contains(&w)
                {
                    group.push(w);
                }
            }
            (group.len() >= 2).then_some(group)
        })
        .collect()
}

/// The related words of an index of the items of `snaps`: empty unless the first one's
/// `synonyms.toml` (the root's, for the whole-tree index) says `thesaurus = true`. Off by
/// default: on the blind colloquial evaluation it did not earn its place (docs/search.md).
pub fn of_snapshots(snaps: &[&crate::snapshot::Snapshot]) -> Table {
    let on = snaps
        .first()
        .and_then(|s| s.synonyms.as_ref())
        .is_some_and(|s| s.value.thesaurus == Some(true));
    if !on {
        return Table::new();
    }
    let names: Vec<String> = snaps
        .iter()
        .flat_map(|s| s.items.iter())
        .map(|e| {
            let mut text = super::query::fold(&e.value.name);
            for sub in &e.value.sub_items {
                text.push(' ');
                text.push_str(&super::query::fold(&sub.name));
            }
            text
        })
        .collect();
    table(&names)
}

/// The thesaurus, read once: its words (sorted), each group as word numbers, and an automaton
/// finding the words in names.
struct Loaded {
    words: Vec<String>,
    groups: Vec<Vec<usize>>,
    ac: Option<AhoCorasick>,
}

fn loaded() -> &'static Loaded {
    static LOADED: std::sync::OnceLock<Loaded> = std::sync::OnceLock::new();
    LOADED.get_or_init(|| {
        let groups = groups();
        let mut words: Vec<String> = groups.iter().flatten().cloned().collect();
        words.sort_unstable();
        words.dedup();
        let groups = groups
            .iter()
            .map(|g| {
                g.iter()
                    .filter_map(|w| words.binary_search(w).ok())
                    .collect()
            })
            .collect();
        let ac = AhoCorasick::new(&words).ok();
        Loaded { words, groups, ac }
    })
}

/// The related words of an index whose documents' names (each with its sub-items' names,
/// folded) are `names`.
pub fn table(names: &[String]) -> Table {
    let t = loaded();
    let Some(ac) = &t.ac else {
        return Table::new();
    };
    // In how many names each word is.
    let df = names
        .par_iter()
        .fold(
            || (vec![0u32; t.words.len()], Vec::new()),
            |(mut df, mut seen): (Vec<u32>, Vec<usize>), name| {
                seen.clear();
                seen.extend(
                    ac.find_overlapping_iter(name.as_str())
                        .map(|m| m.pattern().as_usize()),
                );
                seen.sort_unstable();
                seen.dedup();
                for &w in &seen {
                    df[w] += 1;
                }
                (df, seen)
            },
        )
        .map(|(df, _)| df)
        .reduce(
            || vec![0u32; t.words.len()],
            |mut a, b| {
                for (x, y) in a.iter_mut().zip(b) {
                    *x += y;
                }
                a
            },
        );
    let most = (names.len() * MOST_PER_MILLE / 1000).max(1) as u32;
    let mut table = Table::new();
    for group in &t.groups {
        let lists: Vec<usize> = group
            .iter()
            .copied()
            .filter(|&w| (1..=most).contains(&df[w]))
            .collect();
        if lists.is_empty() {
            continue;
        }
        for &w in group.iter().filter(|&&w| df[w] == 0) {
            let related = table.entry(t.words[w].clone()).or_default();
            for &r in &lists {
                if !related.contains(&t.words[r]) {
                    related.push(t.words[r].clone());
                }
            }
        }
    }
    table
}

/// The related words of the table's words in `searched` (`query::strip`), given a lookup of the
/// table: a word right after a negation (`NEGATIONS`) is not looked up there; a word inside a
/// longer word of the table found in the query is left out (缺斤短两, not 短两); words by where
/// they first are in the query, longer first, then in code point order; their related words in the table's order, each once, none already in the query or
/// among `skip` (the synonyms' terms), at most `MAX_TERMS`. search.js does the same.
pub fn expand<'t>(
    searched: &str,
    lookup: impl Fn(&str) -> Option<&'t [String]>,
    skip: &[String],
) -> Vec<String> {
    let mut found: Vec<(usize, &str, &'t [String])> = Vec::new();
    for word in searched.split(|c: char| !c.is_alphanumeric()) {
        let chars: Vec<char> = word.chars().collect();
        let mut at: Vec<usize> = word.char_indices().map(|(i, _)| i).collect();
        at.push(word.len());
        let n = chars.len();
        for a in 0..n {
            // 不一样 is not 一样.
            if a > 0 && NEGATIONS.contains(&chars[a - 1]) {
                continue;
            }
            for b in a + 2..=n.min(a + MAX_WORD_CHARS) {
                let w = &word[at[a]..at[b]];
                if found.iter().any(|(_, f, _)| *f == w) {
                    continue;
                }
                if let Some(related) = lookup(w) {
                    let first = searched
                        .find(w)
                        .map_or(0, |i| searched[..i].chars().count());
                    found.push((first, w, related));
                }
            }
        }
    }
    let words: Vec<&str> = found.iter().map(|(_, w, _)| *w).collect();
    found.retain(|(_, w, _)| !words.iter().any(|v| v.len() > w.len() && v.contains(w)));
    found.sort_by(|a, b| {
        a.0.cmp(&b.0)
            .then(b.1.chars().count().cmp(&a.1.chars().count()))
            .then(a.1.cmp(b.1))
    });
    let mut out: Vec<String> = Vec::new();
    for (_, _, related) in found {
        for r in related {
            if out.len() == MAX_TERMS {
                return out;
            }
            if !out.contains(r) && !skip.contains(r) && !searched.contains(r.as_str()) {
                out.push(r.clone());
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_thesaurus_is_read_whole() {
        let g = groups();
        assert!(g.len() > 8_000, "{} groups", g.len());
        assert!(
            g.iter()
                .any(|g| g.contains(&"消防栓".into()) && g.contains(&"消火栓".into()))
        );
        assert!(g.iter().flatten().all(|w| w.chars().count() >= 2));
    }

    #[test]
    fn words_no_name_uses_get_the_words_names_use() {
        let mut names: Vec<String> = vec![
            "对埋压圈占消火栓的处罚".into(),
            "企业名称变更登记更名".into(),
            "对拖欠工资的处罚".into(),
        ];
        // 工资 in too many names is no related word.
        names.extend((0..200).map(|i| format!("事项{i}")));
        let t = table(&names);
        assert_eq!(
            t.get("消防栓").map(Vec::as_slice),
            Some(&["消火栓".to_string()][..])
        );
        assert!(
            t.get("改名")
                .is_some_and(|r| r.contains(&"更名".to_string()))
        );
        assert!(
            !t.contains_key("消火栓"),
            "a word of the names is not expanded"
        );
        let many: Vec<String> = (0..20).map(|i| format!("{i}工资")).chain(names).collect();
        assert!(
            !table(&many).contains_key("工钱"),
            "工资 is in too many names"
        );
    }

    #[test]
    fn longest_words_first_each_related_word_once() {
        let t: Table = [
            ("缺斤短两", vec!["计量"]),
            ("短两", vec!["短缺"]),
            ("消防栓", vec!["消火栓"]),
            ("没水", vec!["消火栓", "断水"]),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.into_iter().map(String::from).collect()))
        .collect();
        let look = |w: &str| t.get(w).map(Vec::as_slice);
        assert_eq!(expand("缺斤短两", look, &[]), ["计量"]);
        assert_eq!(expand("消防栓没水", look, &[]), ["消火栓", "断水"]);
        assert_eq!(expand("消防栓 没水", look, &["断水".into()]), ["消火栓"]);
        assert!(expand("消火栓", look, &[]).is_empty());
        assert!(
            expand("没消防栓", look, &[]).is_empty(),
            "after a negation: not looked up"
        );
        assert_eq!(expand("不短两 缺斤短两", look, &[]), ["计量"]);
    }
}
