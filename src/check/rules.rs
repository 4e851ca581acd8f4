//! The rules of `qingdan check`. Each has a stable name; `RULES` lists them all for the docs.

use std::collections::{HashMap, HashSet};

use crate::diag::{Diagnostic, Severity};
use crate::model::{CHANGE_KINDS, Category, DELEGATION_MODES, Located, Span};
use crate::snapshot::Snapshot;
use crate::timelimit::TimeLimit;

/// Every rule `check` (and the loader) can report: name, severity, what it means.
pub const RULES: &[(&str, &str, &str)] = &[
    ("toml-syntax", "error", "TOML 语法错误"),
    ("unknown-key", "error", "未知的键（多为拼写错误）"),
    ("missing-key", "error", "缺少必填的键"),
    ("wrong-type", "error", "值的类型不对"),
    ("duplicate-key", "error", "同一个键写了两次"),
    ("encoding", "error", "文件不是 UTF-8 编码"),
    ("bom", "warning", "文件以 UTF-8 BOM 开头"),
    ("empty-file", "error", "文件为空"),
    ("file-too-large", "error", "文件超过 8 MB"),
    ("unreadable-file", "error", "文件无法读取"),
    (
        "unexpected-file",
        "error",
        "文件不在约定位置（非 .toml 文件为警告）",
    ),
    ("missing-jurisdiction", "error", "缺少 jurisdiction.toml"),
    (
        "missing-department-file",
        "error",
        "部门文件夹中缺少 department.toml",
    ),
    (
        "id-mismatch",
        "error",
        "编码与文件名（或部门标识与文件夹名）不一致",
    ),
    (
        "department-mismatch",
        "error",
        "事项的 department 与所在文件夹不一致",
    ),
    ("invalid-id", "error", "编码含有不能用于文件名或网址的字符"),
    ("duplicate-id", "error", "同一事项编码在清单中出现两次"),
    ("empty-name", "error", "名称为空"),
    (
        "unknown-category",
        "error",
        "职权类别不是十类之一（或公共服务）",
    ),
    ("missing-basis", "error", "该类别的事项必须有实施依据"),
    (
        "promised-exceeds-statutory",
        "error",
        "承诺时限长于法定时限",
    ),
    ("time-limit-format", "warning", "时限写法无法识别"),
    (
        "feedback-address",
        "warning",
        "意见反馈的地址（feedback_url、feedback_email）不能用",
    ),
    (
        "site-look",
        "warning",
        "网站的颜色或徽标（colors、logo）不能用",
    ),
    (
        "unknown-delegation-mode",
        "error",
        "下放方式不是授权、委托、延伸服务、代办之一",
    ),
    (
        "boundary-unknown-department",
        "error",
        "边界事项提到不存在的部门",
    ),
    ("boundary-parties", "error", "边界事项少于两个部门"),
    ("boundary-unknown-item", "error", "边界事项提到不存在的事项"),
    (
        "adjustment-unknown-item",
        "error",
        "调整声明提到本版清单中不存在的事项",
    ),
    (
        "adjustment-unknown-kind",
        "error",
        "调整类型不是规定的九种之一",
    ),
    (
        "undeclared-change",
        "error",
        "（check --against）事项有变化，但本版调整声明中没有",
    ),
    (
        "declared-change-not-found",
        "error",
        "（check --against）调整声明中的变化没有发生",
    ),
    ("duplicate-name", "warning", "同一部门中两个事项同名"),
    ("duplicate-sub-item", "warning", "同一事项中两个子项同名"),
    // Multi-level lists (check/tree.rs).
    (
        "jurisdiction-level",
        "error",
        "（多级清单）下级区划的层级无法识别，或不低于上级",
    ),
    (
        "jurisdiction-duplicate-code",
        "error",
        "（多级清单）两个区划的区划代码相同",
    ),
    (
        "catalogue-without-levels",
        "error",
        "（多级清单）指导目录事项没有写哪一级行使",
    ),
    (
        "catalogue-level",
        "error",
        "（多级清单）指导目录事项的层级无法识别",
    ),
    (
        "unclaimed-catalogue-item",
        "error",
        "（多级清单）应认尽认：本级的指导目录事项既没有认领，也没有写明不适用的理由",
    ),
    (
        "claim-unknown",
        "error",
        "（多级清单）认领的基本编码不在上级的指导目录中",
    ),
    (
        "claim-duplicate",
        "error",
        "（多级清单）同一目录事项在一个区划认领了两次",
    ),
    (
        "not-applicable-reason",
        "error",
        "（多级清单）不认领（not_applicable）没有写理由",
    ),
    (
        "not-applicable-with-content",
        "warning",
        "（多级清单）写了不适用，又写了本地的内容",
    ),
    (
        "claim-not-for-level",
        "warning",
        "（多级清单）认领的目录事项不由本级行使",
    ),
    (
        "claim-contradicts-catalogue",
        "error",
        "（多级清单）本地的法定时限与目录不同，或承诺时限长于目录",
    ),
    (
        "local-item-without-basis",
        "error",
        "（多级清单）本级自设事项（不在上级目录中）没有实施依据",
    ),
    (
        "delegation-unknown-receiver",
        "error",
        "（多级清单）下放的承接区划不在清单中",
    ),
    (
        "delegation-not-received",
        "error",
        "（多级清单）下放的事项有承接区划还没有承接（待承接）",
    ),
    (
        "receives-unknown",
        "error",
        "（多级清单）承接的区划或事项不存在（上级没有下放给本区划时为警告）",
    ),
];

struct Ctx<'a> {
    snap: &'a Snapshot,
    out: Vec<Diagnostic>,
}

impl Ctx<'_> {
    fn at(&mut self, rule: &'static str, sev: Severity, file: usize, span: Span, msg: String) {
        let d = Diagnostic::at(rule, sev, self.snap.source(file), span, msg);
        self.out.push(d);
    }

    /// `id-mismatch` when a file's own id (`key`) differs from its file name (or, for a
    /// department, its folder name).
    fn id_matches(
        &mut self,
        file: usize,
        key: &str,
        value: &Located<String>,
        what: &str,
        name: &str,
    ) {
        if value.as_str() == name {
            return;
        }
        let folder = what == "部门标识";
        let (place, rename) = if folder {
            (
                format!("文件夹名 \"{name}\""),
                format!("把文件夹改名为 {}", value.as_str()),
            )
        } else {
            (
                format!("文件名 \"{name}.toml\""),
                format!("把文件改名为 {}.toml", value.as_str()),
            )
        };
        let message = format!("{what} \"{}\" 与{place}不一致", value.as_str());
        self.at("id-mismatch", Severity::Error, file, value.span, message);
        self.with_help(format!("把 {key} 改为 \"{name}\"，或{rename}"));
    }

    fn with_help(&mut self, help: impl Into<String>) {
        if let Some(last) = self.out.pop() {
            self.out.push(last.with_help(help));
        }
    }
}

pub fn run(snap: &Snapshot) -> Vec<Diagnostic> {
    let mut cx = Ctx {
        snap,
        out: Vec::new(),
    };
    layout(&mut cx);
    let item_ids = items(&mut cx);
    boundaries(&mut cx, &item_ids);
    adjustments(&mut cx, &item_ids);
    cx.out
}

/// Ids become file names and URL segments: keep them to letters, digits, `-`, `_` and `.`.
/// Can `id` be a file name and a URL part (ASCII letters, digits, - _ .)?
pub(crate) fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && !id.starts_with('.')
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// `feedback-address`: a feedback address item pages could not use (they then leave it out).
fn feedback_address(cx: &mut Ctx, file: usize, j: &crate::model::Jurisdiction) {
    let url = j.feedback_url.trim();
    if !url.is_empty() && crate::render::view::safe_url(url).is_empty() {
        cx.at(
            "feedback-address",
            Severity::Warning,
            file,
            j.feedback_url.span,
            format!("feedback_url \"{url}\" 不是 http:// 或 https:// 地址，事项页不会用它"),
        );
        cx.with_help(
            "写成完整的网址，如 \"https://www.example.gov.cn/fankui\"；不接收网上反馈就删去这一行",
        );
    }
    let email = j.feedback_email.trim();
    if !email.is_empty() && !crate::render::usable_email(email) {
        cx.at(
            "feedback-address",
            Severity::Warning,
            file,
            j.feedback_email.span,
            format!("feedback_email \"{email}\" 不是电子邮件地址，事项页不会用它"),
        );
        cx.with_help("写成 \"名字@域名\"，如 \"jiucuo@example.gov.cn\"，不带空格、尖括号或问号");
    } else if !email.is_empty() && !url.is_empty() {
        cx.at(
            "feedback-address",
            Severity::Warning,
            file,
            j.feedback_email.span,
            "同时写了 feedback_url 和 feedback_email：表单提交到 feedback_url，不显示邮件链接"
                .into(),
        );
        cx.with_help("只保留要用的一个");
    }
}

/// `site-look`: a colour or logo of jurisdiction.toml the site would leave out (`build` says
/// so too, but an editor runs `check` first).
fn site_look(cx: &mut Ctx, file: usize, j: &crate::model::Jurisdiction) {
    use crate::render::citizen::{usable_colour, usable_logo};
    for (key, value) in [
        ("colors.primary", &j.colors.primary),
        ("colors.accent", &j.colors.accent),
    ] {
        if value.trim().is_empty() {
            continue;
        }
        if let Err(why) = usable_colour(key, value) {
            cx.at("site-look", Severity::Warning, file, value.span, why);
            cx.with_help(
                "写成 \"#\" 加六位十六进制数，颜色要够深，白色文字在它上面才看得清，如 \"#8a1c1c\"",
            );
        }
    }
    let logo = j.logo.trim();
    if logo.is_empty() {
        return;
    }
    // The logo's path as the loader saw it: beside this jurisdiction.toml.
    let dir = cx.snap.files[file]
        .path
        .strip_suffix("jurisdiction.toml")
        .unwrap_or("");
    match usable_logo(logo) {
        Err(why) => {
            cx.at("site-look", Severity::Warning, file, j.logo.span, why);
            cx.with_help(
                "把图片放进清单文件夹，写它相对于 jurisdiction.toml 的路径，如 \"logo.svg\"",
            );
        }
        Ok((rel, _)) => {
            let path = format!("{dir}{}", rel.to_string_lossy().replace('\\', "/"));
            if !cx.snap.images.contains(&path) {
                cx.at(
                    "site-look",
                    Severity::Warning,
                    file,
                    j.logo.span,
                    format!(
                        "jurisdiction.toml 的 logo \"{logo}\" 在清单文件夹中找不到，网站没有用它"
                    ),
                );
                cx.with_help("检查文件名的拼写和大小写，或把图片放到 jurisdiction.toml 旁边");
            }
        }
    }
}

fn layout(cx: &mut Ctx) {
    let snap = cx.snap;
    if snap.jurisdiction.is_none()
        && !snap.files.iter().any(|f| {
            // A lower jurisdiction's paths start from the root (snapshot::tree).
            f.path == "jurisdiction.toml"
                || f.path.ends_with("/jurisdiction.toml") && !f.path.contains("/departments/")
        })
    {
        cx.out.push(
            Diagnostic::file_level(
                "missing-jurisdiction",
                Severity::Error,
                "jurisdiction.toml",
                "缺少 jurisdiction.toml（本级行政区划的名称、代码、版本）",
            )
            .with_help(
                "在清单根目录新建 jurisdiction.toml，至少写 name = \"…\"；见 docs/format.md",
            ),
        );
    }
    if let Some(j) = &snap.jurisdiction {
        feedback_address(cx, j.file, &j.value);
        site_look(cx, j.file, &j.value);
    }
    if let Some(j) = &snap.jurisdiction
        && j.value.name.trim().is_empty()
    {
        cx.at(
            "empty-name",
            Severity::Error,
            j.file,
            j.value.name.span,
            "行政区划名称为空".into(),
        );
    }
    let with_file: HashSet<&str> = snap.departments.iter().map(|d| d.folder.as_str()).collect();
    for folder in &snap.department_folders {
        if !with_file.contains(folder.as_str()) {
            cx.out.push(
                Diagnostic::file_level(
                    "missing-department-file",
                    Severity::Error,
                    &format!("departments/{folder}/department.toml"),
                    format!("部门文件夹 {folder} 中缺少 department.toml"),
                )
                .with_help("新建该文件，写上 id = \"文件夹名\" 和 name = \"部门全称\""),
            );
        }
    }
    for d in &snap.departments {
        let dept = &d.value;
        cx.id_matches(d.file, "id", &dept.id, "部门标识", &d.folder);
        if !valid_id(&d.folder) {
            cx.at(
                "invalid-id",
                Severity::Error,
                d.file,
                dept.id.span,
                format!("部门文件夹名 \"{}\" 含有不能用于网址的字符", d.folder),
            );
            cx.with_help(
                "只用英文字母、数字、连字符（-）、下划线（_）和点（.），不以点开头，如 rsj、sthjj",
            );
        }
        if dept.name.trim().is_empty() {
            cx.at(
                "empty-name",
                Severity::Error,
                d.file,
                dept.name.span,
                "部门名称为空".into(),
            );
            cx.with_help("填写部门全称，如 name = \"克拉玛依市统计局\"");
        }
    }
}

/// Item rules; returns the set of item ids in the snapshot.
fn items<'a>(cx: &mut Ctx<'a>) -> HashSet<&'a str> {
    let snap = cx.snap;
    let mut first_by_id: HashMap<&str, usize> = HashMap::with_capacity(snap.items.len());
    let mut names: HashMap<(&str, &str), usize> = HashMap::with_capacity(snap.items.len());
    for (index, e) in snap.items.iter().enumerate() {
        let item = &e.value;
        let id = item.id.as_str();
        cx.id_matches(e.file, "id", &item.id, "事项编码", &e.stem);
        if id == e.stem && !valid_id(id) {
            cx.at(
                "invalid-id",
                Severity::Error,
                e.file,
                item.id.span,
                format!("事项编码 \"{id}\" 含有不能用于文件名或网址的字符"),
            );
            cx.with_help("只用英文字母、数字、连字符（-）、下划线（_）和点（.），不以点开头");
        }
        match first_by_id.get(id) {
            Some(&other) => {
                let other_path = snap.source(snap.items[other].file).path.clone();
                cx.at(
                    "duplicate-id",
                    Severity::Error,
                    e.file,
                    item.id.span,
                    format!("事项编码 \"{id}\" 重复：{other_path} 已使用"),
                );
                cx.with_help(
                    "每个事项的编码在整个清单中必须唯一；给其中一个换一个新编码（同时改文件名）",
                );
            }
            None => {
                first_by_id.insert(id, index);
            }
        }
        if item.department.as_str() != e.folder {
            cx.at(
                "department-mismatch",
                Severity::Error,
                e.file,
                item.department.span,
                format!(
                    "事项写的部门是 \"{}\"，但文件在部门文件夹 \"{}\" 中",
                    item.department.as_str(),
                    e.folder
                ),
            );
            cx.with_help(format!(
                "若事项属于 {0}，把 department 改为 \"{0}\"；否则把文件移到 departments/{1}/items/",
                e.folder,
                item.department.as_str()
            ));
        }
        let name = item.name.trim();
        if name.is_empty() {
            cx.at(
                "empty-name",
                Severity::Error,
                e.file,
                item.name.span,
                "事项名称为空".into(),
            );
            cx.with_help("填写事项名称，与公布的清单一致");
        } else if let Some(&other) = names.get(&(e.folder.as_str(), name)) {
            let other_path = snap.source(snap.items[other].file).path.clone();
            cx.at(
                "duplicate-name",
                Severity::Warning,
                e.file,
                item.name.span,
                format!("同一部门中已有同名事项：{other_path}"),
            );
            cx.with_help("若是同一事项，合并为一个事项的子项；若不同，请在名称中区分");
        } else {
            names.insert((e.folder.as_str(), name), index);
        }
        let category = Category::from_name(&item.category);
        match category {
            None => {
                let written = item.category.as_str();
                let guess = Category::from_name(written.trim())
                    .or_else(|| Category::recognise(written))
                    .or_else(|| {
                        Category::ALL
                            .into_iter()
                            .find(|c| written.contains(c.name()))
                    });
                let message = if Category::from_name(written.trim()).is_some() {
                    format!("职权类别 \"{written}\" 前后有多余的空格")
                } else {
                    format!("职权类别 \"{written}\" 不是规定的类别")
                };
                cx.at(
                    "unknown-category",
                    Severity::Error,
                    e.file,
                    item.category.span,
                    message,
                );
                let list = Category::ALL.map(|c| c.name()).join("、");
                match guess {
                    Some(c) => {
                        cx.with_help(format!("是否应为 \"{}\"？可用的类别：{list}", c.name()))
                    }
                    None => cx.with_help(format!("可用的类别：{list}")),
                }
            }
            Some(c) if c.needs_basis() => {
                let has_basis =
                    !item.basis.is_empty() || item.sub_items.iter().any(|s| !s.basis.is_empty());
                if !has_basis {
                    cx.at(
                        "missing-basis",
                        Severity::Error,
                        e.file,
                        item.category.span,
                        format!("{}事项必须写明实施依据", c.name()),
                    );
                    cx.with_help("加上 [basis] 表，在 text 中写依据原文，如【法律】《中华人民共和国行政许可法》第二十九条：……");
                }
            }
            Some(_) => {}
        }
        let mut sub_names = HashSet::new();
        for sub in &item.sub_items {
            let n = sub.name.trim();
            if n.is_empty() {
                cx.at(
                    "empty-name",
                    Severity::Error,
                    e.file,
                    sub.name.span,
                    "子项名称为空".into(),
                );
                cx.with_help("填写子项名称，或删除这个 [[sub_items]] 表");
            } else if !sub_names.insert(n) {
                cx.at(
                    "duplicate-sub-item",
                    Severity::Warning,
                    e.file,
                    sub.name.span,
                    format!("子项 \"{n}\" 在本事项中出现两次"),
                );
                cx.with_help("删除重复的子项，或在名称中区分");
            }
        }
        if let Some(d) = &item.delegation
            && !DELEGATION_MODES.contains(&d.mode.trim())
        {
            cx.at(
                "unknown-delegation-mode",
                Severity::Error,
                e.file,
                d.mode.span,
                format!("下放方式 \"{}\" 不是规定的方式", d.mode.as_str()),
            );
            cx.with_help(format!("可用的方式：{}", DELEGATION_MODES.join("、")));
        }
        if let Some(g) = &item.guide {
            time_limits(cx, e.file, &g.statutory_limit, &g.promised_limit);
        }
    }
    first_by_id.into_keys().collect()
}

fn time_limits(cx: &mut Ctx, file: usize, statutory: &Located<String>, promised: &Located<String>) {
    let parse = |cx: &mut Ctx, v: &Located<String>, what: &str| {
        if v.trim().is_empty() {
            return None;
        }
        let parsed = TimeLimit::parse(v);
        if parsed.is_none() {
            cx.at(
                "time-limit-format",
                Severity::Warning,
                file,
                v.span,
                format!("{what} \"{}\" 的写法无法识别", v.as_str()),
            );
            cx.with_help("写成“20个工作日”“60日”“3个月”或“即办”，便于比较和统计");
        }
        parsed
    };
    let s = parse(cx, statutory, "法定时限");
    let p = parse(cx, promised, "承诺时限");
    if let (Some(s), Some(p)) = (s, p)
        && p.exceeds(s)
    {
        cx.at(
            "promised-exceeds-statutory",
            Severity::Error,
            file,
            promised.span,
            format!(
                "承诺时限 \"{}\" 长于法定时限 \"{}\"",
                promised.as_str(),
                statutory.as_str()
            ),
        );
        cx.with_help("承诺时限只能等于或短于法定时限；核对两个时限");
    }
}

fn boundaries(cx: &mut Ctx, item_ids: &HashSet<&str>) {
    let snap = cx.snap;
    let folders: HashSet<&str> = snap.department_folders.iter().map(String::as_str).collect();
    for e in &snap.boundaries {
        let b = &e.value;
        cx.id_matches(e.file, "id", &b.id, "边界事项编号", &e.stem);
        if b.id.as_str() == e.stem && !valid_id(&e.stem) {
            cx.at(
                "invalid-id",
                Severity::Error,
                e.file,
                b.id.span,
                format!("边界事项编号 \"{}\" 含有不能用于文件名或网址的字符", e.stem),
            );
            cx.with_help("只用英文字母、数字、连字符（-）、下划线（_）和点（.），如 B001");
        }
        if b.name.trim().is_empty() {
            cx.at(
                "empty-name",
                Severity::Error,
                e.file,
                b.name.span,
                "边界事项名称为空".into(),
            );
            cx.with_help("填写边界事项名称，如 name = \"餐饮油烟污染监管\"");
        }
        if b.parties.len() < 2 {
            cx.at(
                "boundary-parties",
                Severity::Error,
                e.file,
                b.name.span,
                format!("边界事项只列了 {} 个部门，至少要两个", b.parties.len()),
            );
            cx.with_help("为每个相关部门加一个 [[parties]] 表，写 department 和 duty");
        }
        for p in &b.parties {
            if !folders.contains(p.department.as_str()) {
                cx.at(
                    "boundary-unknown-department",
                    Severity::Error,
                    e.file,
                    p.department.span,
                    format!("部门 \"{}\" 不存在", p.department.as_str()),
                );
                cx.with_help(suggest(
                    "部门",
                    p.department.as_str(),
                    folders.iter().copied(),
                ));
            }
        }
        for id in &b.items {
            if !item_ids.contains(id.as_str()) {
                cx.at(
                    "boundary-unknown-item",
                    Severity::Error,
                    e.file,
                    id.span,
                    format!("事项 \"{}\" 不存在", id.as_str()),
                );
                cx.with_help("检查事项编码，或删除这一项");
            }
        }
    }
}

fn adjustments(cx: &mut Ctx, item_ids: &HashSet<&str>) {
    let snap = cx.snap;
    let current = snap
        .jurisdiction
        .as_ref()
        .map(|j| j.value.edition.as_str())
        .filter(|e| !e.is_empty());
    for e in &snap.adjustments {
        let a = &e.value;
        // Declarations of earlier editions are history: their items may since have gone.
        let historic = current.is_some_and(|c| c != e.stem);
        cx.id_matches(e.file, "edition", &a.edition, "版本", &e.stem);
        for change in &a.changes {
            if !CHANGE_KINDS.contains(&change.kind.trim()) {
                cx.at(
                    "adjustment-unknown-kind",
                    Severity::Error,
                    e.file,
                    change.kind.span,
                    format!("调整类型 \"{}\" 不是规定的类型", change.kind.as_str()),
                );
                cx.with_help(format!("可用的类型：{}", CHANGE_KINDS.join("、")));
            }
            for id in &change.new_ids {
                if !historic && !item_ids.contains(id.as_str()) {
                    cx.at(
                        "adjustment-unknown-item",
                        Severity::Error,
                        e.file,
                        id.span,
                        format!("调整后的事项 \"{}\" 不在本版清单中", id.as_str()),
                    );
                    cx.with_help(
                        "new_ids 只能写本版清单中存在的事项编码；被取消的事项写在 old_ids",
                    );
                }
            }
        }
    }
}

fn suggest<'a>(what: &str, wrong: &str, known: impl Iterator<Item = &'a str>) -> String {
    let mut known: Vec<&str> = known.collect();
    known.sort_unstable();
    let close: Vec<&str> = known
        .iter()
        .copied()
        .filter(|k| {
            k.contains(wrong) || wrong.contains(k) || crate::diag::edit_distance(k, wrong) <= 2
        })
        .collect();
    if let Some(best) = close.first() {
        format!("是否应为 \"{best}\"？")
    } else {
        let shown: Vec<&str> = known.iter().copied().take(12).collect();
        format!(
            "{what}标识是 departments/ 下的文件夹名：{}{}",
            shown.join("、"),
            if known.len() > shown.len() {
                "……"
            } else {
                ""
            }
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_url_safe() {
        assert!(valid_id("650200207XK01600"));
        assert!(valid_id("rsj-XK-3f2a"));
        assert!(!valid_id("../x"));
        assert!(!valid_id("行政"));
        assert!(!valid_id(""));
    }
}
