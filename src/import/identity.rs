//! Which department a spreadsheet belongs to, among those the lists already have.
//!
//! The same department is written many ways from one year to the next: 克拉玛依市应急管理局 in
//! the title, 市应急管理局 in the 行使主体 column, 市委宣传部（市新闻出版局） with its other name
//! in brackets, 市生态环境局各区分局 for its branches, or a new name after a reorganisation. An
//! import that took each spelling for a new department would put next year's items beside last
//! year's, and `diff` would read every item as added. So a spreadsheet's department is looked up
//! in order, each step used only when the one before found nothing:
//!
//! 1. **code**: the department part (6 区划 + 3 主体) of the items' 16-position 职权编码, against
//!    each department's `code` (or the same part of its items' codes);
//! 2. **name**: the full name, the short name or a former name (`former_names`), as written;
//! 3. **normalised name**: the same without the jurisdiction in front (克拉玛依市…, 市…, 区…),
//!    with a bracketed other name taken as a name of its own, and branch wording (各区分局,
//!    独山子区分局) read as the department the branches belong to;
//! 4. **items**: the share of the spreadsheet's item names that a department already holds
//!    (a renamed department keeps most of its items).
//!
//! When a step finds more than one department, the item overlap decides if one clearly has more
//! of the items; otherwise the match is *ambiguous*: import writes nothing and lists the
//! candidates, and `--department ID` chooses.

use std::collections::{BTreeSet, HashMap, HashSet};

use serde::Serialize;

use super::build;

/// A department the lists already have (or an earlier file of the same import created).
#[derive(Debug, Clone, Default)]
pub struct Known {
    pub folder: String,
    pub name: String,
    pub short_name: String,
    pub former_names: Vec<String>,
    /// The department code: declared in department.toml, or the department part of most of
    /// its items' 16-position codes.
    pub code: String,
    /// Normalised names of its items.
    pub items: HashSet<String>,
    /// Made by an earlier file of this import: never found by its items (two departments' first
    /// imports share generic names such as 表彰奖励), only by its name or code.
    pub new_here: bool,
}

/// How a department was recognised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum How {
    /// `--department`.
    Chosen,
    Code,
    Name,
    NormalisedName,
    Items,
}

impl How {
    pub fn zh(self) -> &'static str {
        match self {
            How::Chosen => "按 --department 指定",
            How::Code => "按职权编码中的部门编码",
            How::Name => "按部门名称",
            How::NormalisedName => "按去掉区划前缀、括号中的别名和分局字样后的名称",
            How::Items => "按事项名称的重合",
        }
    }
}

/// A department considered for a spreadsheet, for the report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Candidate {
    pub folder: String,
    pub name: String,
    /// Why it was considered.
    pub how: How,
    /// Share of the spreadsheet's items (by name) the department already holds.
    pub overlap: f64,
}

/// What the lookup found.
#[derive(Debug, Clone, PartialEq)]
pub enum Found {
    One {
        folder: String,
        how: How,
    },
    /// No existing department: the spreadsheet's is new.
    New,
    /// Several departments fit equally: the caller must not guess.
    Ambiguous(Vec<Candidate>),
}

/// The least share of a spreadsheet's items a department must hold to be taken for it by
/// item names alone …
pub const MIN_OVERLAP: f64 = 0.5;
/// … and the least number: a name or two that departments share (表彰奖励, 政府信息公开,
/// 行政事业性收费) says nothing.
pub const MIN_COMMON: usize = 3;

/// The department part of a 16-position code: 6 区划 + 3 主体 ("650200207CF48600" → "650200207").
pub fn code_part(code: &str) -> Option<&str> {
    let c = code.trim();
    (c.len() == 16 && c.is_ascii() && c[..9].bytes().all(|b| b.is_ascii_digit())).then(|| &c[..9])
}

/// The code most of `codes` share a department part of (at least half of them).
pub fn majority_code<'a>(codes: impl Iterator<Item = &'a str>) -> Option<String> {
    let mut counts: HashMap<&str, usize> = HashMap::new();
    let mut n = 0;
    for c in codes {
        n += 1;
        if let Some(p) = code_part(c) {
            *counts.entry(p).or_default() += 1;
        }
    }
    let (best, count) = counts
        .into_iter()
        .max_by_key(|(k, c)| (*c, std::cmp::Reverse(*k)))?;
    (2 * count >= n).then(|| best.to_string())
}

/// An item name as identity compares it: letters and digits only, NFKC, lowercase.
pub fn item_key(name: &str) -> String {
    crate::diff::matching::normalize(name)
}

/// Whitespace removed, full-width brackets made half-width.
fn plain(name: &str) -> String {
    name.chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '（' => '(',
            '）' => ')',
            c => c,
        })
        .collect()
}

/// The names a department name stands for once normalised: without the jurisdiction in
/// front, each bracketed other name on its own, branches read as their department.
pub fn name_keys(name: &str, jurisdiction: Option<&str>) -> BTreeSet<String> {
    let p = plain(name);
    let mut parts = Vec::new();
    // "市委宣传部(市新闻出版局)": both names; "(…)" that is not a name is dropped.
    match (p.find('('), p.rfind(')')) {
        (Some(open), Some(close)) if open < close => {
            parts.push(format!("{}{}", &p[..open], &p[close + 1..]));
            let inner = &p[open + 1..close];
            for n in inner.split(['、', ',', '，', ';', '；']) {
                if build::looks_like_department(n) {
                    parts.push(n.to_string());
                }
            }
        }
        _ => parts.push(p.clone()),
    }
    let mut keys = BTreeSet::new();
    for part in parts {
        let core = strip_jurisdiction(&strip_branch(&part), jurisdiction);
        if core.chars().count() >= 2 {
            keys.insert(core);
        }
    }
    keys
}

/// "市生态环境局各区分局", "市公安局独山子区分局", "…各县（市、区）分局" → the department.
fn strip_branch(name: &str) -> String {
    let Some(stem) = name.strip_suffix("分局") else {
        return name.to_string();
    };
    // The department ends with 局 before the branch wording.
    match stem.rfind('局') {
        Some(i) if i + '局'.len_utf8() < stem.len() || stem.ends_with('局') => {
            stem[..i + '局'.len_utf8()].to_string()
        }
        _ => name.to_string(),
    }
}

/// The name without the jurisdiction in front: the lists' own (克拉玛依市), any other
/// (新疆维吾尔自治区…, 某某县), or the bare level word (市统计局, 区财政局).
fn strip_jurisdiction(name: &str, jurisdiction: Option<&str>) -> String {
    split_jurisdiction(name, jurisdiction).1
}

/// The jurisdictions written in front of a name ("新疆维吾尔自治区克拉玛依市"), and the name
/// without them and without a bare level word.
fn split_jurisdiction(name: &str, jurisdiction: Option<&str>) -> (String, String) {
    let mut prefix = String::new();
    let mut n = name.to_string();
    // Nested jurisdictions (新疆维吾尔自治区克拉玛依市…) one by one. A prefix of two characters
    // is rather part of the name (城市管理局), and one that starts with a level word is the
    // level word and a name (市城市管理局).
    loop {
        let stripped = jurisdiction
            .filter(|j| !j.is_empty())
            .and_then(|j| n.strip_prefix(j))
            .map(str::to_string)
            .or_else(|| {
                build::jurisdiction_prefix(&n)
                    .filter(|p| {
                        p.chars().count() >= 3 && !p.starts_with(|c| "市区县州省旗盟".contains(c))
                    })
                    .and_then(|p| n.strip_prefix(&p).map(str::to_string))
            });
        match stripped {
            Some(rest) if rest.chars().count() >= 2 => {
                prefix.push_str(&n[..n.len() - rest.len()]);
                n = rest;
            }
            _ => break,
        }
    }
    for level in ["市", "区", "县", "州", "省", "旗", "盟"] {
        if let Some(rest) = n.strip_prefix(level)
            // 市场监督管理局 is no 市 + 场…
            && !(level == "市" && rest.starts_with('场'))
            && rest.chars().count() >= 2
        {
            return (prefix, rest.to_string());
        }
    }
    (prefix, n)
}

/// Can two names be of one jurisdiction? Unless both name theirs and neither is the end of
/// the other (克拉玛依区… is not 克拉玛依市…; 新疆维吾尔自治区克拉玛依市… is).
fn same_jurisdiction(a: &str, b: &str) -> bool {
    let pa = split_jurisdiction(&plain(a), None).0;
    let pb = split_jurisdiction(&plain(b), None).0;
    pa.is_empty() || pb.is_empty() || pa.ends_with(&pb) || pb.ends_with(&pa)
}

/// The share of `items` that `known` holds.
fn overlap(known: &Known, items: &HashSet<String>) -> f64 {
    if items.is_empty() {
        return 0.0;
    }
    items.iter().filter(|i| known.items.contains(*i)).count() as f64 / items.len() as f64
}

/// Look up the department of a spreadsheet: its name, the codes and (normalised) names of its
/// items, among `known`.
pub fn find(
    known: &[Known],
    name: &str,
    codes: &[&str],
    items: &HashSet<String>,
    jurisdiction: Option<&str>,
) -> Found {
    if known.is_empty() {
        return Found::New;
    }
    let overlaps: Vec<f64> = known.iter().map(|k| overlap(k, items)).collect();
    let pick = |found: Vec<usize>, how: How| -> Option<Found> {
        match found.len() {
            0 => None,
            1 => Some(Found::One {
                folder: known[found[0]].folder.clone(),
                how,
            }),
            _ => {
                // Several fit: the one holding clearly more of the items, if any.
                let mut by: Vec<usize> = found.clone();
                by.sort_by(|&a, &b| overlaps[b].total_cmp(&overlaps[a]));
                let (first, second) = (overlaps[by[0]], overlaps[by[1]]);
                if first >= MIN_OVERLAP && second < first / 2.0 {
                    Some(Found::One {
                        folder: known[by[0]].folder.clone(),
                        how,
                    })
                } else {
                    Some(Found::Ambiguous(
                        by.iter()
                            .map(|&i| Candidate {
                                folder: known[i].folder.clone(),
                                name: known[i].name.clone(),
                                how,
                                overlap: overlaps[i],
                            })
                            .collect(),
                    ))
                }
            }
        }
    };
    // 1. code
    if let Some(code) = majority_code(codes.iter().copied()) {
        let found: Vec<usize> = (0..known.len())
            .filter(|&i| known[i].code == code)
            .collect();
        if let Some(f) = pick(found, How::Code) {
            return f;
        }
    }
    // 2. the name as written
    let p = plain(name);
    let found: Vec<usize> = (0..known.len())
        .filter(|&i| {
            let k = &known[i];
            // No name is nobody's name (a folder without department.toml has none).
            !p.is_empty() && plain(&k.name) == p
                || (!k.short_name.is_empty() && plain(&k.short_name) == p)
                || k.former_names.iter().any(|f| plain(f) == p)
        })
        .collect();
    if let Some(f) = pick(found, How::Name) {
        return f;
    }
    // 3. normalised names
    let keys = name_keys(name, jurisdiction);
    let found: Vec<usize> = (0..known.len())
        .filter(|&i| {
            let k = &known[i];
            std::iter::once(&k.name)
                .chain(std::iter::once(&k.short_name).filter(|s| !s.is_empty()))
                .chain(&k.former_names)
                .any(|n| {
                    same_jurisdiction(n, name) && !name_keys(n, jurisdiction).is_disjoint(&keys)
                })
        })
        .collect();
    if let Some(f) = pick(found, How::NormalisedName) {
        return f;
    }
    // 4. the items: most of the spreadsheet's are the department's, and most of the
    // department's are in the spreadsheet (a renamed department keeps its powers).
    let found: Vec<usize> = (0..known.len())
        .filter(|&i| {
            let common = items.iter().filter(|n| known[i].items.contains(*n)).count();
            !known[i].new_here
                && overlaps[i] >= MIN_OVERLAP
                && common >= MIN_COMMON
                && common as f64 >= MIN_OVERLAP * known[i].items.len() as f64
        })
        .collect();
    pick(found, How::Items).unwrap_or(Found::New)
}

/// The departments an import knows: those of the lists it imports into, and those the files
/// read so far created. Hands out folders.
#[derive(Debug, Default)]
pub struct Registry {
    known: Vec<Known>,
    /// Folders in use (with or without department.toml): a new department never takes one.
    folders: HashSet<String>,
    jurisdiction: Option<String>,
}

/// A spreadsheet department's folder, and how it was found.
#[derive(Debug, Clone)]
pub struct Resolved {
    pub folder: String,
    /// The existing department's name, when it is one.
    pub name: Option<String>,
    /// `None`: a department new to the lists.
    pub how: Option<How>,
    /// Not empty: the department could be any of these, and nothing may be written.
    pub candidates: Vec<Candidate>,
    /// For the report.
    pub note: Option<String>,
}

impl Registry {
    /// The departments of the lists in `snap` (empty lists: `Snapshot::default()`).
    pub fn new(snap: &crate::Snapshot, jurisdiction: Option<String>) -> Registry {
        let mut known: Vec<Known> = snap
            .departments
            .iter()
            .map(|d| Known {
                folder: d.folder.clone(),
                name: d.value.name.value.clone(),
                short_name: d.value.short_name.clone(),
                former_names: d.value.former_names.clone(),
                code: d.value.code.clone(),
                items: HashSet::new(),
                new_here: false,
            })
            .collect();
        for folder in &snap.department_folders {
            if !known.iter().any(|k| &k.folder == folder) {
                known.push(Known {
                    folder: folder.clone(),
                    ..Known::default()
                });
            }
        }
        for k in &mut known {
            let items = snap.items_of(&k.folder);
            k.items = items
                .iter()
                .map(|e| item_key(e.value.name.as_str()))
                .collect();
            if k.code.is_empty() {
                k.code =
                    majority_code(items.iter().map(|e| e.value.code.as_str())).unwrap_or_default();
            }
        }
        Registry {
            folders: known.iter().map(|k| k.folder.clone()).collect(),
            known,
            jurisdiction,
        }
    }

    /// The folders in use, sorted.
    pub fn folders(&self) -> Vec<String> {
        let mut v: Vec<String> = self.folders.iter().cloned().collect();
        v.sort();
        v
    }

    /// Is `folder` a department of the lists (or of a file read before)?
    pub fn has(&self, folder: &str) -> bool {
        self.folders.contains(folder)
    }

    /// Find (or make) the folder of the department a spreadsheet calls `name`, whose items have
    /// these codes and (normalised) names; `chosen` is `--department`.
    pub fn resolve(
        &mut self,
        name: &str,
        codes: &[&str],
        items: &HashSet<String>,
        chosen: Option<&str>,
    ) -> Resolved {
        let found = match chosen {
            Some(c) if self.has(c) => Found::One {
                folder: c.to_string(),
                how: How::Chosen,
            },
            Some(c) => {
                // A new department in the folder the editor chose.
                return self.add(c.to_string(), name, items, codes, None, Vec::new());
            }
            None => find(
                &self.known,
                name,
                codes,
                items,
                self.jurisdiction.as_deref(),
            ),
        };
        match found {
            Found::One { folder, how } => {
                let Some(k) = self.known.iter_mut().find(|k| k.folder == folder) else {
                    // `find` only answers folders of `known`.
                    return self.add(folder, name, items, codes, None, Vec::new());
                };
                k.items.extend(items.iter().cloned());
                let note = (how != How::Name && plain(&k.name) != plain(name)).then(|| {
                    format!(
                        "表格中的部门“{name}”{}认作已有的部门“{}”（{folder}）{}",
                        how.zh(),
                        k.name,
                        if how == How::Items {
                            "；如果部门已更名，请在 department.toml 中改 name，原名写入 former_names"
                        } else {
                            ""
                        }
                    )
                });
                Resolved {
                    name: Some(k.name.clone()).filter(|n| !n.is_empty()),
                    folder,
                    how: Some(how),
                    candidates: Vec::new(),
                    note,
                }
            }
            Found::New => {
                let folder = self.new_folder(name);
                let note = (folder != build::department_id(name)).then(|| {
                    format!(
                        "部门标识 {} 已有别的部门使用，本部门改用 {folder}",
                        build::department_id(name)
                    )
                });
                self.add(folder, name, items, codes, note, Vec::new())
            }
            Found::Ambiguous(candidates) => {
                let folder = self.new_folder(name);
                let list = candidates
                    .iter()
                    .map(|c| {
                        format!(
                            "{}（{}，{}，已有本表格 {:.0}% 的事项）",
                            c.folder,
                            c.name,
                            c.how.zh(),
                            c.overlap * 100.0
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("；");
                let note = format!(
                    "无法确定表格中的部门“{name}”是哪个已有部门，可能是：{list}。没有写入任何文件；\
                     请加 --department 部门标识 指定（如 --department {}）",
                    candidates[0].folder
                );
                let mut r = self.add(folder, name, items, codes, Some(note), candidates);
                r.how = None;
                r
            }
        }
    }

    /// A folder for a new department: pinyin initials, with "-2", "-3" … when taken.
    fn new_folder(&self, name: &str) -> String {
        let base = build::department_id(name);
        let mut id = base.clone();
        let mut n = 1;
        while self.folders.contains(&id) {
            n += 1;
            id = format!("{base}-{n}");
        }
        id
    }

    #[allow(clippy::too_many_arguments)]
    fn add(
        &mut self,
        folder: String,
        name: &str,
        items: &HashSet<String>,
        codes: &[&str],
        note: Option<String>,
        candidates: Vec<Candidate>,
    ) -> Resolved {
        self.folders.insert(folder.clone());
        if candidates.is_empty() {
            self.known.push(Known {
                folder: folder.clone(),
                name: name.to_string(),
                items: items.clone(),
                code: majority_code(codes.iter().copied()).unwrap_or_default(),
                new_here: true,
                ..Known::default()
            });
        }
        Resolved {
            folder,
            name: None,
            how: None,
            candidates,
            note,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn known(folder: &str, name: &str, short: &str, items: &[&str]) -> Known {
        Known {
            folder: folder.into(),
            name: name.into(),
            short_name: short.into(),
            items: items.iter().map(|i| item_key(i)).collect(),
            ..Known::default()
        }
    }

    fn items(names: &[&str]) -> HashSet<String> {
        names.iter().map(|i| item_key(i)).collect()
    }

    fn one(folder: &str, how: How) -> Found {
        Found::One {
            folder: folder.into(),
            how,
        }
    }

    const J: Option<&str> = Some("克拉玛依市");

    #[test]
    fn normalised_names() {
        let k = |n| name_keys(n, J).into_iter().collect::<Vec<_>>();
        assert_eq!(k("克拉玛依市应急管理局"), ["应急管理局"]);
        assert_eq!(k("市应急管理局"), ["应急管理局"]);
        assert_eq!(k("市场监督管理局"), ["市场监督管理局"]);
        assert_eq!(k("克拉玛依市市场监督管理局"), ["市场监督管理局"]);
        assert_eq!(k("市委宣传部（市新闻出版局）"), ["委宣传部", "新闻出版局"]);
        assert_eq!(k("市生态环境局各区分局"), ["生态环境局"]);
        assert_eq!(k("克拉玛依市生态环境局独山子区分局"), ["生态环境局"]);
        assert_eq!(k("新疆维吾尔自治区克拉玛依市统计局"), ["统计局"]);
        assert_eq!(k("区财政局"), ["财政局"]);
        assert_eq!(k(" 市 统计局 "), ["统计局"]);
        assert_eq!(k("克拉玛依市城市管理局"), ["城市管理局"]);
        assert_eq!(k("市城市管理局"), ["城市管理局"]);
    }

    #[test]
    fn the_department_part_of_codes() {
        assert_eq!(code_part("650200207CF48600"), Some("650200207"));
        assert_eq!(code_part("248"), None);
        assert_eq!(
            majority_code(["650200207CF48600", "650200207CF48700", "12"].into_iter()).as_deref(),
            Some("650200207")
        );
        assert_eq!(
            majority_code(["1", "2", "650200207CF48600"].into_iter()),
            None
        );
    }

    #[test]
    fn each_step_in_order() {
        let ks = vec![
            known(
                "yjglj",
                "克拉玛依市应急管理局",
                "市应急管理局",
                &["对安全生产的检查"],
            ),
            known(
                "tjj",
                "克拉玛依市统计局",
                "市统计局",
                &["对统计违法的处罚", "统计调查", "统计执法检查"],
            ),
            Known {
                code: "650200207".into(),
                ..known("xfjyzd", "克拉玛依市消防救援支队", "", &[])
            },
        ];
        let none = HashSet::new();
        assert_eq!(find(&ks, "市统计局", &[], &none, J), one("tjj", How::Name));
        assert_eq!(
            find(&ks, "应急管理局", &[], &none, J),
            one("yjglj", How::NormalisedName)
        );
        assert_eq!(
            find(&ks, "消防支队", &["650200207CF48600"], &none, J),
            one("xfjyzd", How::Code)
        );
        // Renamed: only the items tell.
        assert_eq!(
            find(
                &ks,
                "克拉玛依市统计和调查局",
                &[],
                &items(&["对统计违法的处罚", "统计调查", "统计执法检查", "新事项"]),
                J
            ),
            one("tjj", How::Items)
        );
        assert_eq!(
            find(&ks, "克拉玛依市交通运输局", &[], &items(&["新事项"]), J),
            Found::New
        );
        // One name in common is no department.
        assert_eq!(
            find(&ks, "克拉玛依市统计调查队", &[], &items(&["统计调查"]), J),
            Found::New
        );
        assert_eq!(find(&[], "克拉玛依市统计局", &[], &none, J), Found::New);
    }

    #[test]
    fn two_departments_of_one_name_are_ambiguous_unless_the_items_tell() {
        let ks = vec![
            known(
                "scjgj",
                "克拉玛依市市场监督管理局",
                "",
                &["对食品经营的检查", "食品经营许可"],
            ),
            known(
                "scjgj-2",
                "克拉玛依区市场监督管理局",
                "",
                &["个体工商户登记"],
            ),
        ];
        let Found::Ambiguous(c) = find(&ks, "市场监督管理局", &[], &HashSet::new(), J)
        else {
            panic!("ambiguous expected");
        };
        assert_eq!(c.len(), 2);
        assert_eq!(
            find(
                &ks,
                "市场监督管理局",
                &[],
                &items(&["对食品经营的检查", "食品经营许可"]),
                J
            ),
            one("scjgj", How::NormalisedName)
        );
    }
}
