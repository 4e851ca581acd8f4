//! The rules of `check` across jurisdictions (multi-level lists, see `snapshot::tree`):
//! the jurisdiction tree itself, catalogues and their claims (应认尽认: every catalogue item of
//! a jurisdiction's level claimed or declared not applicable with a reason; no claim of an
//! unknown item; no local item without a basis; no local time limit that breaks the catalogue's),
//! and delegation (下放) received (承接) by every jurisdiction named to receive it.

use std::collections::{HashMap, HashSet};

use serde::Serialize;

use crate::diag::{Diagnostic, Severity};
use crate::model::{Span, tier};
use crate::snapshot::tree::{Node, Resolved, Tree, level_applies};
use crate::timelimit::TimeLimit;

/// How far one jurisdiction has claimed the catalogue items of its level.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Coverage {
    /// Folder relative to the lists folder ("" for the root).
    pub path: String,
    pub name: String,
    pub level: String,
    /// Parent's path; `null` for the root.
    pub parent: Option<String>,
    pub items: usize,
    /// Catalogue items of its level (from the catalogues above it).
    pub catalogue_items: usize,
    pub claimed: usize,
    pub not_applicable: usize,
    /// Catalogue items neither claimed nor declared not applicable.
    pub missing: usize,
    /// Its own items that claim nothing.
    pub local: usize,
}

struct Cx<'a> {
    tree: &'a Tree,
    out: Vec<Diagnostic>,
}

impl Cx<'_> {
    fn at(
        &mut self,
        node: usize,
        file: usize,
        span: Span,
        rule: &'static str,
        sev: Severity,
        msg: String,
    ) {
        let snap = &self.tree.nodes[node].snapshot;
        self.out
            .push(Diagnostic::at(rule, sev, snap.source(file), span, msg));
    }

    /// A message about a jurisdiction as a whole: at its name in jurisdiction.toml.
    fn at_jurisdiction(&mut self, node: usize, rule: &'static str, sev: Severity, msg: String) {
        let n = &self.tree.nodes[node];
        match &n.snapshot.jurisdiction {
            Some(j) => {
                let (file, span) = (j.file, j.value.name.span);
                self.at(node, file, span, rule, sev, msg)
            }
            None => self.out.push(Diagnostic::file_level(
                rule,
                sev,
                &n.file("jurisdiction.toml"),
                msg,
            )),
        }
    }

    fn help(&mut self, help: impl Into<String>) {
        if let Some(d) = self.out.last_mut() {
            d.help = Some(help.into());
        }
    }
}

/// The tree's own rules, kept apart so that one jurisdiction's can be run again
/// (`check::TreeChecked::update`): the rules on the tree as a whole (its jurisdictions, then
/// delegation), and for each jurisdiction its catalogue's and claims' with its coverage.
pub struct Across {
    /// `jurisdictions` then `delegation`: rules that read every node.
    pub whole: (Vec<Diagnostic>, Vec<Diagnostic>),
    /// Per node: its catalogue's and its claims' diagnostics.
    pub per_node: Vec<Vec<Diagnostic>>,
    pub coverage: Vec<Coverage>,
}

/// Run the tree's own rules.
pub fn run(tree: &Tree) -> Across {
    use rayon::prelude::*;
    // Each jurisdiction's catalogue and claims on its own, in parallel.
    let (per_node, coverage): (Vec<Vec<Diagnostic>>, Vec<Coverage>) = (0..tree.nodes.len())
        .into_par_iter()
        .map(|node| run_node(tree, node))
        .unzip();
    Across {
        whole: run_whole(tree),
        per_node,
        coverage,
    }
}

/// The rules of one jurisdiction's catalogue and claims, and its coverage.
pub fn run_node(tree: &Tree, node: usize) -> (Vec<Diagnostic>, Coverage) {
    let mut own = Cx {
        tree,
        out: Vec::new(),
    };
    catalogue(&mut own, node);
    let coverage = claims(&mut own, node);
    (own.out, coverage)
}

/// The rules on the tree as a whole: its jurisdictions (codes, levels), and delegation.
pub fn run_whole(tree: &Tree) -> (Vec<Diagnostic>, Vec<Diagnostic>) {
    let mut cx = Cx {
        tree,
        out: Vec::new(),
    };
    jurisdictions(&mut cx);
    let places = std::mem::take(&mut cx.out);
    delegation(&mut cx);
    (places, cx.out)
}

fn jurisdictions(cx: &mut Cx) {
    let tree = cx.tree;
    let mut codes: HashMap<&str, usize> = HashMap::new();
    for (i, n) in tree.nodes.iter().enumerate() {
        let Some(j) = &n.snapshot.jurisdiction else {
            continue;
        };
        let code = j.value.code.trim();
        if !code.is_empty()
            && let Some(&other) = codes.get(code)
        {
            cx.at_jurisdiction(
                i,
                "jurisdiction-duplicate-code",
                Severity::Error,
                format!(
                    "区划代码 {code} 已是“{}”（{}）的代码",
                    tree.nodes[other].name(),
                    tree.nodes[other].file("jurisdiction.toml")
                ),
            );
            cx.help("每个区划的 code 写它自己的 6 位行政区划代码");
        }
        codes.entry(code).or_insert(i);
        if n.parent.is_some() && code.is_empty() && !crate::check::valid_id(n.folder()) {
            cx.at_jurisdiction(
                i,
                "jurisdiction-level",
                Severity::Error,
                format!(
                    "下级区划“{}”没有区划代码，文件夹名“{}”也不能用作实施编码的一部分",
                    n.name(),
                    n.folder()
                ),
            );
            cx.help("在 jurisdiction.toml 中写 code = \"650202\"（区划代码）：认领的事项的实施编码是“基本编码-区划代码”");
        }
        let Some(parent) = n.parent else {
            continue;
        };
        let (rank, above) = (n.rank(), tree.nodes[parent].rank());
        if rank == 0 {
            cx.at_jurisdiction(
                i,
                "jurisdiction-level",
                Severity::Error,
                format!("下级区划“{}”的层级“{}”无法识别", n.name(), j.value.level),
            );
            cx.help("在 jurisdiction.toml 中写 level = \"省级\"、\"地州市级\"、\"县级\"（县、市、区）或 \"乡镇级\"（乡镇、街道）：据此确定要认领指导目录中哪一级的事项");
        } else if above > 0 && rank >= above {
            cx.at_jurisdiction(
                i,
                "jurisdiction-level",
                Severity::Error,
                format!(
                    "下级区划“{}”（{}）不低于上级“{}”（{}）",
                    n.name(),
                    tier::name(rank),
                    tree.nodes[parent].name(),
                    tier::name(above)
                ),
            );
            cx.help("jurisdictions/ 下只放下一级（或更低）的区划；同级的区划放在同一个上级之下");
        }
    }
}

fn catalogue(cx: &mut Cx, node: usize) {
    let snap = &cx.tree.nodes[node].snapshot;
    for e in &snap.catalogue {
        let c = &e.value;
        if c.code.as_str() != e.stem {
            cx.at(
                node,
                e.file,
                c.code.span,
                "id-mismatch",
                Severity::Error,
                format!(
                    "基本编码 \"{}\" 与文件名 \"{}.toml\" 不一致",
                    c.code.as_str(),
                    e.stem
                ),
            );
            cx.help(format!(
                "把 code 改为 \"{}\"，或把文件改名为 {}.toml",
                e.stem,
                c.code.as_str()
            ));
        }
        if !crate::check::valid_id(c.code.as_str()) {
            cx.at(
                node,
                e.file,
                c.code.span,
                "invalid-id",
                Severity::Error,
                format!(
                    "基本编码 \"{}\" 含有不能用于文件名或网址的字符",
                    c.code.as_str()
                ),
            );
            cx.help("基本编码只用英文字母、数字和 - _ .，如 \"ZJ-XK-0001\"；认领文件以它为文件名");
        }
        // What the claims inherit is checked here, once, at the catalogue.
        match crate::model::Category::from_name(c.category.as_str()) {
            None => {
                cx.at(
                    node,
                    e.file,
                    c.category.span,
                    "unknown-category",
                    Severity::Error,
                    format!(
                        "职权类别 \"{}\" 不是十类之一（或公共服务）",
                        c.category.as_str()
                    ),
                );
                cx.help("写行政许可、行政处罚、行政强制、行政征收、行政给付、行政检查、行政确认、行政奖励、行政裁决、其他行政权力或公共服务");
            }
            Some(cat)
                if cat.needs_basis()
                    && c.basis.is_empty()
                    && c.sub_items.iter().all(|s| s.basis.is_empty()) =>
            {
                cx.at(
                    node,
                    e.file,
                    c.category.span,
                    "missing-basis",
                    Severity::Error,
                    format!("{}事项必须写明实施依据", c.category.as_str()),
                );
                cx.help("加上 [basis] 表，在 text 中写依据原文；认领它的各区划都继承这里的依据");
            }
            Some(_) => {}
        }
        if c.levels.is_empty() {
            cx.at(
                node,
                e.file,
                c.name.span,
                "catalogue-without-levels",
                Severity::Error,
                format!("指导目录事项“{}”没有写哪一级行使", c.name.as_str()),
            );
            cx.help("加一个或几个 [[levels]] 表：level = \"县（市、区）级\"，以及该级的 body、unit、时限");
        }
        for l in &c.levels {
            if tier::levels(&l.level).is_none() {
                cx.at(
                    node,
                    e.file,
                    l.level.span,
                    "catalogue-level",
                    Severity::Error,
                    format!("层级“{}”无法识别", l.level.as_str()),
                );
                cx.help("写成“地州市级”“县（市、区）级”“乡镇（街道）级”这样带“级”的层级");
            }
        }
    }
}

/// A claim's file name, as the editor would write it.
fn claim_path(node: &Node, folder: &str, code: &str) -> String {
    node.file(&format!("departments/{folder}/claims/{code}.toml"))
}

fn claims(cx: &mut Cx, node: usize) -> Coverage {
    let tree = cx.tree;
    let n = &tree.nodes[node];
    let snap = &n.snapshot;
    let rank = n.rank();
    let under_catalogue = tree
        .ancestors(node)
        .any(|a| !tree.nodes[a].snapshot.catalogue.is_empty());
    let mut claimed_codes: HashMap<&str, usize> = HashMap::new();
    let (mut claimed, mut not_applicable) = (0, 0);
    for (i, (e, r)) in snap.claims.iter().zip(&n.claims).enumerate() {
        let c = &e.value;
        let code = c.catalogue.as_str();
        if code != e.stem {
            cx.at(
                node,
                e.file,
                c.catalogue.span,
                "id-mismatch",
                Severity::Error,
                format!(
                    "认领的基本编码 \"{code}\" 与文件名 \"{}.toml\" 不一致",
                    e.stem
                ),
            );
            cx.help(format!(
                "把 catalogue 改为 \"{}\"，或把文件改名为 {code}.toml",
                e.stem
            ));
        }
        if let Some(&first) = claimed_codes.get(code) {
            let other = &snap.claims[first];
            cx.at(
                node,
                e.file,
                c.catalogue.span,
                "claim-duplicate",
                Severity::Error,
                format!(
                    "指导目录事项 {code} 在本区划认领了两次（另一次在 {}）",
                    claim_path(n, &other.folder, &other.stem)
                ),
            );
            cx.help(
                "一个目录事项由一个部门认领；几个部门共同行使时写在牵头部门，承办机构写明配合部门",
            );
        }
        claimed_codes.entry(code).or_insert(i);
        match r {
            Resolved::Unknown => {
                let above: Vec<String> = tree
                    .ancestors(node)
                    .filter(|&a| !tree.nodes[a].snapshot.catalogue.is_empty())
                    .map(|a| tree.nodes[a].file("catalogue/"))
                    .collect();
                cx.at(
                    node,
                    e.file,
                    c.catalogue.span,
                    "claim-unknown",
                    Severity::Error,
                    format!("上级区划的指导目录中没有基本编码为 {code} 的事项"),
                );
                cx.help(if n.parent.is_none() {
                    "根区划不认领：claims/ 只用于下级区划（jurisdictions/ 下）认领上级的目录；根区划自己的事项写在 items/ 中".to_string()
                } else if above.is_empty() {
                    "本区划之上没有指导目录（catalogue/）：自设的事项写在 items/ 中，并写明实施依据".to_string()
                } else {
                    format!("核对编码（目录在 {}）；目录中没有的事项是本级自设事项，写在 items/ 中并写明实施依据", above.join("、"))
                });
            }
            Resolved::NotApplicable { catalogue } => {
                not_applicable += 1;
                let reason = c.not_applicable.as_ref().map_or("", |r| r.as_str());
                if reason.trim().is_empty() {
                    let span = c
                        .not_applicable
                        .as_ref()
                        .map_or(c.catalogue.span, |r| r.span);
                    cx.at(
                        node,
                        e.file,
                        span,
                        "not-applicable-reason",
                        Severity::Error,
                        format!("不认领指导目录事项 {code}，但没有写理由"),
                    );
                    cx.help("应认尽认：不认领的事项要写明理由，如 not_applicable = \"本区没有民用机场，不涉及此项\"");
                }
                let local = !c.body.is_empty()
                    || !c.unit.is_empty()
                    || c.guide.is_some()
                    || !c.supervision.is_empty()
                    || c.delegation.is_some();
                if local {
                    cx.at(
                        node,
                        e.file,
                        c.catalogue.span,
                        "not-applicable-with-content",
                        Severity::Warning,
                        format!("指导目录事项 {code} 写了不适用，又写了本地的内容（主体、指南、监管……），这些内容不会公布"),
                    );
                    cx.help(
                        "确实不适用就只留 catalogue 和 not_applicable；要认领就删去 not_applicable",
                    );
                }
                let _ = catalogue;
            }
            Resolved::Item { catalogue, .. } => {
                let cat = &tree.catalogue_entry(*catalogue).value;
                let level = cat.levels.iter().find(|l| level_applies(l, rank));
                match level {
                    None => {
                        let levels: Vec<&str> =
                            cat.levels.iter().map(|l| l.level.as_str()).collect();
                        cx.at(
                            node,
                            e.file,
                            c.catalogue.span,
                            "claim-not-for-level",
                            Severity::Warning,
                            format!(
                                "指导目录中“{}”由{}行使，本区划是{}",
                                cat.name.as_str(),
                                levels.join("、"),
                                tier::name(rank)
                            ),
                        );
                        cx.help("核对是否有权行使：上级下放的写 [receives]；否则删去这一认领");
                    }
                    // Only a claim of an item of its level counts toward 应认尽认: with one
                    // off its level, claimed + not applicable + missing would pass the total.
                    Some(l) => {
                        claimed += 1;
                        limits(cx, node, e.file, c, l, cat.name.as_str());
                    }
                }
            }
        }
    }
    // 应认尽认
    let applicable = tree.applicable(node);
    let mut missing = 0;
    for at in &applicable {
        let cat = tree.catalogue_entry(*at);
        let code = cat.value.code.as_str();
        if claimed_codes.contains_key(code) {
            continue;
        }
        missing += 1;
        let level = cat
            .value
            .levels
            .iter()
            .find(|l| level_applies(l, rank))
            .map_or("", |l| l.level.as_str());
        cx.at_jurisdiction(
            node,
            "unclaimed-catalogue-item",
            Severity::Error,
            format!(
                "“{}”没有认领指导目录事项“{}”（{code}，{level}，{}）",
                n.name(),
                cat.value.name.as_str(),
                tree.nodes[at.0].file(&format!("catalogue/{}.toml", cat.stem))
            ),
        );
        let dept = if cat.value.sector.is_empty() {
            "<部门>".to_string()
        } else {
            format!("<{}部门>", cat.value.sector)
        };
        cx.help(format!(
            "应认尽认：写 {} 认领（catalogue = \"{code}\"，再写本地的主体、承办机构、办事指南）；本级不适用时写 not_applicable = \"理由\"",
            claim_path(n, &dept, code)
        ));
    }
    // Local items: those no claim made.
    let from_claims: HashSet<&str> = n
        .claims
        .iter()
        .filter_map(|r| match r {
            Resolved::Item { id, .. } => Some(id.as_str()),
            _ => None,
        })
        .collect();
    let mut local = 0;
    for e in &snap.items {
        if from_claims.contains(e.value.id.as_str()) {
            continue;
        }
        local += 1;
        let item = &e.value;
        let has_basis =
            !item.basis.is_empty() || item.sub_items.iter().any(|s| !s.basis.is_empty());
        // (It replaces `missing-basis` for the same item: see `check_tree`.)
        if under_catalogue && !has_basis {
            cx.at(
                node,
                e.file,
                e.value.name.span,
                "local-item-without-basis",
                Severity::Error,
                format!(
                    "本级自设事项“{}”（不在上级指导目录中）没有实施依据",
                    e.value.name.as_str()
                ),
            );
            cx.help("自设事项必须写明法律、法规、规章依据（[basis] text = \"【法律】《……》第……条\"）；若是目录中的事项，改为认领（claims/）");
        }
    }
    Coverage {
        path: n.path.clone(),
        name: n.name().to_string(),
        level: n.level().to_string(),
        parent: n.parent.map(|p| tree.nodes[p].path.clone()),
        items: snap.items.len(),
        catalogue_items: applicable.len(),
        claimed,
        not_applicable,
        missing,
        local,
    }
}

/// A claim's time limits against its catalogue level's: the statutory limit is the law's and
/// cannot differ; a promise may be shorter than the catalogue's, not longer.
fn limits(
    cx: &mut Cx,
    node: usize,
    file: usize,
    claim: &crate::model::Claim,
    level: &crate::model::CatalogueLevel,
    name: &str,
) {
    let Some(g) = &claim.guide else {
        return;
    };
    let g = &g.value;
    let (ls, lp) = (g.statutory_limit.trim(), g.promised_limit.trim());
    if !ls.is_empty()
        && !level.statutory_limit.trim().is_empty()
        && TimeLimit::parse(ls) != TimeLimit::parse(&level.statutory_limit)
    {
        cx.at(
            node,
            file,
            g.statutory_limit.span,
            "claim-contradicts-catalogue",
            Severity::Error,
            format!(
                "“{name}”的法定时限写作“{ls}”，指导目录为“{}”",
                level.statutory_limit
            ),
        );
        cx.help(
            "法定时限由法律规定，各地相同：删去本地的 statutory_limit（取目录的），或请目录修正",
        );
    }
    let cap = [&level.promised_limit, &level.statutory_limit]
        .into_iter()
        .find(|t| !t.trim().is_empty());
    if let (Some(cap), Some(p)) = (cap, TimeLimit::parse(lp))
        && let Some(c) = TimeLimit::parse(cap)
        && p.exceeds(c)
    {
        cx.at(
            node,
            file,
            g.promised_limit.span,
            "claim-contradicts-catalogue",
            Severity::Error,
            format!("“{name}”承诺时限“{lp}”长于指导目录的“{cap}”"),
        );
        cx.help("同一事项同一标准：本地承诺时限只能等于或短于目录的时限");
    }
}

/// 下放 and 承接: every receiver named by a delegation has an item that receives it, and every
/// receiving item names a delegation that exists.
fn delegation(cx: &mut Cx) {
    let tree = cx.tree;
    let finder = crate::snapshot::tree::Finder::new(tree);
    // Each jurisdiction's items by id, made when first needed.
    let mut ids: HashMap<usize, HashMap<&str, usize>> = HashMap::new();
    // (receiving node, delegating node, delegated item id) → receiving item (node, file, batch)
    let mut received: HashMap<(usize, usize, &str), (usize, &str)> = HashMap::new();
    for (node, n) in tree.nodes.iter().enumerate() {
        for e in &n.snapshot.items {
            let Some(r) = &e.value.receives else {
                continue;
            };
            let Some(from) = finder.find(r.from.as_str(), None) else {
                cx.at(
                    node,
                    e.file,
                    r.from.span,
                    "receives-unknown",
                    Severity::Error,
                    format!("承接的下放来自“{}”，清单中没有这个区划", r.from.as_str()),
                );
                cx.help(
                    "from 写下放区划在 jurisdictions/ 下的文件夹（如 \"dsz\"）、区划代码或名称",
                );
                continue;
            };
            let items = &tree.nodes[from].snapshot.items;
            let source = ids
                .entry(from)
                .or_insert_with(|| {
                    items
                        .iter()
                        .enumerate()
                        .map(|(k, i)| (i.value.id.as_str(), k))
                        .collect()
                })
                .get(r.item.as_str())
                .map(|&k| &items[k]);
            match source {
                None => {
                    cx.at(
                        node,
                        e.file,
                        r.item.span,
                        "receives-unknown",
                        Severity::Error,
                        format!(
                            "承接的事项 {} 不在“{}”的清单中",
                            r.item.as_str(),
                            tree.nodes[from].name()
                        ),
                    );
                    cx.help("item 写下放事项在上级清单中的编码（id；认领的事项为实施编码）");
                }
                Some(s) => {
                    let named = s.value.delegation.as_ref().is_some_and(|d| {
                        d.receivers
                            .iter()
                            .any(|x| finder.find(x.as_str(), Some(from)) == Some(node))
                    });
                    if !named {
                        cx.at(
                            node,
                            e.file,
                            r.item.span,
                            "receives-unknown",
                            Severity::Warning,
                            format!(
                                "“{}”的事项 {} 没有下放给本区划（其 [delegation] 的 receivers 中没有“{}”）",
                                tree.nodes[from].name(),
                                r.item.as_str(),
                                n.name()
                            ),
                        );
                        cx.help(
                            "请上级在该事项的 delegation.receivers 中列出本区划，或核对承接的事项",
                        );
                    }
                    received.insert((node, from, r.item.as_str()), (e.file, r.batch.as_str()));
                }
            }
        }
    }
    for (node, n) in tree.nodes.iter().enumerate() {
        for e in &n.snapshot.items {
            let Some(d) = &e.value.delegation else {
                continue;
            };
            if d.receivers.is_empty() {
                continue;
            }
            let mut statuses = Vec::new();
            let mut first_missing: Option<Span> = None;
            for r in &d.receivers {
                match finder.find(r.as_str(), Some(node)) {
                    None => {
                        cx.at(
                            node,
                            e.file,
                            r.span,
                            "delegation-unknown-receiver",
                            Severity::Error,
                            format!("下放给“{}”，清单中没有这个区划", r.as_str()),
                        );
                        cx.help("receivers 写承接区划在 jurisdictions/ 下的文件夹、区划代码或名称");
                    }
                    Some(to) => {
                        let got = received.get(&(to, node, e.value.id.as_str()));
                        let status = if got.is_some() {
                            "已承接"
                        } else {
                            "待承接"
                        };
                        statuses.push(format!("{}：{status}", tree.nodes[to].name()));
                        if got.is_none() && first_missing.is_none() {
                            first_missing = Some(r.span);
                        }
                    }
                }
            }
            if let Some(span) = first_missing {
                let batch = if d.batch.is_empty() {
                    String::new()
                } else {
                    format!("（{}）", d.batch)
                };
                cx.at(
                    node,
                    e.file,
                    span,
                    "delegation-not-received",
                    Severity::Error,
                    format!(
                        "“{}”下放{batch}尚未全部承接：{}",
                        e.value.name.as_str(),
                        statuses.join("；")
                    ),
                );
                cx.help(format!(
                    "每个承接区划要有承接这一事项的事项（认领或自设），写 [receives] from = \"{}\"、item = \"{}\"{}",
                    n.code(),
                    e.value.id.as_str(),
                    if d.batch.is_empty() {
                        String::new()
                    } else {
                        format!("、batch = \"{}\"", d.batch)
                    }
                ));
            }
        }
    }
}
