//! The lists' history on the site: the editions page, one adjustment page per edition (built for
//! reviewers), each item's history, and an Atom feed of adjustments.
//!
//! Editions are earlier versions of the lists in git — listed in jurisdiction.toml (`editions`)
//! or found by tag pattern (`edition_tags`) — followed by the version being built. Each edition
//! after the first is compared with the one before it by `diff`.

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::path::Path;

use serde::Serialize;

use super::markdown::escape;
use super::view::Urls;
use crate::diff::fields::Part;
use crate::diff::{self, Diff, Kind};
use crate::snapshot::{Snapshot, git};

/// One edition.
#[derive(Clone, Debug, Serialize)]
pub struct Edition {
    pub edition: String,
    pub published: String,
    pub document: String,
    pub items: usize,
    /// Where it came from: a git revision, or "本版" for the version being built.
    pub source: String,
    /// Date of the git commit it was read from (empty for the version being built).
    pub committed: String,
}

/// Every edition, oldest first, and the diff leading to each edition after the first.
#[derive(Default)]
pub struct History {
    pub editions: Vec<Edition>,
    /// `diffs[i]` goes from `editions[i]` to `editions[i + 1]`.
    pub diffs: Vec<Diff>,
    /// Editions that could not be read (not a git repository, unknown revision …).
    pub warnings: Vec<String>,
}

fn edition_of(snap: &Snapshot) -> (String, String, String) {
    snap.jurisdiction
        .as_ref()
        .map_or_else(Default::default, |j| {
            (
                j.value.edition.clone(),
                j.value.published.clone(),
                j.value.document.clone(),
            )
        })
}

/// Tags of the repository holding `lists` that match `pattern` (`*` = any text), oldest first.
fn tags(lists: &Path, pattern: &str) -> Result<Vec<String>, String> {
    let re = regex::Regex::new(&format!(
        "^{}$",
        regex::escape(pattern).replace("\\*", ".*")
    ))
    .map_err(|e| e.to_string())?;
    let (repo, head) = git::resolve(lists, "HEAD").map_err(|e| e.to_string())?;
    let refs = repo.references().map_err(|e| e.to_string())?;
    let mut found: Vec<(i64, String)> = Vec::new();
    for r in refs.tags().map_err(|e| e.to_string())?.flatten() {
        let name = r.name().shorten().to_string();
        if !re.is_match(&name) {
            continue;
        }
        let time = git::resolve_in(&repo, &name, &head.path).map_or(0, |rev| rev.time);
        found.push((time, name));
    }
    found.sort();
    Ok(found.into_iter().map(|(_, n)| n).collect())
}

/// Load the earlier editions named by `current`'s jurisdiction.toml and compare each with the
/// next. Problems become warnings: a site without history is still a site.
pub fn load(lists: &Path, current: &Snapshot) -> History {
    let mut h = History::default();
    let Some(j) = current.jurisdiction.as_ref().map(|j| &j.value) else {
        return h;
    };
    let mut past: Vec<(String, String, String, String)> = j
        .editions
        .iter()
        .map(|e| {
            (
                e.rev.clone(),
                e.edition.clone(),
                e.published.clone(),
                e.document.clone(),
            )
        })
        .collect();
    if !j.edition_tags.is_empty() {
        match tags(lists, &j.edition_tags) {
            Ok(list) => {
                for t in list {
                    if !past.iter().any(|p| p.0 == t) {
                        past.push((t, String::new(), String::new(), String::new()));
                    }
                }
            }
            Err(e) => h
                .warnings
                .push(format!("无法列出 git 标签 {}：{e}", j.edition_tags)),
        }
    }
    if past.is_empty() {
        return h;
    }
    let (cur_edition, cur_published, cur_document) = edition_of(current);
    let mut snaps: Vec<Snapshot> = Vec::new();
    for (rev, edition, published, document) in past {
        match git::load_rev(lists, &rev) {
            Ok((snap, r)) => {
                let (e, p, d) = edition_of(&snap);
                let edition = [edition, e, rev.clone()]
                    .into_iter()
                    .find(|s| !s.is_empty())
                    .unwrap_or_default();
                if edition == cur_edition || h.editions.iter().any(|x| x.edition == edition) {
                    continue;
                }
                // The commit date is when the files were committed, not when the edition was
                // published: it is shown only as the version's date in git.
                let published = [published, p]
                    .into_iter()
                    .find(|s| !s.is_empty())
                    .unwrap_or_default();
                h.editions.push(Edition {
                    edition,
                    published,
                    document: if document.is_empty() { d } else { document },
                    items: snap.items.len(),
                    source: format!("git:{rev}"),
                    committed: commit_date(r.time),
                });
                snaps.push(snap);
            }
            Err(e) => h.warnings.push(format!("往期版本 {rev} 无法读取：{e}")),
        }
    }
    if snaps.is_empty() {
        return h;
    }
    h.editions.push(Edition {
        edition: cur_edition,
        published: cur_published,
        document: cur_document,
        items: current.items.len(),
        source: "本版".into(),
        committed: String::new(),
    });
    for i in 0..snaps.len() {
        let next = snaps.get(i + 1).unwrap_or(current);
        let mut d = diff::diff(&snaps[i], next);
        d.old = h.editions[i].edition.clone();
        d.new = h.editions[i + 1].edition.clone();
        h.diffs.push(d);
    }
    h
}

/// "YYYY-MM-DD" of a commit time (UTC); empty when unknown.
fn commit_date(secs: i64) -> String {
    if secs <= 0 {
        return String::new();
    }
    jiff::Timestamp::from_second(secs)
        .map(|t| t.strftime("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

/// The URL segment of an edition: its letters, digits, `-` and `_` ("2025" stays "2025").
pub fn slug(edition: &str) -> String {
    let s: String = edition
        .chars()
        .filter(|c| c.is_alphanumeric() || matches!(c, '-' | '_'))
        .collect();
    if s.is_empty() { "edition".into() } else { s }
}

/// Net reduction of items from one edition to the next, as a percentage (negative: growth).
pub fn reduction(old: usize, new: usize) -> f64 {
    if old == 0 {
        0.0
    } else {
        (old as f64 - new as f64) / old as f64 * 100.0
    }
}

// ---------------------------------------------------------------- view models

#[derive(Serialize)]
pub struct KindCount {
    pub kind: &'static str,
    pub label: &'static str,
    pub count: usize,
}

#[derive(Serialize)]
pub struct ItemRef {
    pub id: String,
    pub name: String,
    /// Empty when the item is not in the version being built.
    pub url: String,
}

#[derive(Serialize)]
pub struct FieldView {
    pub label: &'static str,
    pub old_html: String,
    pub new_html: String,
}

#[derive(Serialize)]
pub struct ChangeView {
    pub anchor: String,
    pub kind: &'static str,
    pub label: &'static str,
    pub name: String,
    pub department: String,
    pub department_id: String,
    pub old_department: String,
    pub old_items: Vec<ItemRef>,
    pub new_items: Vec<ItemRef>,
    pub also: Vec<&'static str>,
    pub matched_by: &'static str,
    pub declared: bool,
    pub declared_as: String,
    pub basis: String,
    pub reason: String,
    pub fields: Vec<FieldView>,
}

#[derive(Serialize)]
pub struct DeptCount {
    pub id: String,
    pub name: String,
    pub count: usize,
}

#[derive(Serialize)]
pub struct MissingView {
    pub kind: String,
    pub ids: String,
    pub problem: String,
    pub basis: String,
}

/// What the adjustment page of one edition shows.
#[derive(Serialize)]
pub struct AdjustmentView {
    pub edition: String,
    pub previous: String,
    pub published: String,
    pub document: String,
    pub description: String,
    pub declarations_file: String,
    pub counts: Vec<KindCount>,
    pub changed: usize,
    pub unchanged: usize,
    pub old_items: usize,
    pub new_items: usize,
    pub reduction: String,
    pub undeclared: usize,
    pub departments: Vec<DeptCount>,
    pub changes: Vec<ChangeView>,
    pub missing: Vec<MissingView>,
    pub url: String,
}

fn parts_html(parts: &[Part], tag: &str) -> String {
    let mut s = String::new();
    for p in parts {
        let text = escape(&p.text).replace('\n', "<br>");
        if p.changed {
            let _ = write!(s, "<{tag}>{text}</{tag}>");
        } else {
            s.push_str(&text);
        }
    }
    s
}

fn matched_by_zh(m: Option<&str>) -> &'static str {
    match m {
        Some("id") => "按事项编码对应",
        Some("name") => "按部门内同名事项对应",
        Some("name-elsewhere") => "按其他部门的同名事项对应",
        Some("similarity") => "按名称和依据的相似度对应",
        Some("contained") => "按名称的包含关系对应",
        _ => "",
    }
}

/// The anchor of a change on its adjustment page.
pub fn anchor(c: &diff::Change) -> String {
    let id = c
        .new_ids
        .first()
        .or(c.old_ids.first())
        .map_or("", String::as_str);
    format!("c-{}-{id}", c.kind.as_str())
}

/// The adjustment page's view of `d`. `current` holds the ids of the version being built (its
/// items get links); `None` for a page that stands alone.
pub fn adjustment_view(
    d: &Diff,
    edition: Option<&Edition>,
    urls: Option<&Urls>,
    current: Option<&HashSet<&str>>,
) -> AdjustmentView {
    let link = |id: &str, name: &str| ItemRef {
        id: id.to_string(),
        name: name.to_string(),
        url: match (urls, current) {
            (Some(u), Some(c)) if c.contains(id) => u.item(id),
            _ => String::new(),
        },
    };
    let mut depts: Vec<DeptCount> = Vec::new();
    let changes = d
        .changes
        .iter()
        .map(|c| {
            match depts.iter_mut().find(|x| x.id == c.department_id) {
                Some(x) => x.count += 1,
                None => depts.push(DeptCount {
                    id: c.department_id.clone(),
                    name: c.department.clone(),
                    count: 1,
                }),
            }
            ChangeView {
                anchor: anchor(c),
                kind: c.kind.as_str(),
                label: c.label,
                name: c.name.clone(),
                department: c.department.clone(),
                department_id: c.department_id.clone(),
                old_department: c.old_department.clone().unwrap_or_default(),
                // On the site every old code has a page: the item, or what became of it
                // (citizen::tombstones).
                old_items: c
                    .old_ids
                    .iter()
                    .zip(&c.old_names)
                    .map(|(i, n)| ItemRef {
                        id: i.clone(),
                        name: n.clone(),
                        url: match (urls, current) {
                            (Some(u), Some(_)) => u.item(i),
                            _ => String::new(),
                        },
                    })
                    .collect(),
                new_items: c
                    .new_ids
                    .iter()
                    .zip(&c.new_names)
                    .map(|(i, n)| link(i, n))
                    .collect(),
                also: c.also.iter().map(|k| k.zh()).collect(),
                matched_by: matched_by_zh(c.matched_by),
                declared: c.declared,
                declared_as: c.declared_as.clone().unwrap_or_default(),
                basis: c.basis.clone().unwrap_or_default(),
                reason: c.reason.clone().unwrap_or_default(),
                fields: c
                    .fields
                    .iter()
                    .map(|f| FieldView {
                        label: f.label,
                        old_html: parts_html(&f.old_parts, "del"),
                        new_html: parts_html(&f.new_parts, "ins"),
                    })
                    .collect(),
            }
        })
        .collect();
    depts.sort_by(|a, b| b.count.cmp(&a.count).then(a.name.cmp(&b.name)));
    let decl = d.declarations.as_ref();
    AdjustmentView {
        edition: d.new.clone(),
        previous: d.old.clone(),
        published: edition.map_or(String::new(), |e| e.published.clone()),
        document: edition
            .map(|e| e.document.clone())
            .filter(|s| !s.is_empty())
            .or_else(|| decl.map(|x| x.document.clone()))
            .unwrap_or_default(),
        description: decl.map_or(String::new(), |x| x.description.clone()),
        declarations_file: decl.map_or(String::new(), |x| x.file.clone()),
        counts: Kind::ALL
            .iter()
            .map(|k| KindCount {
                kind: k.as_str(),
                label: k.zh(),
                count: d.summary.count(*k),
            })
            .collect(),
        changed: d.summary.changed(),
        unchanged: d.summary.unchanged,
        old_items: d.summary.old_items,
        new_items: d.summary.new_items,
        reduction: format!(
            "{:.1}%",
            reduction(d.summary.old_items, d.summary.new_items)
        ),
        undeclared: d.summary.undeclared,
        departments: depts,
        changes,
        missing: d
            .declared_not_found
            .iter()
            .map(|m| MissingView {
                kind: m.kind.clone(),
                ids: m
                    .old_ids
                    .iter()
                    .chain(&m.new_ids)
                    .cloned()
                    .collect::<Vec<_>>()
                    .join("、"),
                problem: m.problem.clone(),
                basis: [m.basis.as_str(), m.document.as_str()]
                    .into_iter()
                    .filter(|s| !s.is_empty())
                    .collect::<Vec<_>>()
                    .join(" "),
            })
            .collect(),
        url: urls.map_or(String::new(), |u| {
            format!("{}/editions/{}/", u.base, slug(&d.new))
        }),
    }
}

/// One line of an item's history.
#[derive(Clone, Serialize)]
pub struct HistoryEntry {
    pub edition: String,
    pub label: &'static str,
    pub text: String,
    pub basis: String,
    pub url: String,
    /// "下放" or "上收" when the item was moved down or up a level in this edition (the item
    /// page says so at its top, for the newest edition), else empty.
    pub moved: &'static str,
    /// For a move: the level before and after ("实施层级由“市级”改为“自治区级”").
    pub level: String,
}

/// For each item of the version being built: the editions in which it (or what it came from)
/// changed, newest first.
pub fn item_histories(
    h: &History,
    current: &Snapshot,
    base: &str,
) -> HashMap<String, Vec<HistoryEntry>> {
    let mut out: HashMap<String, Vec<HistoryEntry>> = HashMap::new();
    if h.diffs.is_empty() {
        return out;
    }
    // For each diff, the changes by new id.
    let by_new: Vec<HashMap<&str, Vec<&diff::Change>>> = h
        .diffs
        .iter()
        .map(|d| {
            let mut m: HashMap<&str, Vec<&diff::Change>> = HashMap::new();
            for c in &d.changes {
                for id in &c.new_ids {
                    m.entry(id.as_str()).or_default().push(c);
                }
            }
            m
        })
        .collect();
    let first = h.editions.first().map_or("", |e| e.edition.as_str());
    for e in &current.items {
        let id = e.value.id.as_str();
        let mut ids: Vec<String> = vec![id.to_string()];
        let mut entries: Vec<HistoryEntry> = Vec::new();
        let mut since_first = true;
        for (i, d) in h.diffs.iter().enumerate().rev() {
            let mut older: Vec<String> = Vec::new();
            let mut seen: HashSet<*const diff::Change> = HashSet::new();
            for cur in &ids {
                match by_new[i].get(cur.as_str()) {
                    Some(changes) => {
                        for c in changes {
                            if !seen.insert(*c as *const _) {
                                continue;
                            }
                            entries.push(HistoryEntry {
                                edition: d.new.clone(),
                                label: c.label,
                                text: describe(c),
                                basis: c.basis.clone().unwrap_or_default(),
                                url: format!("{base}/editions/{}/#{}", slug(&d.new), anchor(c)),
                                moved: moved(c),
                                level: level_change(c),
                            });
                            if c.kind == Kind::Added {
                                since_first = false;
                            }
                            older.extend(c.old_ids.iter().cloned());
                        }
                    }
                    None => older.push(cur.clone()),
                }
            }
            older.sort();
            older.dedup();
            ids = older;
            if ids.is_empty() {
                break;
            }
        }
        if since_first && !first.is_empty() {
            let text = if ids.len() == 1 && ids[0] == id {
                "列入清单".to_string()
            } else {
                format!("列入清单，当时的事项编码为 {}", ids.join("、"))
            };
            entries.push(HistoryEntry {
                edition: first.to_string(),
                label: "列入",
                text,
                basis: String::new(),
                url: String::new(),
                moved: "",
                level: String::new(),
            });
        }
        out.insert(id.to_string(), entries);
    }
    out
}

/// "下放" or "上收" when `c` moved the item down or up a level (as its kind or besides).
pub fn moved(c: &diff::Change) -> &'static str {
    let is = |k: Kind| c.kind == k || c.also.contains(&k);
    if is(Kind::Delegated) {
        "下放"
    } else if is(Kind::Recentralized) {
        "上收"
    } else {
        ""
    }
}

/// "实施层级由“X”改为“Y”" when `c` changed the item's level, else empty.
pub fn level_change(c: &diff::Change) -> String {
    c.fields
        .iter()
        .find(|f| f.field == "level")
        .map(|f| format!("实施层级由“{}”改为“{}”", f.old.trim(), f.new.trim()))
        .unwrap_or_default()
}

/// One sentence about a change, for an item's history and the feed.
pub fn describe(c: &diff::Change) -> String {
    let fields: Vec<&str> = c
        .fields
        .iter()
        .filter(|f| !matches!(f.field, "name" | "department" | "id"))
        .map(|f| f.label)
        .collect();
    let mut s = match c.kind {
        Kind::Added => "新列入清单".to_string(),
        Kind::Cancelled => "取消".to_string(),
        Kind::Renamed => format!("更名，原名“{}”", c.old_names.join("、")),
        Kind::Transferred => format!(
            "由{}划转至{}",
            c.old_department.as_deref().unwrap_or(""),
            c.department
        ),
        Kind::Merged => format!("由“{}”合并而成", c.old_names.join("”“")),
        Kind::Split => format!("由“{}”拆分而来", c.old_names.join("、")),
        Kind::Delegated | Kind::Recentralized => {
            let what = if c.kind == Kind::Delegated {
                "下放"
            } else {
                "上收"
            };
            match level_change(c) {
                l if l.is_empty() => format!("实施层级{what}"),
                l => format!("{what}：{l}"),
            }
        }
        Kind::Modified => "内容有调整".to_string(),
    };
    if c.kind != Kind::Renamed && c.also.contains(&Kind::Renamed) {
        let _ = write!(s, "，并更名（原名“{}”）", c.old_names.join("、"));
    }
    let fields: Vec<&str> = fields
        .into_iter()
        .filter(|f| !(matches!(c.kind, Kind::Delegated | Kind::Recentralized) && *f == "实施层级"))
        .collect();
    if !fields.is_empty() && !matches!(c.kind, Kind::Added | Kind::Cancelled) {
        let _ = write!(s, "；调整了{}", fields.join("、"));
    }
    s
}

/// The Atom feed of adjustments: one entry per change, newest edition first.
pub fn atom(h: &History, title: &str, base: &str, base_url: &str) -> String {
    let abs = |path: &str| format!("{base_url}{path}");
    // Atom needs a date on every entry: the edition's publication date, else the date of its
    // commit, else the latest date known of any edition (stable from build to build).
    let latest_known = h
        .editions
        .iter()
        .flat_map(|e| [e.published.as_str(), e.committed.as_str()])
        .filter(|d| d.len() == 10)
        .max()
        .unwrap_or("1970-01-01")
        .to_string();
    let date_of = |e: Option<&Edition>| -> String {
        e.and_then(|e| {
            [e.published.as_str(), e.committed.as_str()]
                .into_iter()
                .find(|d| d.len() == 10)
        })
        .unwrap_or(&latest_known)
        .to_string()
    };
    let updated = |date: &str| format!("{date}T00:00:00Z");
    let feed_url = format!("{base}/editions/feed.xml");
    let latest = date_of(h.editions.last());
    let mut s = String::new();
    s.push_str("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"zh-CN\">\n");
    let _ = writeln!(s, "<title>{}动态调整</title>", escape(title));
    let _ = writeln!(s, "<id>{}</id>", escape(&abs(&feed_url)));
    let _ = writeln!(
        s,
        "<link rel=\"self\" href=\"{}\"/>\n<link href=\"{}\"/>",
        escape(&abs(&feed_url)),
        escape(&abs(&format!("{base}/editions/")))
    );
    let _ = writeln!(s, "<updated>{}</updated>", updated(&latest));
    let _ = writeln!(s, "<author><name>{}</name></author>", escape(title));
    for (i, d) in h.diffs.iter().enumerate().rev() {
        let date = date_of(h.editions.get(i + 1));
        for c in &d.changes {
            let url = format!("{base}/editions/{}/#{}", slug(&d.new), anchor(c));
            let _ = writeln!(
                s,
                "<entry>\n<title>{}版 {}：{}</title>\n<id>{}</id>\n<link href=\"{}\"/>\n<updated>{}</updated>\n<category term=\"{}\" label=\"{}\"/>\n<summary>{}</summary>\n</entry>",
                escape(&d.new),
                c.label,
                escape(&c.name),
                escape(&abs(&url)),
                escape(&abs(&url)),
                updated(&date),
                c.kind.as_str(),
                c.label,
                escape(&format!(
                    "{}：{}{}",
                    c.department,
                    describe(c),
                    c.basis
                        .as_deref()
                        .map(|b| format!("。依据：{b}"))
                        .unwrap_or_default()
                ))
            );
        }
    }
    s.push_str("</feed>\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(commit_date(0), "");
        assert_eq!(commit_date(1_700_000_000), "2023-11-14");
        assert_eq!(commit_date(951_782_400), "2000-02-29");
    }

    #[test]
    fn reduction_ratio() {
        assert_eq!(reduction(200, 150), 25.0);
        assert_eq!(reduction(0, 10), 0.0);
        assert!(reduction(100, 110) < 0.0);
    }
}
