//! What the templates see: view models built once from a `Snapshot`, with Markdown already
//! rendered to safe HTML and URLs already made. A page's field comes from here in one hop
//! (`ItemView::from` for an item page, `DeptView` for a department page …).

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use super::markdown::to_html;
use crate::model::{Accountability, Basis, Category, Item, Responsibilities};
use crate::snapshot::Snapshot;

/// URL-safe lowercase code of a category ("xk" for 行政许可); unknown names get "other".
pub fn category_slug(name: &str) -> String {
    Category::from_name(name).map_or_else(|| "other".to_string(), |c| c.abbrev().to_lowercase())
}

/// Digits and "+" of a phone number, for `tel:` links ("0990-12345" → "0990-12345").
pub fn tel(phone: &str) -> String {
    phone
        .chars()
        .take_while(|c| !matches!(c, '（' | '('))
        .filter(|c| c.is_ascii_digit() || matches!(c, '+' | '-'))
        .collect()
}

/// Only http(s) addresses become links.
pub fn safe_url(url: &str) -> String {
    let u = url.trim();
    if u.starts_with("https://") || u.starts_with("http://") {
        u.to_string()
    } else {
        String::new()
    }
}

#[derive(Serialize, Clone)]
pub struct Link {
    pub name: String,
    pub url: String,
}

#[derive(Serialize)]
pub struct BasisEntryView {
    pub kind: String,
    pub title: String,
    pub article: String,
    pub text_html: String,
}

#[derive(Serialize)]
pub struct BasisView {
    pub text_html: String,
    pub entries: Vec<BasisEntryView>,
}

impl BasisView {
    fn new(b: &Basis, html: &Html) -> Self {
        BasisView {
            text_html: html.of(&b.text),
            entries: b
                .entries
                .iter()
                .map(|e| BasisEntryView {
                    kind: e.kind.clone(),
                    title: e.title.clone(),
                    article: e.article.clone(),
                    text_html: html.of(&e.text),
                })
                .collect(),
        }
    }
}

/// The HTML of the texts a claimed item inherits from its catalogue item (basis, duty,
/// responsibilities, accountability): the same for each of the catalogue item's claims, a
/// hundred and more in a province, so each text is made into HTML once per build (Markdown and
/// its sanitiser were 3 % of a province's build). Texts are told apart whole, not by a hash
/// alone. Only texts given through `Html::Shared` are kept (a claim's), and no more than
/// `SharedHtml::MOST` bytes of them: claims that state their own long texts make HTML each
/// time, as every other item does, instead of filling the memory.
#[derive(Default)]
pub struct SharedHtml {
    shards: [std::sync::Mutex<HtmlShard>; 16],
    held: std::sync::atomic::AtomicUsize,
}

impl SharedHtml {
    /// Bytes of text and HTML kept at most.
    const MOST: usize = 128 << 20;

    /// Bytes it keeps (texts, their HTML and a fixed cost per entry; at most `MOST`).
    pub fn held(&self) -> usize {
        self.held.load(std::sync::atomic::Ordering::Relaxed)
    }

    fn of(&self, text: &str) -> String {
        let h = xxhash_rust::xxh3::xxh3_64(text.as_bytes());
        let shard = &self.shards[(h % 16) as usize];
        let found = shard.lock().ok().and_then(|m| {
            m.get(&h)?
                .iter()
                .find(|(t, _)| &**t == text)
                .map(|(_, html)| html.clone())
        });
        if let Some(html) = found {
            return html.to_string();
        }
        let html = to_html(text);
        // What keeping it costs: its text and HTML, and 128 bytes for the entry's boxes and its
        // slot in the table.
        let size = text.len() + html.len() + 128;
        let kept = self
            .held
            .fetch_update(
                std::sync::atomic::Ordering::Relaxed,
                std::sync::atomic::Ordering::Relaxed,
                |held| {
                    let after = held.saturating_add(size);
                    (after <= Self::MOST).then_some(after)
                },
            )
            .is_ok();
        if !kept {
            return html;
        }
        if let Ok(mut m) = shard.lock() {
            m.entry(h)
                .or_default()
                .push((text.into(), std::sync::Arc::from(html.as_str())));
        }
        html
    }
}

/// Texts (by their hash) and their HTML.
type HtmlShard = HashMap<u64, Vec<(Box<str>, std::sync::Arc<str>)>>;

/// How an item view makes HTML of a text: anew, or through the build's `SharedHtml`.
#[derive(Clone, Copy)]
pub enum Html<'a> {
    Own,
    Shared(&'a SharedHtml),
}

impl Html<'_> {
    fn of(&self, text: &str) -> String {
        match self {
            Html::Own => to_html(text),
            Html::Shared(shared) if !text.trim().is_empty() => shared.of(text),
            Html::Shared(_) => String::new(),
        }
    }
}

fn responsibilities_html(r: &Responsibilities, html_of: &Html) -> String {
    use super::markdown::escape;
    let mut html = String::new();
    if !r.stages.is_empty() {
        html.push_str("<div class=\"table-wrap\"><table><thead><tr><th scope=\"col\">环节</th><th scope=\"col\">责任</th></tr></thead><tbody>");
        for s in &r.stages {
            html.push_str(&format!(
                "<tr><th scope=\"row\">{}</th><td>{}{}</td></tr>",
                escape(&s.stage),
                html_of.of(&s.content),
                if s.basis.trim().is_empty() {
                    String::new()
                } else {
                    format!("<p class=\"muted\">依据：{}</p>", escape(&s.basis))
                }
            ));
        }
        html.push_str("</tbody></table></div>");
    } else {
        html.push_str(&html_of.of(&r.text));
    }
    if !r.basis.trim().is_empty() {
        html.push_str("<h3>责任事项依据</h3>");
        html.push_str(&html_of.of(&r.basis));
    }
    html
}

fn accountability_html(a: &Accountability, html_of: &Html) -> String {
    let mut html = String::new();
    for (title, text) in [
        ("追责对象范围", &a.subjects),
        ("追责情形", &a.circumstances),
        ("追责依据", &a.basis),
    ] {
        if !text.trim().is_empty() {
            html.push_str(&format!("<h3>{title}</h3>"));
            html.push_str(&html_of.of(text));
        }
    }
    html
}

#[derive(Serialize)]
pub struct SubItemView {
    pub name: String,
    pub code: String,
    pub has_own: bool,
    pub basis: BasisView,
    pub responsibilities_html: String,
    pub accountability_html: String,
    pub remarks_html: String,
}

#[derive(Serialize)]
pub struct MaterialView {
    pub name: String,
    pub form: String,
    pub copies: Option<u32>,
    pub required: bool,
    pub note: String,
}

#[derive(Serialize)]
pub struct BranchView {
    pub when: String,
    pub outcome: String,
    pub back_to: String,
}

#[derive(Serialize)]
pub struct StepView {
    pub name: String,
    pub description_html: String,
    pub time_limit: String,
    pub actor: String,
    pub branches: Vec<BranchView>,
}

#[derive(Serialize)]
pub struct FeeView {
    pub name: String,
    pub amount: String,
    pub basis: String,
}

#[derive(Serialize)]
pub struct GuideView {
    pub audience: String,
    pub conditions_html: String,
    pub materials: Vec<MaterialView>,
    pub materials_html: String,
    pub steps: Vec<StepView>,
    pub flowchart: String,
    /// The same flowchart laid out for the guide's box on a wider screen.
    pub flowchart_wide: String,
    pub statutory_limit: String,
    pub promised_limit: String,
    pub charge_text: String,
    pub fees: Vec<FeeView>,
    pub result: String,
    pub channels: String,
    pub place: String,
    pub hours: String,
    pub consult_phone: String,
    pub consult_phone_tel: String,
    pub complaint_phone: String,
    pub complaint_phone_tel: String,
    pub online_url: String,
    pub visits: Option<u32>,
    pub notes_html: String,
    pub sample: bool,
}

#[derive(Serialize)]
pub struct SupervisionView {
    pub method: String,
    pub object: String,
    pub content_html: String,
    pub frequency: String,
    pub unit: String,
    pub basis: String,
    pub sample: bool,
}

#[derive(Serialize)]
pub struct DelegationView {
    pub to_level: String,
    pub mode: String,
    pub recipient: String,
    pub basis: String,
    pub note: String,
}

#[derive(Serialize)]
pub struct KeyValue {
    pub key: String,
    pub value: String,
}

#[derive(Serialize)]
pub struct SourceView {
    pub file: String,
    pub sheet: String,
    pub row: Option<u32>,
}

/// Everything an item page shows.
#[derive(Serialize)]
pub struct ItemView {
    pub id: String,
    pub name: String,
    pub url: String,
    pub category: String,
    pub category_url: String,
    pub department: Link,
    pub code: String,
    /// The code shown under the name: the official one, labelled (see `official_code`).
    pub official_code: Option<OfficialCode>,
    pub sub_items: Vec<SubItemView>,
    pub basis: BasisView,
    pub body: String,
    pub unit: String,
    pub level: String,
    pub scope: String,
    pub duty_html: String,
    pub responsibilities_html: String,
    pub accountability_html: String,
    pub delegation: Option<DelegationView>,
    pub supervision: Vec<SupervisionView>,
    pub guide: Option<GuideView>,
    pub remarks_html: String,
    pub extra: Vec<KeyValue>,
    pub source: Option<SourceView>,
    pub boundaries: Vec<Link>,
    /// The whole item is sample content.
    pub sample: bool,
}

/// An item's official code and what it is called.
#[derive(Serialize, Clone, Debug, PartialEq)]
pub struct OfficialCode {
    /// 实施编码 (a jurisdiction's code for the item, as 650200207XK01600) or 基本编码 (a
    /// catalogue's code, as XK-ZJ-0001).
    pub label: &'static str,
    pub code: String,
}

/// The official code in an item's `code`, if it is one: six or more letters and digits (a
/// 职权编码 or 实施编码), or letter-and-digit groups joined by hyphens (a catalogue's 基本编码).
/// A row number of the spreadsheet ("1", "23") is not; nor is the item's internal id, which the
/// page does not show.
pub fn official_code(code: &str) -> Option<OfficialCode> {
    let code = code.trim();
    let alnum = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric());
    let has_letter = code.chars().any(|c| c.is_ascii_alphabetic());
    if code.contains('-') && has_letter && code.split('-').all(alnum) {
        return Some(OfficialCode {
            label: "基本编码",
            code: code.to_string(),
        });
    }
    (alnum(code) && code.len() >= 6).then(|| OfficialCode {
        label: "实施编码",
        code: code.to_string(),
    })
}

pub struct Urls<'a> {
    pub base: &'a str,
}

impl Urls<'_> {
    pub fn item(&self, id: &str) -> String {
        format!("{}/items/{id}.html", self.base)
    }
    pub fn department(&self, id: &str) -> String {
        format!("{}/departments/{id}/", self.base)
    }
    pub fn category(&self, name: &str) -> String {
        format!("{}/categories/{}/", self.base, category_slug(name))
    }
    pub fn boundary(&self, id: &str) -> String {
        format!("{}/boundaries/{id}/", self.base)
    }
}

impl ItemView {
    /// The view of `item`; `html` makes the HTML of the texts a claim inherits.
    pub fn new(
        item: &Item,
        dept_name: &str,
        urls: &Urls,
        boundaries: Vec<Link>,
        html: Html,
    ) -> ItemView {
        let guide = item.guide.as_ref().map(|g| {
            let g = &g.value;
            let charge_text = match (g.charged, g.fees.is_empty()) {
                (Some(false), _) => "不收费".to_string(),
                (Some(true), _) | (None, false) => "收费，见下方收费表".to_string(),
                (None, true) => "未注明".to_string(),
            };
            GuideView {
                audience: g.audience.clone(),
                conditions_html: to_html(&g.conditions),
                materials: g
                    .materials
                    .iter()
                    .map(|m| MaterialView {
                        name: m.name.value.clone(),
                        form: m.form.clone(),
                        copies: m.copies,
                        required: m.required,
                        note: m.note.clone(),
                    })
                    .collect(),
                materials_html: if g.materials.is_empty() {
                    to_html(&g.materials_text)
                } else {
                    String::new()
                },
                steps: g
                    .steps
                    .iter()
                    .map(|s| StepView {
                        name: s.name.value.clone(),
                        description_html: to_html(&s.description),
                        time_limit: s.time_limit.clone(),
                        actor: s.actor.clone(),
                        branches: s
                            .branches
                            .iter()
                            .map(|b| BranchView {
                                when: b.when.clone(),
                                outcome: b.outcome.clone(),
                                back_to: b.back_to.clone(),
                            })
                            .collect(),
                    })
                    .collect(),
                flowchart: super::flowchart::svg(&g.steps, &item.name).unwrap_or_default(),
                flowchart_wide: super::flowchart::svg_in(
                    &g.steps,
                    &item.name,
                    &super::flowchart::WIDE,
                )
                .unwrap_or_default(),
                statutory_limit: g.statutory_limit.value.clone(),
                promised_limit: g.promised_limit.value.clone(),
                charge_text,
                fees: g
                    .fees
                    .iter()
                    .map(|f| FeeView {
                        name: f.name.clone(),
                        amount: f.amount.clone(),
                        basis: f.basis.clone(),
                    })
                    .collect(),
                result: g.result.clone(),
                channels: g.channels.clone(),
                place: g.place.clone(),
                hours: g.hours.clone(),
                consult_phone_tel: tel(&g.consult_phone),
                consult_phone: g.consult_phone.clone(),
                complaint_phone_tel: tel(&g.complaint_phone),
                complaint_phone: g.complaint_phone.clone(),
                online_url: safe_url(&g.online_url),
                visits: g.visits,
                notes_html: to_html(&g.notes),
                sample: g.sample,
            }
        });
        ItemView {
            id: item.id.value.clone(),
            name: item.name.value.clone(),
            url: urls.item(&item.id),
            category: item.category.value.clone(),
            category_url: urls.category(&item.category),
            department: Link {
                name: dept_name.to_string(),
                url: urls.department(&item.department),
            },
            code: item.code.clone(),
            official_code: official_code(&item.code),
            sub_items: item
                .sub_items
                .iter()
                .map(|s| SubItemView {
                    name: s.name.value.clone(),
                    code: s.code.clone(),
                    has_own: !s.basis.is_empty()
                        || !s.responsibilities.is_empty()
                        || !s.accountability.is_empty()
                        || !s.remarks.trim().is_empty(),
                    basis: BasisView::new(&s.basis, &html),
                    responsibilities_html: responsibilities_html(&s.responsibilities, &html),
                    accountability_html: accountability_html(&s.accountability, &html),
                    remarks_html: to_html(&s.remarks),
                })
                .collect(),
            basis: BasisView::new(&item.basis, &html),
            body: item.body.clone(),
            unit: item.unit.clone(),
            level: item.level.value.clone(),
            scope: item.scope.clone(),
            duty_html: html.of(&item.duty),
            responsibilities_html: responsibilities_html(&item.responsibilities, &html),
            accountability_html: accountability_html(&item.accountability, &html),
            delegation: item.delegation.as_ref().map(|d| DelegationView {
                to_level: d.to_level.value.clone(),
                mode: d.mode.value.clone(),
                recipient: d.recipient.clone(),
                basis: d.basis.clone(),
                note: d.note.clone(),
            }),
            supervision: item
                .supervision
                .iter()
                .map(|s| SupervisionView {
                    method: s.method.value.clone(),
                    object: s.object.clone(),
                    content_html: to_html(&s.content),
                    frequency: s.frequency.clone(),
                    unit: s.unit.clone(),
                    basis: s.basis.clone(),
                    sample: s.sample,
                })
                .collect(),
            guide,
            remarks_html: to_html(&item.remarks),
            extra: item
                .extra
                .iter()
                .map(|(k, v)| KeyValue {
                    key: k.clone(),
                    value: v.clone(),
                })
                .collect(),
            source: item.source.as_ref().map(|s| SourceView {
                file: s.file.clone(),
                sheet: s.sheet.clone(),
                row: s.row,
            }),
            boundaries,
            sample: item.sample,
        }
    }
}

/// An item in a list.
#[derive(Serialize, Clone)]
pub struct ItemLink {
    pub id: String,
    pub name: String,
    pub url: String,
    pub sub_items: usize,
    pub guide: bool,
}

#[derive(Serialize)]
pub struct Group {
    pub code: String,
    pub name: String,
    pub items: Vec<ItemLink>,
    /// Number of items (also when `items` is left empty on a long listing).
    pub count: usize,
    /// Where the group's items are listed in full, when not here.
    pub url: String,
}

/// Items of a snapshot grouped by category (official order) — for department pages.
pub fn by_category<'a>(items: impl Iterator<Item = &'a Item>, urls: &Urls) -> Vec<Group> {
    let mut groups: BTreeMap<(usize, String), Vec<ItemLink>> = BTreeMap::new();
    for item in items {
        let rank = Category::from_name(&item.category).map_or(usize::MAX, |c| c as usize);
        groups
            .entry((rank, item.category.value.clone()))
            .or_default()
            .push(link(item, urls));
    }
    groups
        .into_iter()
        .map(|((_, name), items)| Group {
            code: category_slug(&name),
            name,
            count: items.len(),
            items,
            url: String::new(),
        })
        .collect()
}

pub fn link(item: &Item, urls: &Urls) -> ItemLink {
    ItemLink {
        id: item.id.value.clone(),
        name: item.name.value.clone(),
        url: urls.item(&item.id),
        sub_items: item.sub_items.len(),
        guide: item.guide.is_some(),
    }
}

/// Boundaries that mention each item (by item id).
pub fn boundaries_by_item(snap: &Snapshot, urls: &Urls) -> HashMap<String, Vec<Link>> {
    let mut map: HashMap<String, Vec<Link>> = HashMap::new();
    for b in &snap.boundaries {
        for id in &b.value.items {
            map.entry(id.value.clone()).or_default().push(Link {
                name: b.value.name.value.clone(),
                url: urls.boundary(&b.value.id),
            });
        }
    }
    map
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The shared HTML of a text is the text's own HTML, however often and from however many
    /// threads it is asked for; so is an empty text's.
    #[test]
    fn shared_html_is_the_texts_own() {
        let texts = [
            "《中华人民共和国行政许可法》第一条",
            "1.受理责任：依法受理。\n2.审查责任：依法审查。",
            "**粗体**与<script>x</script>",
            "   ",
            "",
        ];
        let shared = SharedHtml::default();
        std::thread::scope(|scope| {
            for _ in 0..4 {
                scope.spawn(|| {
                    for _ in 0..3 {
                        for t in texts {
                            assert_eq!(Html::Shared(&shared).of(t), to_html(t), "{t:?}");
                        }
                    }
                });
            }
        });
        assert_eq!(Html::Own.of(texts[1]), to_html(texts[1]));
        let kept: usize = shared
            .shards
            .iter()
            .map(|m| m.lock().unwrap().values().map(Vec::len).sum::<usize>())
            .sum();
        assert!((3..=3 * 4).contains(&kept), "{kept}");
    }

    #[test]
    fn phones_and_urls() {
        assert_eq!(tel("0990-12345（12345 转接）"), "0990-12345");
        assert_eq!(safe_url("javascript:alert(1)"), "");
        assert_eq!(safe_url(" https://a.gov.cn/ "), "https://a.gov.cn/");
        assert_eq!(category_slug("行政许可"), "xk");
        assert_eq!(category_slug("别的"), "other");
    }
}
