//! Matching the items of two versions: which old item became which new item.
//!
//! This is the heart of `diff`. Stages, each working only on what the earlier ones left:
//!
//! 1. the same id (file name) in both versions;
//! 2. the same name (after normalisation) in the same department, when unique on both sides;
//! 3. the same name and category in another department (a transfer), when unique on both sides;
//! 4. similarity of name and legal basis, as an *assignment*: candidate pairs above a threshold
//!    (higher across departments) form connected groups, and each group is solved for the
//!    largest total similarity (Hungarian method), so a near-duplicate never steals the partner
//!    of a better match;
//! 5. merges and splits: an item left over whose name is mostly contained in the name of an item
//!    of its department on the other side, or holds that name (weighted by how rare each
//!    character pair is, so the boilerplate of "对……的处罚" counts for little), and whose laws
//!    are among that item's (or whose name is joined to another's there by 和/及/与/并/、),
//!    joins that item's group: N old → 1 new is a merge, 1 old → N new
//!    a split. A left-over whose name is a sub-item's name of one item on the other side joins
//!    that item's group too (items merged into one often become its sub-items).
//!
//! Everything left over is cancelled (old side) or added (new side). The procedure treats both
//! sides alike, so diff(A, B) mirrors diff(B, A).

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use fnv::FnvHashMap;
use rayon::prelude::*;

use unicode_normalization::UnicodeNormalization;

/// What matching needs to know of one item.
#[derive(Debug, Clone)]
pub struct Info<'a> {
    pub id: &'a str,
    pub folder: &'a str,
    pub category: &'a str,
    /// What is worked out from the item's text, shared (`Arc`) by the two versions' copies of an
    /// item that is the same in both: 98% of a typical adjustment, where copying the strings and
    /// lists of 100,000 items, and freeing them again, cost a tenth of a second.
    key: Arc<Key>,
}

/// The normalised parts of an item that matching compares (reached through `Info` by `Deref`).
#[derive(Debug, Clone)]
pub struct Key {
    /// Normalised name: NFKC, lowercase, letters and digits only.
    pub name: String,
    /// Titles of the laws cited in the basis, normalised, sorted, without duplicates.
    pub laws: Vec<String>,
    /// Normalised sub-item names, joined: tells apart items of the same name.
    pub subs: String,
    /// Character pairs of the name (see `grams`), sorted, without duplicates.
    pub grams: Vec<u64>,
    /// The name joins several things with 和, 及, 与, 并 or 、 (as merged items are named:
    /// 对A和B的处罚).
    pub joined: bool,
}

impl std::ops::Deref for Info<'_> {
    type Target = Key;

    fn deref(&self) -> &Key {
        &self.key
    }
}

impl<'a> Info<'a> {
    pub fn new(
        id: &'a str,
        folder: &'a str,
        category: &'a str,
        name: &str,
        basis: &crate::model::Basis,
    ) -> Info<'a> {
        let mut laws: Vec<String> = basis
            .entries
            .iter()
            .map(|e| normalize_law(&e.title))
            .filter(|t| !t.is_empty())
            .collect();
        if laws.is_empty() {
            laws = law_titles(&basis.text);
        }
        laws.sort();
        laws.dedup();
        let joined = joins(name);
        let name = normalize(name);
        let mut grams: Vec<u64> = grams(&name).collect();
        grams.sort_unstable();
        grams.dedup();
        Info {
            id,
            folder,
            category,
            key: Arc::new(Key {
                name,
                laws,
                subs: String::new(),
                grams,
                joined,
            }),
        }
    }

    /// What matching needs of an item that sits in department folder `folder`.
    pub fn of_item(item: &'a crate::model::Item, folder: &'a str) -> Info<'a> {
        Info::new(
            item.id.as_str(),
            folder,
            item.category.as_str(),
            item.name.as_str(),
            &item.basis,
        )
        .with_subs(item.sub_items.iter().map(|s| s.name.as_str()))
    }

    /// With the item's sub-item names.
    pub fn with_subs<'s>(mut self, subs: impl Iterator<Item = &'s str>) -> Self {
        // A new `Info` owns its key alone: `make_mut` does not copy it.
        Arc::make_mut(&mut self.key).subs = subs.map(normalize).collect::<Vec<_>>().join("|");
        self
    }
}

/// Does a name join several things (对A和B的处罚, A及B, A、B)? Not the 和 of a law's title
/// (《中华人民共和国…》) nor of words that only contain a joining character (涉及, 参与, 合并 …).
pub fn joins(name: &str) -> bool {
    let mut outside = String::with_capacity(name.len());
    let mut depth = 0usize;
    for c in name.chars() {
        match c {
            '《' | '<' => depth += 1,
            '》' | '>' => depth = depth.saturating_sub(1),
            c if depth == 0 => outside.push(c),
            _ => {}
        }
    }
    for word in [
        "共和国",
        "涉及",
        "参与",
        "合并",
        "兼并",
        "吞并",
        "并购",
        "并网",
        "及时",
        "危及",
        "普及",
        "波及",
        "和谐",
        "和平",
        "给与",
        "授与",
        "与否",
        "并处",
        "并罚",
        "并行",
    ] {
        outside = outside.replace(word, "");
    }
    outside.contains(['和', '及', '与', '并', '、'])
}

/// How a pair was found.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum How {
    Id,
    Name,
    NameElsewhere,
    Similar(f64),
}

impl How {
    pub fn as_str(&self) -> &'static str {
        match self {
            How::Id => "id",
            How::Name => "name",
            How::NameElsewhere => "name-elsewhere",
            How::Similar(_) => "similarity",
        }
    }
}

#[derive(Debug, Default)]
pub struct Matching {
    /// (old index, new index, how).
    pub pairs: Vec<(usize, usize, How)>,
    /// Several old items → one new item.
    pub merges: Vec<(Vec<usize>, usize)>,
    /// One old item → several new items.
    pub splits: Vec<(usize, Vec<usize>)>,
    pub cancelled: Vec<usize>,
    pub added: Vec<usize>,
}

/// Lowest similarity at which two items with different names are taken as one.
pub const SIMILAR: f64 = 0.5;
/// The same, for items of different departments (renamed *and* transferred): two departments
/// often hold items worded alike (对……违反……规定……的处罚) that are not one item.
pub const SIMILAR_ELSEWHERE: f64 = 0.75;
/// Names less alike than this never match, whatever their basis says (one law is the basis of
/// many different items).
pub const MIN_NAME: f64 = 0.35;
/// How much of an item's name must appear in another's for a merge or split.
pub const CONTAINED: f64 = 0.8;
/// Largest group solved exactly; larger groups (rare: masses of near-identical names) greedily.
const EXACT: usize = 80;

pub fn match_items(old: &[Info], new: &[Info]) -> Matching {
    let mut old_to: Vec<Option<usize>> = vec![None; old.len()];
    let mut new_to: Vec<Option<usize>> = vec![None; new.len()];
    let mut pairs: Vec<(usize, usize, How)> = Vec::new();
    fn pair(
        o: usize,
        n: usize,
        how: How,
        pairs: &mut Vec<(usize, usize, How)>,
        old_to: &mut [Option<usize>],
        new_to: &mut [Option<usize>],
    ) {
        old_to[o] = Some(n);
        new_to[n] = Some(o);
        pairs.push((o, n, how));
    }

    // 1. by id
    let by_id: FnvHashMap<&str, usize> = new.iter().enumerate().map(|(i, n)| (n.id, i)).collect();
    for (o, info) in old.iter().enumerate() {
        if let Some(&n) = by_id.get(info.id) {
            pair(o, n, How::Id, &mut pairs, &mut old_to, &mut new_to);
        }
    }

    // 2. by name in the same department; 3. by name and category elsewhere. Each first with the
    // sub-items (which tell apart items of one name), then without.
    for (stage, with_subs) in [
        (How::Name, true),
        (How::Name, false),
        (How::NameElsewhere, true),
        (How::NameElsewhere, false),
    ] {
        let key = |i: &Info| -> (String, String) {
            let name = if with_subs {
                format!("{}#{}", i.name, i.subs)
            } else {
                i.name.clone()
            };
            match stage {
                How::Name => (i.folder.to_string(), name),
                _ => (i.category.to_string(), name),
            }
        };
        let unique = |infos: &[Info], to: &[Option<usize>]| {
            let mut m: HashMap<(String, String), Option<usize>> = HashMap::new();
            for (i, info) in infos.iter().enumerate() {
                if to[i].is_none() && !info.name.is_empty() {
                    m.entry(key(info))
                        .and_modify(|v| *v = None)
                        .or_insert(Some(i));
                }
            }
            m
        };
        let olds = unique(old, &old_to);
        let news = unique(new, &new_to);
        let mut found: Vec<(usize, usize)> = olds
            .iter()
            .filter_map(|(k, o)| Some(((*o)?, (*news.get(k)?)?)))
            .collect();
        found.sort_unstable();
        for (o, n) in found {
            pair(o, n, stage, &mut pairs, &mut old_to, &mut new_to);
        }
    }

    // 4. by similarity, as an assignment
    let rest_old: Vec<usize> = (0..old.len()).filter(|&i| old_to[i].is_none()).collect();
    let rest_new: Vec<usize> = (0..new.len()).filter(|&i| new_to[i].is_none()).collect();
    let weights = Weights::new(old, new, &rest_old, &rest_new);
    let edges = candidates(old, new, &rest_old, &rest_new, &weights);
    for (o, n, s) in assign(&edges) {
        pair(o, n, How::Similar(s), &mut pairs, &mut old_to, &mut new_to);
    }

    // 5. merges and splits
    let rest_old: Vec<usize> = (0..old.len()).filter(|&i| old_to[i].is_none()).collect();
    let rest_new: Vec<usize> = (0..new.len()).filter(|&i| new_to[i].is_none()).collect();
    let mut used_old: HashSet<usize> = HashSet::new();
    let mut used_new: HashSet<usize> = HashSet::new();
    let mut dropped_pairs: HashSet<(usize, usize)> = HashSet::new();
    let merges = groups(
        old,
        new,
        &rest_old,
        &new_to,
        &weights,
        &mut used_old,
        &mut used_new,
        &mut dropped_pairs,
    );
    let rest_new2: Vec<usize> = rest_new
        .iter()
        .copied()
        .filter(|n| !used_new.contains(n))
        .collect();
    let old_to_filtered: Vec<Option<usize>> = old_to
        .iter()
        .enumerate()
        .map(|(o, t)| t.filter(|n| !dropped_pairs.contains(&(o, *n)) && !used_old.contains(&o)))
        .collect();
    let mut used_new_b: HashSet<usize> = HashSet::new();
    let mut used_old_b: HashSet<usize> = used_old.clone();
    let mut dropped_b: HashSet<(usize, usize)> = HashSet::new();
    // A split is a merge seen from the other side.
    let splits_rev = groups(
        new,
        old,
        &rest_new2,
        &old_to_filtered,
        &weights,
        &mut used_new_b,
        &mut used_old_b,
        &mut dropped_b,
    );
    for (n, o) in &dropped_b {
        dropped_pairs.insert((*o, *n));
    }
    used_new.extend(used_new_b);
    used_old.extend(used_old_b);

    let mut m = Matching {
        pairs: pairs
            .into_iter()
            .filter(|(o, n, _)| !dropped_pairs.contains(&(*o, *n)))
            .collect(),
        merges,
        splits: splits_rev.into_iter().map(|(news, o)| (o, news)).collect(),
        ..Matching::default()
    };
    m.cancelled = rest_old
        .into_iter()
        .filter(|o| !used_old.contains(o))
        .collect();
    m.added = rest_new
        .into_iter()
        .filter(|n| !used_new.contains(n))
        .collect();
    m
}

/// Merge groups: left-over items of side A whose names are contained in an item of side B.
/// Returns (A items, B item); `to_a` maps B items to their 1:1 partner in A, which joins the group.
#[allow(clippy::too_many_arguments)]
fn groups(
    a: &[Info],
    b: &[Info],
    rest_a: &[usize],
    b_to_a: &[Option<usize>],
    w: &Weights,
    used_a: &mut HashSet<usize>,
    used_b: &mut HashSet<usize>,
    dropped: &mut HashSet<(usize, usize)>,
) -> Vec<(Vec<usize>, usize)> {
    if rest_a.is_empty() {
        return Vec::new();
    }
    let p_names: Vec<&str> = a.iter().map(|x| x.name.as_str()).collect();
    // B items of the left-overs' departments, by the character pairs the left-overs use.
    let folders: fnv::FnvHashSet<&str> = rest_a.iter().map(|&i| a[i].folder).collect();
    let wanted: fnv::FnvHashSet<u64> = rest_a
        .iter()
        .flat_map(|&i| a[i].grams.iter().copied())
        .collect();
    let mut in_folder: FnvHashMap<&str, Vec<u32>> = FnvHashMap::default();
    for (j, info) in b.iter().enumerate() {
        if folders.contains(info.folder) {
            in_folder.entry(info.folder).or_default().push(j as u32);
        }
    }
    // One inverted list per department, built in parallel.
    let index: FnvHashMap<&str, FnvHashMap<u64, Vec<u32>>> = in_folder
        .into_par_iter()
        .map(|(folder, items)| {
            let mut postings: FnvHashMap<u64, Vec<u32>> = FnvHashMap::default();
            for j in items {
                for &g in &b[j as usize].grams {
                    if wanted.contains(&g) {
                        postings.entry(g).or_default().push(j);
                    }
                }
            }
            (folder, postings)
        })
        .collect();
    // B items by the names of their sub-items: items merged into one often become its
    // sub-items (and an item split up, its sub-items become items).
    let mut by_sub: FnvHashMap<(&str, &str), Vec<usize>> = FnvHashMap::default();
    for (j, info) in b.iter().enumerate() {
        if !info.subs.is_empty() && folders.contains(info.folder) {
            for sub in info.subs.split('|').filter(|s| !s.is_empty()) {
                by_sub.entry((info.folder, sub)).or_default().push(j);
            }
        }
    }
    let best: Vec<Option<usize>> = rest_a
        .par_iter()
        .map_init(
            || (vec![0u16; b.len()], Vec::<u32>::new()),
            |(counts, touched), &i| {
                let l = &a[i];
                // A left-over named like a sub-item of one item on the other side is part of it.
                if let Some(js) = by_sub.get(&(l.folder, l.name.as_str()))
                    && let [j] = js.as_slice()
                {
                    return Some(*j);
                }
                let postings = index.get(l.folder);
                for &g in &l.grams {
                    let found = postings.and_then(|p| p.get(&g));
                    for &j in found.map_or(&[][..], Vec::as_slice) {
                        if counts[j as usize] == 0 {
                            touched.push(j);
                        }
                        counts[j as usize] += 1;
                    }
                }
                let mut best: Option<(f64, usize)> = None;
                for &j in touched.iter() {
                    let shared = counts[j as usize] as usize;
                    counts[j as usize] = 0;
                    let j = j as usize;
                    // Containment of 80% by weight needs a good share of the pairs themselves.
                    if 2 * shared < l.grams.len().min(b[j].grams.len()) {
                        continue;
                    }
                    // A merged item's basis holds its parts' bases, and a split piece's basis is
                    // part of the whole's: the left-over's laws are among the other's. Unless
                    // the other's name joins the left-over's with another (对A和B的处罚): an
                    // editor merging items often keeps only one of their bases.
                    let laws_differ = !l.laws.is_empty()
                        && !b[j].laws.is_empty()
                        && !l.laws.iter().all(|x| b[j].laws.binary_search(x).is_ok());
                    if laws_differ && !b[j].joined {
                        continue;
                    }
                    // Parts of a merge sit inside the merged name; the pieces of a split hold the
                    // whole name and a qualifier. An item that kept its name (its partner's name
                    // is its own) takes in only names inside its own: one that merely extends it
                    // is a new item, not a piece of it.
                    let inside = w.contained(l, &b[j]);
                    let kept_name = b_to_a[j].is_some_and(|p| p_names[p] == b[j].name.as_str());
                    let c = if kept_name {
                        inside
                    } else {
                        inside.max(w.contained(&b[j], l))
                    };
                    if c >= CONTAINED
                        && best.is_none_or(|(s, bj)| c > s || (c == s && b[j].id < b[bj].id))
                    {
                        best = Some((c, j));
                    }
                }
                touched.clear();
                best.map(|(_, j)| j)
            },
        )
        .collect();
    let mut target: HashMap<usize, Vec<usize>> = HashMap::new();
    for (&i, j) in rest_a.iter().zip(best) {
        if let Some(j) = j {
            target.entry(j).or_default().push(i);
        }
    }
    let mut out: Vec<(Vec<usize>, usize)> = Vec::new();
    let mut targets: Vec<_> = target.into_iter().collect();
    targets.sort_unstable();
    for (j, mut members) in targets {
        if used_b.contains(&j) {
            continue;
        }
        if let Some(p) = b_to_a[j] {
            members.push(p);
            dropped.insert((p, j));
        }
        if members.len() < 2 {
            if let Some(p) = b_to_a[j] {
                dropped.remove(&(p, j));
            }
            continue;
        }
        members.sort_unstable();
        used_a.extend(members.iter().copied());
        used_b.insert(j);
        out.push((members, j));
    }
    out
}

/// Rarity weights of character pairs, counted over both versions.
pub struct Weights {
    weight: FnvHashMap<u64, f64>,
    default: f64,
}

impl Weights {
    fn new(old: &[Info], new: &[Info], rest_old: &[usize], rest_new: &[usize]) -> Weights {
        let mut wanted: fnv::FnvHashSet<u64> = fnv::FnvHashSet::default();
        for &i in rest_old {
            wanted.extend(old[i].grams.iter().copied());
        }
        for &i in rest_new {
            wanted.extend(new[i].grams.iter().copied());
        }
        // Merges and splits also weigh the names of matched items; count over everything
        // (200,000 names at 100k: in parallel).
        let df: FnvHashMap<u64, usize> = old
            .par_iter()
            .chain(new.par_iter())
            .fold(
                FnvHashMap::default,
                |mut df: FnvHashMap<u64, usize>, info| {
                    for g in info.grams.iter().filter(|g| wanted.contains(g)) {
                        *df.entry(*g).or_default() += 1;
                    }
                    df
                },
            )
            .reduce(FnvHashMap::default, |mut a, b| {
                for (g, c) in b {
                    *a.entry(g).or_default() += c;
                }
                a
            });
        let df = wanted
            .into_iter()
            .map(|g| (g, df.get(&g).copied().unwrap_or(0)));
        let total = (old.len() + new.len()).max(1) as f64;
        let weight = df
            .into_iter()
            .map(|(g, c)| (g, (1.0 + total / (c.max(1) as f64)).ln()))
            .collect();
        Weights {
            weight,
            default: (1.0 + total).ln(),
        }
    }

    fn of(&self, g: u64) -> f64 {
        self.weight.get(&g).copied().unwrap_or(self.default)
    }

    fn sum(&self, grams: &[u64]) -> f64 {
        grams.iter().map(|&g| self.of(g)).sum()
    }

    /// Weight of the pairs two sorted lists share.
    fn common(&self, a: &[u64], b: &[u64]) -> f64 {
        let (mut i, mut j, mut sum) = (0, 0, 0.0);
        while i < a.len() && j < b.len() {
            match a[i].cmp(&b[j]) {
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Greater => j += 1,
                std::cmp::Ordering::Equal => {
                    sum += self.of(a[i]);
                    i += 1;
                    j += 1;
                }
            }
        }
        sum
    }

    /// Weighted Dice similarity of two names' character pairs (symmetric).
    pub fn similarity(&self, a: &Info, b: &Info) -> f64 {
        let total = self.sum(&a.grams) + self.sum(&b.grams);
        if total == 0.0 {
            return 0.0;
        }
        2.0 * self.common(&a.grams, &b.grams) / total
    }

    /// How much of `a`'s name (weighted) appears in `b`'s.
    pub fn contained(&self, a: &Info, b: &Info) -> f64 {
        let total = self.sum(&a.grams);
        if total == 0.0 {
            return 0.0;
        }
        self.common(&a.grams, &b.grams) / total
    }
}

/// Similarity of two items: name (weighted), basis laws, category and department.
pub fn score(w: &Weights, a: &Info, b: &Info) -> f64 {
    let name = w.similarity(a, b);
    let mut s = if a.laws.is_empty() || b.laws.is_empty() {
        name
    } else {
        // Two items citing entirely different laws are rarely the same item.
        0.7 * name + 0.3 * overlap(&a.laws, &b.laws)
    };
    if name < MIN_NAME {
        return 0.0;
    }
    if !a.category.is_empty() && !b.category.is_empty() && a.category != b.category {
        s -= 0.15;
    }
    if a.folder == b.folder {
        s += 0.05;
    }
    if a.subs == b.subs && !a.subs.is_empty() {
        s += 0.03;
    }
    s.max(0.0)
}

/// Jaccard overlap of two sorted lists.
fn overlap(a: &[String], b: &[String]) -> f64 {
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let common = a.iter().filter(|x| b.binary_search(x).is_ok()).count();
    common as f64 / (a.len() + b.len() - common) as f64
}

/// Candidate pairs (old, new, score ≥ SIMILAR) among the left-over items: pairs that share at
/// least one character pair that is not common among the left-overs.
fn candidates(
    old: &[Info],
    new: &[Info],
    rest_old: &[usize],
    rest_new: &[usize],
    w: &Weights,
) -> Vec<(usize, usize, f64)> {
    if rest_old.is_empty() || rest_new.is_empty() {
        return Vec::new();
    }
    let mut index: FnvHashMap<u64, Vec<u32>> = FnvHashMap::default();
    for &j in rest_new {
        for &g in &new[j].grams {
            index.entry(g).or_default().push(j as u32);
        }
    }
    let found: Vec<Vec<(usize, usize, f64)>> = rest_old
        .par_iter()
        .map_init(
            || (vec![0u16; new.len()], Vec::<u32>::new()),
            |(counts, touched), &i| {
                let o = &old[i];
                for &g in &o.grams {
                    for &j in index.get(&g).map_or(&[][..], Vec::as_slice) {
                        if counts[j as usize] == 0 {
                            touched.push(j);
                        }
                        counts[j as usize] = counts[j as usize].saturating_add(1);
                    }
                }
                let mut out = Vec::new();
                for &j in touched.iter() {
                    let shared = counts[j as usize] as usize;
                    counts[j as usize] = 0;
                    let j = j as usize;
                    // Names alike by MIN_NAME share at least a few of their pairs.
                    if 4 * shared < o.grams.len().min(new[j].grams.len()) {
                        continue;
                    }
                    let s = score(w, o, &new[j]);
                    let bar = if o.folder == new[j].folder {
                        SIMILAR
                    } else {
                        SIMILAR_ELSEWHERE
                    };
                    if s >= bar {
                        out.push((i, j, s));
                    }
                }
                touched.clear();
                out
            },
        )
        .collect();
    found.into_iter().flatten().collect()
}

/// Solve the assignment: the set of pairs with the largest total score, no item twice.
fn assign(edges: &[(usize, usize, f64)]) -> Vec<(usize, usize, f64)> {
    // Connected groups of candidate pairs (union-find over old and new nodes).
    let mut olds: Vec<usize> = edges.iter().map(|e| e.0).collect();
    olds.sort_unstable();
    olds.dedup();
    let mut news: Vec<usize> = edges.iter().map(|e| e.1).collect();
    news.sort_unstable();
    news.dedup();
    let node_old = |o: usize| olds.binary_search(&o).unwrap_or(0);
    let node_new = |n: usize| olds.len() + news.binary_search(&n).unwrap_or(0);
    let mut parent: Vec<usize> = (0..olds.len() + news.len()).collect();
    fn find(p: &mut [usize], mut x: usize) -> usize {
        while p[x] != x {
            p[x] = p[p[x]];
            x = p[x];
        }
        x
    }
    for e in edges {
        let (a, b) = (
            find(&mut parent, node_old(e.0)),
            find(&mut parent, node_new(e.1)),
        );
        if a != b {
            parent[a] = b;
        }
    }
    let mut comps: HashMap<usize, Vec<(usize, usize, f64)>> = HashMap::new();
    for e in edges {
        let r = find(&mut parent, node_old(e.0));
        comps.entry(r).or_default().push(*e);
    }
    let mut comps: Vec<Vec<(usize, usize, f64)>> = comps.into_values().collect();
    comps.sort_by_key(|c| (c[0].0, c[0].1));
    let mut out = Vec::new();
    for comp in comps {
        if comp.len() == 1 {
            out.push(comp[0]);
            continue;
        }
        let mut co: Vec<usize> = comp.iter().map(|e| e.0).collect();
        co.sort_unstable();
        co.dedup();
        let mut cn: Vec<usize> = comp.iter().map(|e| e.1).collect();
        cn.sort_unstable();
        cn.dedup();
        if co.len().max(cn.len()) <= EXACT {
            let mut m = vec![vec![0.0f64; cn.len()]; co.len()];
            for e in &comp {
                if let (Ok(r), Ok(c)) = (co.binary_search(&e.0), cn.binary_search(&e.1)) {
                    m[r][c] = e.2;
                }
            }
            for (r, c) in hungarian_max(&m) {
                if m[r][c] >= SIMILAR {
                    out.push((co[r], cn[c], m[r][c]));
                }
            }
        } else {
            let mut sorted = comp.clone();
            sorted.sort_by(|a, b| b.2.total_cmp(&a.2).then(a.0.cmp(&b.0)).then(a.1.cmp(&b.1)));
            let mut uo = HashSet::new();
            let mut un = HashSet::new();
            for e in sorted {
                if !uo.contains(&e.0) && !un.contains(&e.1) {
                    uo.insert(e.0);
                    un.insert(e.1);
                    out.push(e);
                }
            }
        }
    }
    out
}

/// Maximum-weight assignment of a rows × columns matrix (Hungarian method with potentials,
/// O(n³)); returns (row, column) pairs. Rows or columns left without a partner are omitted.
pub fn hungarian_max(m: &[Vec<f64>]) -> Vec<(usize, usize)> {
    let rows = m.len();
    let cols = m.first().map_or(0, Vec::len);
    let n = rows.max(cols);
    if n == 0 {
        return Vec::new();
    }
    // Minimise cost = 1 - score on a square matrix padded with cost 1 (score 0).
    let cost = |i: usize, j: usize| -> f64 {
        if i < rows && j < cols {
            1.0 - m[i][j]
        } else {
            1.0
        }
    };
    let inf = f64::INFINITY;
    let mut u = vec![0.0; n + 1];
    let mut v = vec![0.0; n + 1];
    let mut p = vec![0usize; n + 1];
    let mut way = vec![0usize; n + 1];
    for i in 1..=n {
        p[0] = i;
        let mut j0 = 0;
        let mut minv = vec![inf; n + 1];
        let mut used = vec![false; n + 1];
        loop {
            used[j0] = true;
            let i0 = p[j0];
            let mut delta = inf;
            let mut j1 = 0;
            for j in 1..=n {
                if !used[j] {
                    let cur = cost(i0 - 1, j - 1) - u[i0] - v[j];
                    if cur < minv[j] {
                        minv[j] = cur;
                        way[j] = j0;
                    }
                    if minv[j] < delta {
                        delta = minv[j];
                        j1 = j;
                    }
                }
            }
            for j in 0..=n {
                if used[j] {
                    u[p[j]] += delta;
                    v[j] -= delta;
                } else {
                    minv[j] -= delta;
                }
            }
            j0 = j1;
            if p[j0] == 0 {
                break;
            }
        }
        loop {
            let j1 = way[j0];
            p[j0] = p[j1];
            j0 = j1;
            if j0 == 0 {
                break;
            }
        }
    }
    let mut out = Vec::new();
    for (j, &i) in p.iter().enumerate().skip(1) {
        if i >= 1 && i - 1 < rows && j - 1 < cols {
            out.push((i - 1, j - 1));
        }
    }
    out.sort_unstable();
    out
}

/// Character pairs of a normalised name as integers (a one-character name: the character).
fn grams(name: &str) -> impl Iterator<Item = u64> + '_ {
    let chars: Vec<char> = name.chars().collect();
    let single = (chars.len() == 1).then(|| chars[0] as u64);
    let pairs: Vec<u64> = chars
        .windows(2)
        .map(|w| ((w[0] as u64) << 32) | w[1] as u64)
        .collect();
    single.into_iter().chain(pairs)
}

/// NFKC, lowercase, letters and digits only.
pub fn normalize(s: &str) -> String {
    // Most names are CJK ideographs, ASCII and CJK punctuation, which NFKC leaves alone (bar the
    // full-width forms): skip the normaliser for them.
    let plain = |c: char| {
        c.is_ascii()
            || ('\u{4E00}'..='\u{9FFF}').contains(&c)
            || ('\u{3000}'..='\u{3011}').contains(&c)
    };
    if s.chars().all(plain) {
        return s
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || ('\u{4E00}'..='\u{9FFF}').contains(c))
            .map(|c| c.to_ascii_lowercase())
            .collect();
    }
    normalize_full(s)
}

fn normalize_full(s: &str) -> String {
    s.nfkc()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

fn normalize_law(title: &str) -> String {
    let t = normalize(title);
    t.strip_prefix("中华人民共和国")
        .map_or(t.clone(), str::to_string)
}

/// Titles in 《》 in a basis text.
fn law_titles(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find('《') {
        let after = &rest[start + '《'.len_utf8()..];
        let Some(end) = after.find('》') else { break };
        let t = normalize_law(&after[..end]);
        if !t.is_empty() {
            out.push(t);
        }
        rest = &after[end + '》'.len_utf8()..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Basis;

    fn info<'a>(id: &'a str, folder: &'a str, name: &str, law: &str) -> Info<'a> {
        let basis = Basis {
            text: if law.is_empty() {
                String::new()
            } else {
                format!("《{law}》第一条")
            },
            ..Basis::default()
        };
        Info::new(id, folder, "行政处罚", name, &basis)
    }

    #[test]
    fn hungarian_beats_first_match() {
        // Greedy would take (0,0)=0.9 and leave row 1 with 0.1; the best total is 0.8 + 0.85.
        let m = vec![vec![0.9, 0.8], vec![0.85, 0.1]];
        assert_eq!(hungarian_max(&m), vec![(0, 1), (1, 0)]);
        let rect = vec![vec![0.2], vec![0.9], vec![0.5]];
        assert_eq!(hungarian_max(&rect), vec![(1, 0)]);
    }

    #[test]
    fn the_fast_normaliser_agrees_with_nfkc() {
        for s in [
            "对未取得许可擅自从事经营活动的处罚",
            "《中华人民共和国行政许可法》第12条、第十三条。【法律】",
            "Ab、c。d「e」",
            "对ＡＢＣ公司（第一分局）的检查",
        ] {
            assert_eq!(normalize(s), normalize_full(s), "{s}");
        }
    }

    #[test]
    fn law_titles_are_found() {
        assert_eq!(
            law_titles("【法律】《中华人民共和国行政许可法》第十二条；《 食品安全法 》"),
            vec!["行政许可法".to_string(), "食品安全法".to_string()]
        );
    }

    #[test]
    fn stages() {
        let old = vec![
            info("a1", "d1", "对甲的处罚", "甲法"),
            info("a2", "d1", "对乙的处罚", "乙法"),
            info("a3", "d1", "丙许可", "丙法"),
            info(
                "a4",
                "d1",
                "对废弃电器电子产品处理企业的检查",
                "废弃电器电子产品回收处理管理条例",
            ),
            info("a5", "d1", "戊证核发", "戊法"),
        ];
        let new = vec![
            info("a1", "d1", "对甲的处罚", "甲法"),
            info("b2", "d1", "对乙的处罚", "乙法"),
            info("c3", "d2", "丙许可", "丙法"),
            info(
                "b4",
                "d1",
                "对废弃电器电子产品处理企业的监督检查",
                "废弃电器电子产品回收处理管理条例",
            ),
            info("b6", "d1", "己证核发", "己法"),
        ];
        let m = match_items(&old, &new);
        let hows: Vec<(usize, usize, &str)> = m
            .pairs
            .iter()
            .map(|(o, n, h)| (*o, *n, h.as_str()))
            .collect();
        assert!(hows.contains(&(0, 0, "id")));
        assert!(hows.contains(&(1, 1, "name")));
        assert!(hows.contains(&(2, 2, "name-elsewhere")));
        assert!(hows.contains(&(3, 3, "similarity")), "{hows:?}");
        assert_eq!(m.cancelled, vec![4]);
        assert_eq!(m.added, vec![4]);
    }

    #[test]
    fn merge_and_split_mirror() {
        let a = vec![
            info(
                "x1",
                "d",
                "对未按规定报送危险废物管理计划的处罚",
                "固体废物污染环境防治法",
            ),
            info(
                "x2",
                "d",
                "对未按规定申报危险废物产生种类和产生量的处罚",
                "固体废物污染环境防治法",
            ),
            info(
                "x3",
                "d",
                "对擅自关闭闲置拆除污染防治设施的处罚",
                "大气污染防治法",
            ),
        ];
        let b = vec![
            info(
                "y1",
                "d",
                "对未按规定报送危险废物管理计划、申报危险废物产生种类和产生量的处罚",
                "固体废物污染环境防治法",
            ),
            info(
                "x3",
                "d",
                "对擅自关闭闲置拆除污染防治设施的处罚",
                "大气污染防治法",
            ),
        ];
        let m = match_items(&a, &b);
        assert_eq!(m.merges, vec![(vec![0, 1], 0)]);
        assert!(m.cancelled.is_empty() && m.added.is_empty());
        let r = match_items(&b, &a);
        assert_eq!(r.splits, vec![(0, vec![0, 1])]);
        assert!(r.cancelled.is_empty() && r.added.is_empty());
    }

    #[test]
    fn items_that_become_sub_items_are_a_merge_and_back_a_split() {
        let a = vec![
            info("x1", "d", "档案中介服务机构备案", "档案法"),
            info("x2", "d", "档案数字化外包服务机构备案", "档案法"),
            info("x3", "d", "对档案工作的监督检查", "档案法"),
        ];
        let b = vec![
            info("y1", "d", "档案服务机构备案管理", "档案法")
                .with_subs(["档案中介服务机构备案", "档案数字化外包服务机构备案"].into_iter()),
            info("x3", "d", "对档案工作的监督检查", "档案法"),
        ];
        let m = match_items(&a, &b);
        assert_eq!(m.merges, vec![(vec![0, 1], 0)], "{m:?}");
        assert!(m.cancelled.is_empty() && m.added.is_empty());
        let r = match_items(&b, &a);
        assert_eq!(r.splits, vec![(0, vec![0, 1])], "{r:?}");
        assert!(r.cancelled.is_empty() && r.added.is_empty());
    }

    #[test]
    fn merges_named_with_conjunctions() {
        // (old names with their laws, the merged name with its laws)
        /// (name, law)
        type Named<'a> = (&'a str, &'a str);
        let cases: &[(&[Named], Named)] = &[
            (
                &[
                    (
                        "对零售商供应商公平交易违法违规行为的处罚",
                        "零售商供应商公平交易管理办法",
                    ),
                    ("对零售商促销违法违规行为的处罚", "零售商促销行为管理办法"),
                ],
                (
                    "对零售商供应商公平交易和促销违法违规行为的处罚",
                    "零售商供应商公平交易管理办法",
                ),
            ),
            (
                &[
                    ("建设工程消防设计审查", "消防法"),
                    ("建设工程消防验收", "消防法"),
                ],
                ("建设工程消防设计审查及消防验收", "消防法"),
            ),
            (
                &[
                    ("对统计调查对象拒绝提供统计资料的处罚", "统计法"),
                    ("对统计调查对象提供不真实统计资料的处罚", "统计法"),
                ],
                (
                    "对统计调查对象拒绝提供统计资料、提供不真实统计资料的处罚",
                    "统计法",
                ),
            ),
            (
                &[
                    (
                        "放射性同位素转让审批",
                        "放射性同位素与射线装置安全和防护条例",
                    ),
                    (
                        "放射性同位素进口审批",
                        "放射性同位素与射线装置安全和防护条例",
                    ),
                ],
                (
                    "放射性同位素转让与进口审批",
                    "放射性同位素与射线装置安全和防护条例",
                ),
            ),
        ];
        for (olds, (merged, law)) in cases {
            let mut a: Vec<Info> = olds
                .iter()
                .enumerate()
                .map(|(i, (n, l))| info(["o1", "o2", "o3"][i], "d", n, l))
                .collect();
            a.push(info("keep", "d", "对档案工作的监督检查", "档案法"));
            let b = vec![
                info("m", "d", merged, law),
                info("keep", "d", "对档案工作的监督检查", "档案法"),
            ];
            let m = match_items(&a, &b);
            assert_eq!(m.merges, vec![(vec![0, 1], 0)], "{merged}: {m:?}");
            assert!(m.cancelled.is_empty() && m.added.is_empty(), "{merged}");
            let r = match_items(&b, &a);
            assert_eq!(r.splits, vec![(0, vec![0, 1])], "{merged}: {r:?}");
        }
    }

    #[test]
    fn what_joins_a_name() {
        assert!(joins("对零售商供应商公平交易和促销违法违规行为的处罚"));
        assert!(joins("建设工程消防设计审查及消防验收"));
        assert!(joins("对拒绝提供统计资料、提供不真实统计资料的处罚"));
        assert!(!joins("对违反《中华人民共和国统计法》规定的处罚"));
        assert!(!joins("对涉及国家秘密的档案的检查"));
        assert!(!joins("对未按规定参与评审的处罚"));
        assert!(!joins("企业合并登记"));
    }

    #[test]
    fn a_law_title_is_no_merge() {
        // A left-over whose name sits in another item's name, citing other laws, is no part
        // of it just because that name cites 《中华人民共和国…》.
        let a = vec![
            info("x1", "d", "对违反行政许可规定的处罚", "行政许可法"),
            info("x2", "d", "对档案工作的监督检查", "档案法"),
        ];
        let b = vec![
            info(
                "y1",
                "d",
                "对违反《中华人民共和国行政处罚法》行政许可规定的处罚",
                "行政处罚法",
            ),
            info("x2", "d", "对档案工作的监督检查", "档案法"),
        ];
        let m = match_items(&a, &b);
        assert!(m.merges.is_empty(), "{m:?}");
    }
}
