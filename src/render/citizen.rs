//! What makes the site a service for citizens rather than a register: the jurisdiction's own
//! look (logo and colours from jurisdiction.toml), the services most asked for on the home page,
//! and a page at the address of every item an adjustment took out of the list (取消, 合并, 拆分,
//! 划转 to a new code) saying what happened, when, on what basis, and where the power went.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::editions::{self, History};
use super::view::{self, Urls};
use crate::diff::Kind;
use crate::model::Category;
use crate::snapshot::Snapshot;

/// The jurisdiction's look: CSS custom properties from its colours and its logo.
#[derive(Default)]
pub struct Theme {
    /// `:root{…}` with the colours that passed (only `#rrggbb` values ever reach it).
    pub css: String,
    /// URL of the logo in the site (`<base>/assets/logo.<ext>`), empty without one.
    pub logo_url: String,
    /// The logo file to copy, and its name under assets/.
    pub logo_file: Option<(PathBuf, String)>,
    /// What was given but not used, said by `build`.
    pub warnings: Vec<String>,
}

/// The image types a logo may be.
pub const LOGO_TYPES: &[&str] = &["svg", "png", "jpg", "jpeg", "webp"];

/// `#rrggbb` as (r, g, b).
fn hex(colour: &str) -> Option<(u8, u8, u8)> {
    let h = colour.trim().strip_prefix('#')?;
    if h.len() != 6 || !h.chars().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    let n = |i: usize| u8::from_str_radix(&h[i..i + 2], 16).ok();
    Some((n(0)?, n(2)?, n(4)?))
}

/// WCAG 2.1 contrast ratio of a colour against white.
fn contrast_with_white((r, g, b): (u8, u8, u8)) -> f64 {
    let lin = |c: u8| {
        let c = f64::from(c) / 255.0;
        if c <= 0.03928 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    let l = 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
    1.05 / (l + 0.05)
}

/// A colour of jurisdiction.toml (`key` = "colors.primary" …) the site can use: `#rrggbb`
/// reading against white (WCAG AA, 4.5:1). `Err` says why not, for `check` and `build`.
pub fn usable_colour(key: &str, value: &str) -> Result<(u8, u8, u8), String> {
    match hex(value) {
        Some(rgb) if contrast_with_white(rgb) >= 4.5 => Ok(rgb),
        Some(rgb) => Err(format!(
            "jurisdiction.toml 的 {key} \"{value}\" 与白色的对比度只有 {:.1}:1（至少要 4.5:1），网站没有用它",
            contrast_with_white(rgb)
        )),
        None => Err(format!(
            "jurisdiction.toml 的 {key} \"{value}\" 不是 #rrggbb 形式的颜色，网站没有用它"
        )),
    }
}

/// The logo of jurisdiction.toml as a path inside the lists folder, with its (lower-case)
/// extension; `Err` says why the site cannot use it. Whether the file exists is the caller's.
pub fn usable_logo(logo: &str) -> Result<(&Path, String), String> {
    let rel = Path::new(logo);
    let ext = rel
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    let inside = rel
        .components()
        .all(|c| matches!(c, std::path::Component::Normal(_)));
    if !inside {
        Err(format!(
            "jurisdiction.toml 的 logo \"{logo}\" 要写清单文件夹中的文件（相对路径，不含 ..），网站没有用它"
        ))
    } else if !LOGO_TYPES.contains(&ext.as_str()) {
        Err(format!(
            "jurisdiction.toml 的 logo \"{logo}\" 不是 SVG、PNG、JPEG 或 WebP 图片，网站没有用它"
        ))
    } else {
        Ok((rel, ext))
    }
}

/// The theme of the lists in `lists`: colours that read against white (WCAG AA, 4.5:1), and
/// the logo if it is an image file inside the lists folder.
pub fn theme(snap: &Snapshot, lists: &Path, base: &str) -> Theme {
    let mut t = Theme::default();
    let Some(j) = snap.jurisdiction.as_ref().map(|j| &j.value) else {
        return t;
    };
    let mut vars = Vec::new();
    for (key, value, props) in [
        ("colors.primary", &j.colors.primary, &["--brand"][..]),
        ("colors.accent", &j.colors.accent, &["--link"][..]),
    ] {
        if value.trim().is_empty() {
            continue;
        }
        match usable_colour(key, value) {
            Ok(rgb) => {
                let v = format!("#{:02x}{:02x}{:02x}", rgb.0, rgb.1, rgb.2);
                for p in props {
                    vars.push(format!("{p}:{v}"));
                }
                if key == "colors.primary" {
                    // The band under the header: the same colour, darker.
                    let d = |c: u8| (f64::from(c) * 0.68) as u8;
                    vars.push(format!(
                        "--brand-dark:#{:02x}{:02x}{:02x}",
                        d(rgb.0),
                        d(rgb.1),
                        d(rgb.2)
                    ));
                }
            }
            Err(why) => t.warnings.push(why),
        }
    }
    if !vars.is_empty() {
        t.css = format!(":root{{{}}}", vars.join(";"));
    }
    let logo = j.logo.trim();
    if !logo.is_empty() {
        match usable_logo(logo) {
            Err(why) => t.warnings.push(why),
            Ok((rel, _)) if !lists.join(rel).is_file() => t.warnings.push(format!(
                "jurisdiction.toml 的 logo \"{logo}\" 找不到（{}），网站没有用它",
                lists.join(rel).display()
            )),
            Ok((rel, ext)) => {
                let name = format!("logo.{ext}");
                t.logo_url = format!("{base}/assets/{name}");
                t.logo_file = Some((lists.join(rel), name));
            }
        }
    }
    t
}

/// One of the services on the home page.
#[derive(Serialize)]
pub struct Service {
    pub name: String,
    pub url: String,
    pub department: String,
    pub online_url: String,
    pub sample: bool,
}

/// The services most asked for, for the home page: items with a service guide, those citizens
/// apply for first (许可, 公共服务, 确认, 给付 …), then by the number who found the page
/// helpful, at most `n`.
pub fn services(
    snap: &Snapshot,
    urls: &Urls,
    votes: Option<&HashMap<String, crate::feedback::Votes>>,
    n: usize,
) -> Vec<Service> {
    let rank = |c: Option<Category>| match c {
        Some(Category::Licensing) => 0,
        Some(Category::PublicService) => 1,
        Some(Category::Confirmation) => 2,
        Some(Category::Payment) => 3,
        _ => 4,
    };
    let mut with: Vec<_> = snap
        .items
        .iter()
        .filter_map(|e| e.value.guide.as_ref().map(|g| (e, g)))
        .collect();
    with.sort_by_key(|(e, _)| {
        let helpful = votes
            .and_then(|v| v.get(e.value.id.as_str()))
            .map_or(0, |v| v.helpful);
        (
            rank(Category::from_name(&e.value.category)),
            std::cmp::Reverse(helpful),
        )
    });
    with.into_iter()
        .take(n)
        .map(|(e, g)| Service {
            name: e.value.name.value.clone(),
            url: urls.item(&e.value.id),
            department: snap.department_name(&e.folder).to_string(),
            online_url: view::safe_url(&g.online_url),
            sample: e.value.sample || g.sample,
        })
        .collect()
}

/// Where a power went: an item of the version being built, or the page of another item that
/// is no longer listed.
#[derive(Serialize, Clone)]
pub struct Successor {
    pub name: String,
    pub url: String,
    pub department: String,
    /// Not in the version being built either (its own page says what became of it).
    pub gone: bool,
}

/// The page at the address of an item no longer in the list.
#[derive(Serialize)]
pub struct Tombstone {
    pub id: String,
    pub name: String,
    pub url: String,
    pub kind: &'static str,
    pub label: &'static str,
    pub department: String,
    pub edition: String,
    pub published: String,
    pub document: String,
    /// What happened, in one sentence.
    pub text: String,
    pub basis: String,
    pub reason: String,
    pub successors: Vec<Successor>,
    /// The change on the edition's adjustment page.
    pub adjustment_url: String,
}

/// A page for every item of an earlier edition that the version being built no longer has
/// under its code: cancelled, merged into another, split, transferred to a new code (or
/// renamed, moved or changed under a new code). The latest change wins for an item changed
/// twice.
pub fn tombstones(h: &History, snap: &Snapshot, urls: &Urls) -> Vec<Tombstone> {
    let current: HashMap<&str, &str> = snap
        .items
        .iter()
        .map(|e| (e.value.id.as_str(), e.folder.as_str()))
        .collect();
    // Every id that gets a page, so that successors that are gone too can be linked.
    let mut out: HashMap<String, Tombstone> = HashMap::new();
    for (i, d) in h.diffs.iter().enumerate() {
        let edition = h.editions.get(i + 1);
        for c in &d.changes {
            if c.kind == Kind::Added {
                continue;
            }
            for (old_id, old_name) in c.old_ids.iter().zip(&c.old_names) {
                if current.contains_key(old_id.as_str()) || c.new_ids.contains(old_id) {
                    continue;
                }
                let old_department = c.old_department.clone().unwrap_or(c.department.clone());
                let successors: Vec<Successor> = c
                    .new_ids
                    .iter()
                    .zip(&c.new_names)
                    .map(|(id, name)| Successor {
                        name: name.clone(),
                        url: urls.item(id),
                        department: current
                            .get(id.as_str())
                            .map(|f| snap.department_name(f).to_string())
                            .unwrap_or_else(|| c.department.clone()),
                        gone: !current.contains_key(id.as_str()),
                    })
                    .collect();
                let text = match c.kind {
                    Kind::Cancelled => {
                        format!("本事项在 {} 版清单中取消，不再列入权责清单。", d.new)
                    }
                    Kind::Merged => format!(
                        "本事项在 {} 版清单中与其他事项合并为“{}”，现在按合并后的事项办理。",
                        d.new,
                        c.new_names.join("”“")
                    ),
                    Kind::Split => format!(
                        "本事项在 {} 版清单中拆分为 {} 个事项，请按下面的情形选择。",
                        d.new,
                        c.new_ids.len()
                    ),
                    Kind::Transferred => format!(
                        "本事项在 {} 版清单中由{}划转至{}，事项编码随之改变，现在由{}办理。",
                        d.new,
                        c.old_department.as_deref().unwrap_or("原部门"),
                        c.department,
                        c.department
                    ),
                    // Renamed, moved or changed under a new code: the item goes on.
                    _ => format!(
                        "本事项在 {} 版清单中{}，事项编码随之改变，请按现在的事项办理。",
                        d.new,
                        editions::describe(c)
                    ),
                };
                let page = Tombstone {
                    id: old_id.clone(),
                    name: old_name.clone(),
                    url: urls.item(old_id),
                    kind: c.kind.as_str(),
                    label: c.label,
                    department: if c.kind == Kind::Transferred {
                        old_department
                    } else {
                        c.department.clone()
                    },
                    edition: d.new.clone(),
                    published: edition.map_or(String::new(), |e| e.published.clone()),
                    document: [
                        c.document.clone().unwrap_or_default(),
                        edition.map_or(String::new(), |e| e.document.clone()),
                    ]
                    .into_iter()
                    .find(|s| !s.trim().is_empty())
                    .unwrap_or_default(),
                    text,
                    basis: c.basis.clone().unwrap_or_default(),
                    reason: c.reason.clone().unwrap_or_default(),
                    successors,
                    adjustment_url: format!(
                        "{}/editions/{}/#{}",
                        urls.base,
                        editions::slug(&d.new),
                        editions::anchor(c)
                    ),
                };
                out.insert(old_id.clone(), page);
            }
        }
    }
    // A successor that is neither listed now nor has a page of its own is not linked.
    let pages: HashSet<String> = out.keys().cloned().collect();
    let mut list: Vec<Tombstone> = out
        .into_values()
        .map(|mut t| {
            for s in &mut t.successors {
                let id = s
                    .url
                    .rsplit('/')
                    .next()
                    .and_then(|f| f.strip_suffix(".html"))
                    .unwrap_or("");
                if s.gone && !pages.contains(id) {
                    s.url.clear();
                }
            }
            t
        })
        .collect();
    list.sort_by(|a, b| a.id.cmp(&b.id));
    list
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_need_contrast_with_white() {
        assert!(contrast_with_white((0x8a, 0x1c, 0x1c)) > 4.5);
        assert!(contrast_with_white((0xff, 0xdd, 0x00)) < 4.5);
        assert_eq!(hex("#1D4F91"), Some((0x1d, 0x4f, 0x91)));
        assert_eq!(hex("red"), None);
        assert_eq!(hex("#12345g"), None);
        assert_eq!(hex("#123;}"), None);
    }
}
