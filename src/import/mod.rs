//! `qingdan import`: spreadsheets (xls, xlsx, CSV in UTF-8 or GBK) into list files.
//!
//! `workbook` reads a file into text grids (format sniffed from the bytes), `header` finds the
//! header row and maps columns, `rows` turns data rows into item drafts, `build` makes items and
//! ids, and this module writes the tree — never overwriting an editor's file without `--force`.

mod build;
pub mod catalogue;
pub mod claims;
mod header;
pub mod identity;
mod rows;
mod split;
mod text;
pub mod update;
mod workbook;

pub use rows::Skipped;

/// Does `import` recognise this column header as a list field (not an extra column)?
pub fn recognise_header(h: &str) -> bool {
    header::recognise(h).is_some_and(|f| !matches!(f, header::Field::Extra(_)))
}

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::Error;
use crate::model::{Department, Item, Jurisdiction, Located};

pub struct Options {
    pub into: PathBuf,
    pub force: bool,
    /// Update the departments the files hold in place (see `update`).
    pub update: bool,
    pub dry_run: bool,
    pub quiet: bool,
    /// `--department ID`: the department folder the files' own department is, whatever the
    /// spreadsheets call it (see `identity`).
    pub department: Option<String>,
    /// `--catalogue`: the files are a guiding catalogue, written to `catalogue/` (see
    /// `catalogue`).
    pub catalogue: bool,
}

/// The import report (JSON as in DESIGN.md, plus counts and what was written).
#[derive(Debug, Serialize)]
pub struct Report {
    /// Rows of the lists imported: items without sub-items plus sub-items.
    pub entries: usize,
    pub items: usize,
    pub sub_items: usize,
    pub files: Vec<FileReport>,
    pub into: String,
    pub dry_run: bool,
    /// Files created or overwritten (relative to `into`).
    pub written: Vec<String>,
    /// Files that already had exactly this content.
    pub unchanged: usize,
    /// Existing files whose content differs: not written without `--force`.
    pub conflicts: Vec<String>,
    /// Existing jurisdiction and department files, kept as the editor left them.
    pub kept: Vec<String>,
    /// With `--update`: item files removed (relative to `into`).
    pub removed: Vec<String>,
    /// With `--update`: what the update did to the departments' items.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub update: Option<update::Update>,
    /// Into a lower jurisdiction of a multi-level repository: the rows matched with the
    /// catalogue above it (written as claims), the rows that were not, the catalogue items no
    /// row claimed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub claims: Option<claims::Report>,
    /// With `--catalogue`: the catalogue items the files make (one per matter, whatever the
    /// number of levels it has).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub catalogue_items: Option<usize>,
    /// With `--update`: the adjustment the update makes, as `qingdan diff` between the lists
    /// before and after reports it (with `--dry-run`, before anything is written).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub adjustment: Option<crate::diff::Diff>,
}

impl Report {
    pub fn ok(&self) -> bool {
        self.conflicts.is_empty()
            && self
                .files
                .iter()
                .all(|f| f.error.is_none() && f.department_candidates.is_empty())
    }

    /// Some file's department could be any of several: nothing may be written.
    pub fn ambiguous(&self) -> bool {
        self.files
            .iter()
            .any(|f| !f.department_candidates.is_empty())
    }
}

#[derive(Debug, Serialize)]
pub struct FileReport {
    pub path: String,
    /// The real format, sniffed from the content.
    pub format: String,
    pub department: String,
    pub department_id: String,
    /// How the department was recognised among those the lists already have; `null` for a
    /// department new to the lists.
    pub department_match: Option<identity::How>,
    /// When the department could not be told for sure: the departments it could be. Nothing is
    /// written; choose one with `--department ID`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub department_candidates: Vec<identity::Candidate>,
    pub sheets: Vec<SheetReport>,
    /// Why nothing could be imported from this file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct SheetReport {
    pub name: String,
    /// The level the sheet's name gives (“市级” → 地州市级), canonical; `null` when it names none.
    pub level: Option<String>,
    /// 1-based row of the header; `null` when the sheet has none.
    pub header_row: Option<usize>,
    pub entries: usize,
    pub items: usize,
    pub sub_items: usize,
    pub skipped: Vec<Skipped>,
    pub skipped_columns: Vec<SkippedColumn>,
    pub notes: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct SkippedColumn {
    /// Column letter, as Excel shows it.
    pub column: String,
    pub header: String,
    pub reason: String,
}

fn column_letter(mut c: usize) -> String {
    let mut s = Vec::new();
    loop {
        s.push(b'A' + (c % 26) as u8);
        if c < 26 {
            break;
        }
        c = c / 26 - 1;
    }
    s.reverse();
    String::from_utf8_lossy(&s).to_string()
}

/// What one spreadsheet gives.
struct Imported {
    report: FileReport,
    /// The file's department first, then any named in a "所属部门" column.
    departments: Vec<Department>,
    items: Vec<Item>,
}

/// The title above the header: the first text in the rows above it.
fn title(sheet: &workbook::Sheet, header_row: usize) -> Option<String> {
    (0..header_row).find_map(|r| {
        (0..sheet.width())
            .map(|c| sheet.value(r, c).trim())
            .find(|v| !v.is_empty())
            .map(str::to_string)
    })
}

fn most_common(values: impl Iterator<Item = String>) -> Option<String> {
    let mut counts: HashMap<String, usize> = HashMap::new();
    let mut order = Vec::new();
    for v in values {
        if v.is_empty() {
            continue;
        }
        let n = counts.entry(v.clone()).or_insert(0);
        if *n == 0 {
            order.push(v);
        }
        *n += 1;
    }
    order.into_iter().max_by_key(|v| counts[v])
}

fn import_file(
    path: &Path,
    ids: &mut build::Ids,
    registry: &mut identity::Registry,
    jurisdiction: Option<&str>,
    chosen: Option<&str>,
) -> Result<Imported, Error> {
    let (format, sheets) = workbook::read(path)?;
    let file_name = path
        .file_name()
        .map(|s| s.to_string_lossy().to_string())
        .unwrap_or_default();
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().to_string())
        .unwrap_or_default();
    // Read every sheet first: the department name may come from any title.
    let mut parsed = Vec::new();
    let mut titles = Vec::new();
    let mut bodies = Vec::new();
    for sheet in &sheets {
        // A hidden sheet is not part of the published list (like hidden rows and columns).
        let header = if sheet.visible {
            header::find(sheet)
        } else {
            None
        };
        if let Some(h) = &header {
            if let Some(t) = title(sheet, h.row) {
                titles.push(t);
            }
            let (drafts, skipped) = rows::parse(sheet, h);
            for d in &drafts {
                if let Some(b) = d.fields.get(&header::Field::Body) {
                    bodies.push(b.clone());
                }
            }
            parsed.push((sheet, header, drafts, skipped));
        } else {
            parsed.push((sheet, None, Vec::new(), Vec::new()));
        }
    }
    let expand = |body: &str| -> String {
        match (body.strip_prefix('市'), jurisdiction) {
            (Some(rest), Some(j)) if !body.starts_with("市场") => format!("{j}{rest}"),
            _ => body.to_string(),
        }
    };
    let department = titles
        .iter()
        .map(|t| build::strip_title(t))
        .find(|t| build::looks_like_department(t))
        .or_else(|| {
            most_common(bodies.iter().map(|b| expand(b)))
                .filter(|b| build::looks_like_department(b) && !b.starts_with("地州市"))
        })
        .or_else(|| Some(build::strip_title(&stem)).filter(|s| build::looks_like_department(s)))
        .unwrap_or_else(|| build::strip_title(&stem));
    // Each department's rows: the file's, and those a "所属部门" column gives to another.
    let row_department = |d: &rows::ItemDraft| -> String {
        d.fields
            .get(&header::Field::Department)
            .map(|n| expand(n))
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| department.clone())
    };
    let mut names: Vec<String> = vec![department.clone()];
    let mut codes: Vec<Vec<&str>> = vec![Vec::new()];
    let mut keys: Vec<HashSet<String>> = vec![HashSet::new()];
    for (_, _, drafts, _) in &parsed {
        for d in drafts {
            let n = row_department(d);
            let i = names.iter().position(|x| *x == n).unwrap_or_else(|| {
                names.push(n);
                codes.push(Vec::new());
                keys.push(HashSet::new());
                names.len() - 1
            });
            if let Some(c) = d.fields.get(&header::Field::Code) {
                codes[i].push(c);
            }
            keys[i].insert(identity::item_key(&d.name));
        }
    }
    // The departments, found among those the lists have or new, in the order of `names`.
    let mut resolved = Vec::new();
    for (i, n) in names.iter().enumerate() {
        let chosen = if i == 0 { chosen } else { None };
        resolved.push(registry.resolve(n, &codes[i], &keys[i], chosen));
    }
    let depts_of = |r: &identity::Resolved, n: &str| {
        new_department(
            r.folder.clone(),
            r.name.clone().unwrap_or_else(|| n.to_string()),
        )
    };
    let mut depts: Vec<Department> = resolved
        .iter()
        .zip(&names)
        .map(|(r, n)| depts_of(r, n))
        .collect();
    let mut report = FileReport {
        path: path.display().to_string(),
        format: format.name().to_string(),
        department: department.clone(),
        department_id: resolved[0].folder.clone(),
        department_match: resolved[0].how,
        department_candidates: resolved
            .iter()
            .flat_map(|r| r.candidates.iter().cloned())
            .collect(),
        sheets: Vec::new(),
        error: None,
    };
    let dept_notes: Vec<String> = resolved.iter().filter_map(|r| r.note.clone()).collect();
    let mut items = Vec::new();
    for (sheet, header, drafts, skipped) in parsed {
        let mut sr = SheetReport {
            name: sheet.name.clone(),
            level: catalogue::sheet_level(&sheet.name).map(str::to_string),
            header_row: header.as_ref().map(|h| h.row + 1),
            entries: 0,
            items: 0,
            sub_items: 0,
            skipped,
            skipped_columns: Vec::new(),
            notes: sheet.notes.clone(),
        };
        if report.sheets.is_empty() {
            sr.notes.extend(dept_notes.iter().cloned());
        }
        match &header {
            None if !sheet.visible => sr
                .notes
                .push("隐藏的工作表（表格中不显示），未导入；如需导入请在表格中取消隐藏".into()),
            None if sheet.height() == 0 || (0..sheet.height()).all(|r| !sheet.row_has_own_text(r)) => {
                sr.notes.push("空工作表".into())
            }
            None => sr.notes.push(
                "未找到表头：前 30 行中没有一行同时包含“事项名称”（或“项目”“职权名称”）和至少两个其他栏目（序号、权力类型、实施依据……）".into(),
            ),
            Some(h) => {
                for (c, header, reason) in &h.skipped_columns {
                    sr.skipped_columns.push(SkippedColumn {
                        column: column_letter(*c),
                        header: header.clone(),
                        reason: reason.clone(),
                    });
                }
            }
        }
        for mut draft in drafts {
            // A "所属部门" column names each row's department; otherwise the file's.
            let name = row_department(&draft);
            draft.fields.remove(&header::Field::Department);
            let index = names.iter().position(|n| *n == name).unwrap_or(0);
            let dept = &mut depts[index];
            if let Some(d) = draft.fields.get(&header::Field::Duty)
                && !dept.duties.contains(d)
            {
                dept.duties.push(d.clone());
            }
            let cx = build::Context {
                dept_id: &dept.id.value,
                dept_name: &dept.name.value,
                file_name: &file_name,
                sheet: &sheet.name,
            };
            let (item, notes) = build::item(&cx, ids, draft);
            sr.items += 1;
            sr.sub_items += item.sub_items.len();
            sr.entries += item.sub_items.len().max(1);
            sr.notes.extend(notes);
            items.push(item);
        }
        report.sheets.push(sr);
    }
    if items.is_empty() {
        report.error =
            Some("没有导入任何事项：没有找到含“事项名称”等栏目的表头，或表头下没有数据".into());
    }
    Ok(Imported {
        report,
        departments: depts,
        items,
    })
}

/// Can `id` be a department folder (lowercase letters, digits, hyphens)?
fn valid_folder(id: &str) -> bool {
    !id.is_empty()
        && !id.starts_with('-')
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// A department record as import makes it: id, name and short name ("克拉玛依市统计局" → "市统计局").
fn new_department(id: String, name: String) -> Department {
    let short_name = build::jurisdiction_prefix(&name)
        .and_then(|p| {
            name.strip_prefix(&p).map(|rest| {
                format!(
                    "{}{rest}",
                    p.chars().last().map(String::from).unwrap_or_default()
                )
            })
        })
        .unwrap_or_default();
    Department {
        id: Located::new(id),
        name: Located::new(name),
        short_name,
        ..Department::default()
    }
}

/// What should be on disk after the import, by relative path.
enum Planned {
    /// Written (or overwritten with --force) when different.
    Item(String),
    /// Written only when absent: the editor owns it afterwards.
    CreateOnly(String),
}

fn jurisdiction_of(into: &Path) -> Option<String> {
    let text = std::fs::read_to_string(into.join("jurisdiction.toml")).ok()?;
    let j: Jurisdiction = toml::from_str(&text).ok()?;
    Some(j.name.value)
}

/// Import `files` into `opts.into`.
pub fn run(files: &[PathBuf], opts: &Options) -> Result<Report, Error> {
    for f in files {
        if !f.is_file() {
            return Err(Error::Read {
                path: f.clone(),
                source: std::io::Error::new(std::io::ErrorKind::NotFound, "文件不存在"),
            });
        }
    }
    if opts.catalogue && opts.update {
        return Err(Error::Usage(
            "--catalogue 与 --update 不能同时用：指导目录按事项比较，重新导入时直接导入（内容不同的文件需加 --force）".into(),
        ));
    }
    // Into a lower jurisdiction under a catalogue: its level must be known to match rows with
    // the catalogue items of that level.
    if !opts.catalogue
        && let Some((root, rel)) = claims::locate(&opts.into)
    {
        let tree = crate::snapshot::tree::Tree::load(&root)?;
        let node = tree.nodes.iter().position(|n| n.path == rel);
        let parent = node.and_then(|n| tree.nodes[n].parent).or_else(|| {
            crate::snapshot::tree::parent_of(&rel)
                .and_then(|p| tree.nodes.iter().position(|n| n.path == p))
        });
        let under_catalogue = parent.is_some_and(|p| {
            !tree.nodes[p].snapshot.catalogue.is_empty()
                || tree
                    .ancestors(p)
                    .any(|a| !tree.nodes[a].snapshot.catalogue.is_empty())
        });
        if under_catalogue && node.is_none_or(|n| tree.nodes[n].rank() == 0) {
            return Err(Error::Usage(format!(
                "{} 是多级清单中的下级区划，上级有指导目录：先在 {} 中写 name、code 和 level（如 level = \"县级\"），导入时才能把表格的行与本级的目录事项对照",
                rel,
                opts.into.join("jurisdiction.toml").display()
            )));
        }
    }
    let existing = if opts.update {
        if !opts.into.join("departments").is_dir() {
            return Err(Error::Usage(format!(
                "--update 更新已有的清单，但 {} 中没有 departments 文件夹；第一次导入请不加 --update",
                opts.into.display()
            )));
        }
        Some(crate::Snapshot::load_dir(&opts.into)?)
    } else {
        None
    };
    let existing_jurisdiction = jurisdiction_of(&opts.into);
    // The departments the lists already have, to recognise each spreadsheet's among them.
    let current = match &existing {
        Some(_) => None,
        None if opts.into.join("departments").is_dir() => {
            Some(crate::Snapshot::load_dir(&opts.into)?)
        }
        None => None,
    };
    let mut registry = match existing.as_ref().or(current.as_ref()) {
        Some(lists) => identity::Registry::new(lists, existing_jurisdiction.clone()),
        None => identity::Registry::new(&crate::Snapshot::default(), existing_jurisdiction.clone()),
    };
    drop(current);
    if let Some(d) = &opts.department {
        if !valid_folder(d) {
            return Err(Error::Usage(format!(
                "--department {d}：部门标识只能由小写字母、数字和连字符组成（如 tjj）"
            )));
        }
        if opts.update && !registry.has(d) {
            return Err(Error::Usage(format!(
                "--department {d}：{} 中没有这个部门；已有的部门：{}",
                opts.into.display(),
                registry.folders().join("、")
            )));
        }
    }
    let bar = crate::progress::bar(files.len() as u64, "导入表格", opts.quiet);
    let mut ids = build::Ids::default();
    let mut imported = Vec::new();
    for f in files {
        bar.set_message(
            f.file_name()
                .map(|n| n.to_string_lossy().to_string())
                .unwrap_or_default(),
        );
        // A guess at the jurisdiction from this file's name, to expand "市…局" bodies.
        let guess = existing_jurisdiction.clone().or_else(|| {
            build::jurisdiction_prefix(&build::strip_title(
                &f.file_stem()
                    .map(|s| s.to_string_lossy().to_string())
                    .unwrap_or_default(),
            ))
        });
        match import_file(
            f,
            &mut ids,
            &mut registry,
            guess.as_deref(),
            opts.department.as_deref(),
        ) {
            Ok(i) => imported.push(i),
            Err(e) => imported.push(Imported {
                report: FileReport {
                    path: f.display().to_string(),
                    format: String::new(),
                    department: String::new(),
                    department_id: String::new(),
                    department_match: None,
                    department_candidates: Vec::new(),
                    sheets: Vec::new(),
                    error: Some(e.to_string()),
                },
                departments: Vec::new(),
                items: Vec::new(),
            }),
        }
        bar.inc(1);
    }
    bar.finish_and_clear();

    // Plan the files.
    let mut plan: BTreeMap<String, (Planned, String)> = BTreeMap::new();
    // `--catalogue`: notes per file, and how many catalogue items.
    let mut catalogue_notes: Vec<(String, Vec<String>)> = Vec::new();
    let mut catalogue_items = 0;
    let mut catalogue_codes: HashSet<String> = HashSet::new();
    let mut new_items: HashMap<String, &Item> = HashMap::new();
    let mut departments: BTreeMap<String, Department> = BTreeMap::new();
    if opts.catalogue {
        for i in &mut imported {
            // A catalogue has no departments: nothing to tell apart.
            i.report.department_candidates.clear();
        }
    }
    for i in imported.iter().filter(|_| opts.catalogue) {
        let sheets: Vec<catalogue::Sheet> = i
            .report
            .sheets
            .iter()
            .map(|s| catalogue::Sheet {
                level: catalogue::sheet_level(&s.name),
                items: i
                    .items
                    .iter()
                    .filter(|it| it.source.as_ref().is_some_and(|r| r.sheet == s.name))
                    .collect(),
            })
            .collect();
        let sector = identity::name_keys(&i.report.department, None)
            .into_iter()
            .next()
            .unwrap_or_default();
        let sector = sector
            .strip_suffix("局")
            .or_else(|| sector.strip_suffix("委员会"))
            .unwrap_or(&sector)
            .to_string();
        let (items, notes) = catalogue::build(&sheets, &sector, &mut catalogue_codes);
        catalogue_notes.push((i.report.path.clone(), notes));
        for c in items {
            let path = format!("catalogue/{}.toml", c.code.as_str());
            plan.insert(
                path.clone(),
                (Planned::Item(path), toml::to_string_pretty(&c)?),
            );
            catalogue_items += 1;
        }
    }
    for (path, notes) in catalogue_notes {
        if let Some(i) = imported.iter_mut().find(|i| i.report.path == path)
            && let Some(first) = i.report.sheets.first_mut()
        {
            first.notes.extend(notes);
        }
    }
    // Into a lower jurisdiction of a multi-level repository: rows of the catalogue above it
    // become claims.
    let mut claimed: HashSet<(String, String)> = HashSet::new();
    let mut claims_report = None;
    // With `--update`: the claims found, (department folder, claim), planned with the items.
    let mut update_claims: Option<Vec<(String, crate::model::Claim)>> = None;
    if let Some((root, rel)) = claims::locate(&opts.into).filter(|_| !opts.catalogue) {
        let tree = crate::snapshot::tree::Tree::load(&root)?;
        if let Some(node) = tree.nodes.iter().position(|n| n.path == rel)
            && !tree.applicable(node).is_empty()
        {
            let all: Vec<&Item> = imported.iter().flat_map(|i| &i.items).collect();
            let owned: Vec<Item> = all.iter().map(|i| (*i).clone()).collect();
            let (found, report) = claims::find(&tree, node, &owned, opts.update);
            if opts.update {
                let mut planned = Vec::new();
                for (i, claim) in found {
                    let item = all[i];
                    claimed.insert((item.department.value.clone(), item.id.value.clone()));
                    planned.push((item.department.value.clone(), claim));
                }
                update_claims = Some(planned);
                claims_report = Some(report);
            } else {
                for (i, claim) in found {
                    let item = all[i];
                    let path = format!(
                        "departments/{}/claims/{}.toml",
                        item.department.as_str(),
                        claim.catalogue.as_str()
                    );
                    plan.insert(
                        path.clone(),
                        (Planned::Item(path), toml::to_string_pretty(&claim)?),
                    );
                    claimed.insert((item.department.value.clone(), item.id.value.clone()));
                }
                claims_report = Some(report);
            }
        }
    }
    for i in imported.iter().filter(|_| !opts.catalogue) {
        if i.items.is_empty() {
            continue;
        }
        for d in &i.departments {
            if !i.items.iter().any(|it| it.department.value == d.id.value) {
                continue;
            }
            match departments.get_mut(&d.id.value) {
                Some(existing) => {
                    for duty in &d.duties {
                        if !existing.duties.contains(duty) {
                            existing.duties.push(duty.clone());
                        }
                    }
                }
                None => {
                    departments.insert(d.id.value.clone(), d.clone());
                }
            }
        }
        if opts.update {
            continue;
        }
        for item in &i.items {
            if claimed.contains(&(item.department.value.clone(), item.id.value.clone())) {
                continue;
            }
            let path = format!(
                "departments/{}/items/{}.toml",
                item.department.as_str(),
                item.id.as_str()
            );
            new_items.insert(path.clone(), item);
            plan.insert(
                path.clone(),
                (Planned::Item(path), toml::to_string_pretty(item)?),
            );
        }
    }
    for (id, d) in &departments {
        let path = format!("departments/{id}/department.toml");
        plan.insert(
            path.clone(),
            (Planned::CreateOnly(path), toml::to_string_pretty(d)?),
        );
    }
    if existing_jurisdiction.is_none()
        && !opts.catalogue
        && let Some(name) = departments
            .values()
            .find_map(|d| build::jurisdiction_prefix(&d.name))
    {
        let level = match name.chars().last() {
            Some('省') => "省级",
            Some('市') | Some('州') | Some('盟') => "市级",
            Some('县') | Some('区') | Some('旗') => "县级",
            _ => "",
        };
        let j = Jurisdiction {
            name: Located::new(name),
            level: level.to_string(),
            description:
                "由 qingdan import 根据导入的表格生成；请补充区划代码、版本、公布日期和文号。"
                    .into(),
            ..Jurisdiction::default()
        };
        plan.insert(
            "jurisdiction.toml".into(),
            (
                Planned::CreateOnly("jurisdiction.toml".into()),
                toml::to_string_pretty(&j)?,
            ),
        );
    }

    let mut report = Report {
        entries: 0,
        items: 0,
        sub_items: 0,
        files: Vec::new(),
        into: opts.into.display().to_string(),
        dry_run: opts.dry_run,
        written: Vec::new(),
        unchanged: 0,
        conflicts: Vec::new(),
        kept: Vec::new(),
        removed: Vec::new(),
        update: None,
        adjustment: None,
        catalogue_items: opts.catalogue.then_some(catalogue_items),
        claims: claims_report,
    };

    let mut to_write = Vec::new();
    let mut to_remove = Vec::new();
    let ambiguous = imported
        .iter()
        .any(|i| !i.report.department_candidates.is_empty());
    if let Some(existing) = existing.as_ref().filter(|_| !ambiguous) {
        // Rows that became claims are no local items.
        let all: Vec<Item> = imported
            .iter()
            .flat_map(|i| i.items.iter())
            .filter(|it| !claimed.contains(&(it.department.value.clone(), it.id.value.clone())))
            .cloned()
            .collect();
        let mut planned = update::plan(existing, &all)?;
        for (rel, content) in planned.writes {
            to_write.push((rel.clone(), opts.into.join(&rel), content));
        }
        to_remove = planned.removes;
        if let Some(found) = update_claims.take() {
            let folders: std::collections::BTreeSet<String> = imported
                .iter()
                .flat_map(|i| i.items.iter().map(|it| it.department.value.clone()))
                .collect();
            let (up, writes, removes) = claims::plan_update(existing, found, &folders)?;
            for (rel, content) in writes {
                to_write.push((rel.clone(), opts.into.join(&rel), content));
            }
            to_remove.extend(removes);
            to_remove.sort();
            to_remove.dedup();
            report.unchanged += up.unchanged;
            planned.update.claims = Some(up);
        }
        report.unchanged += planned.update.unchanged;
        report.update = Some(planned.update);
    }
    for (path, (kind, content)) in &plan {
        let full = opts.into.join(path);
        let existing = std::fs::read(&full).ok();
        // What an editor added that no spreadsheet holds (guide, supervision, delegation) is
        // kept: the spreadsheet's version is compared, and written, with it. Items compare by
        // content, so an editor's formatting or key order is no conflict either.
        let old_item: Option<Item> = match (kind, &existing) {
            (Planned::Item(_), Some(old)) => std::str::from_utf8(old)
                .ok()
                .and_then(|t| toml::from_str(t).ok()),
            _ => None,
        };
        let merged = match (&old_item, new_items.get(path)) {
            (Some(old), Some(new)) => Some(keep_editor_fields(old, new)),
            _ => None,
        };
        if merged.is_some() && merged == old_item {
            report.unchanged += 1;
            continue;
        }
        let content = match merged {
            Some(m) => toml::to_string_pretty(&m)?,
            None => content.clone(),
        };
        if existing.as_deref() == Some(content.as_bytes()) {
            report.unchanged += 1;
            continue;
        }
        match (kind, existing) {
            (_, None) => to_write.push((path.clone(), full, content)),
            (Planned::CreateOnly(p), Some(_)) => report.kept.push(p.clone()),
            (Planned::Item(p), Some(_)) => {
                if opts.force {
                    to_write.push((path.clone(), full, content));
                } else {
                    report.conflicts.push(p.clone());
                }
            }
        }
    }
    let blocked = !report.conflicts.is_empty() || ambiguous;
    if let Some(existing) = existing.as_ref().filter(|_| !blocked) {
        report.adjustment = Some(adjustment(existing, &opts.into, &to_write, &to_remove)?);
    }
    if !opts.dry_run && !blocked {
        for (rel, full, content) in &to_write {
            crate::atomic::write(full, content.as_bytes())?;
            report.written.push(rel.clone());
        }
        for rel in &to_remove {
            let full = opts.into.join(rel);
            std::fs::remove_file(&full).map_err(|source| Error::Write { path: full, source })?;
            report.removed.push(rel.clone());
        }
    } else if !blocked {
        report.written = to_write.iter().map(|(rel, _, _)| rel.clone()).collect();
        report.removed = to_remove;
    }
    for i in imported {
        for s in &i.report.sheets {
            report.entries += s.entries;
            report.items += s.items;
            report.sub_items += s.sub_items;
        }
        report.files.push(i.report);
    }
    Ok(report)
}

/// The adjustment an update makes: `diff` between the lists as they are and as they will be
/// once `writes` are written and `removes` removed (nothing is written to find it).
fn adjustment(
    before: &crate::Snapshot,
    into: &Path,
    writes: &[(String, PathBuf, String)],
    removes: &[String],
) -> Result<crate::diff::Diff, Error> {
    let mut files: BTreeMap<String, crate::snapshot::RawFile> = crate::snapshot::raw_dir(into)?
        .into_iter()
        .map(|f| (f.path.clone(), f))
        .collect();
    for rel in removes {
        files.remove(rel);
    }
    for (rel, _, content) in writes {
        files.insert(
            rel.clone(),
            crate::snapshot::RawFile::text(rel.clone(), content.clone()),
        );
    }
    let after = crate::Snapshot::from_raw(
        &format!("{}（导入后）", into.display()),
        files.into_values().collect(),
    );
    Ok(crate::diff::diff(before, &after))
}

/// The new item with what an editor added to the existing item and the spreadsheet does not
/// hold: supervision measures, delegation, and the service guide when the sheet has none.
fn keep_editor_fields(old: &Item, new: &Item) -> Item {
    let old = old.clone();
    let mut merged = new.clone();
    if merged.supervision.is_empty() {
        merged.supervision = old.supervision;
    }
    if merged.delegation.is_none() {
        merged.delegation = old.delegation;
    }
    merged.guide = merge_guide(old.guide, merged.guide.take());
    merged
}

/// The guide of a re-imported item or claim: the sheet's guide columns win; what the sheet
/// lacks comes from the editor's guide (`old`); no guide in the sheet keeps the editor's.
pub(crate) fn merge_guide(
    old: Option<Box<Located<crate::model::Guide>>>,
    mut sheet_guide: Option<Box<Located<crate::model::Guide>>>,
) -> Option<Box<Located<crate::model::Guide>>> {
    match (&mut sheet_guide, old) {
        (None, old) => old,
        // The sheet's guide columns win; what it lacks comes from the editor's guide.
        (Some(g), Some(old)) => {
            let sheet = std::mem::take(&mut g.value);
            let empty = crate::model::Guide::default();
            let mut keep = old.value;
            macro_rules! from_sheet {
                ($($f:ident),*) => {$(
                    if sheet.$f != empty.$f {
                        keep.$f = sheet.$f;
                    }
                )*};
            }
            // The same materials, which the editor described more fully, stay the editor's.
            let same_materials = sheet.materials.len() == keep.materials.len()
                && sheet
                    .materials
                    .iter()
                    .zip(&keep.materials)
                    .all(|(a, b)| a.name == b.name);
            if !same_materials {
                keep.materials = sheet.materials;
            }
            from_sheet!(
                audience,
                conditions,
                materials_text,
                steps,
                statutory_limit,
                promised_limit,
                charged,
                fees,
                result,
                channels,
                place,
                hours,
                consult_phone,
                complaint_phone,
                online_url,
                visits,
                notes
            );
            g.value = keep;
            sheet_guide
        }
        (Some(_), None) => sheet_guide,
    }
}

/// The text report.
pub fn render_text(r: &Report) -> String {
    let mut out = String::new();
    for f in &r.files {
        let _ = writeln!(out, "{}", f.path);
        if let Some(e) = &f.error {
            let _ = writeln!(out, "  错误：{e}");
        }
        if !f.department_candidates.is_empty() {
            let _ = writeln!(
                out,
                "  错误：无法确定表格中的部门“{}”是哪个已有部门，没有写入任何文件。可能是：",
                f.department
            );
            for c in &f.department_candidates {
                let _ = writeln!(
                    out,
                    "    {}（{}）：{}，已有本表格 {:.0}% 的事项",
                    c.folder,
                    c.name,
                    c.how.zh(),
                    c.overlap * 100.0
                );
            }
            let _ = writeln!(
                out,
                "  请加 --department 部门标识 指定，如 --department {}",
                f.department_candidates[0].folder
            );
        }
        if !f.department.is_empty() {
            let _ = writeln!(
                out,
                "  格式 {}，部门：{}（{}）",
                f.format, f.department, f.department_id
            );
        }
        for s in &f.sheets {
            let header = s
                .header_row
                .map_or("无表头".to_string(), |h| format!("表头在第 {h} 行"));
            let level = s
                .level
                .as_ref()
                .map_or(String::new(), |l| format!("（{l}）"));
            let _ = writeln!(
                out,
                "  工作表「{}」{level}：{header}，{} 条（{} 个事项，{} 个子项），跳过 {} 行",
                s.name,
                s.entries,
                s.items,
                s.sub_items,
                s.skipped.len()
            );
            for k in &s.skipped {
                let _ = writeln!(out, "    跳过第 {} 行：{}", k.row, k.reason);
            }
            for c in &s.skipped_columns {
                let _ = writeln!(
                    out,
                    "    跳过第 {} 列「{}」：{}",
                    c.column, c.header, c.reason
                );
            }
            for n in &s.notes {
                let _ = writeln!(out, "    注意：{n}");
            }
        }
    }
    let _ = writeln!(
        out,
        "\n共 {} 条清单条目（{} 个事项，{} 个子项）。",
        r.entries, r.items, r.sub_items
    );
    if let Some(c) = &r.claims {
        let _ = writeln!(
            out,
            "对照上级指导目录（{}，{}，目录事项 {}）：{} 行认领了目录事项（按编码 {}、名称 {}、相似 {}），写入 claims/，只写与目录不同的内容；{} 行目录中没有，作为自设事项写入 items/（须有实施依据）；{} 个目录事项没有对应的行。",
            c.jurisdiction,
            c.level,
            c.catalogue_items,
            c.claimed,
            c.by_code,
            c.by_name,
            c.by_similarity,
            c.unmatched.len(),
            c.unclaimed.len()
        );
        for u in &c.similar {
            let _ = writeln!(
                out,
                "  按相似认领，请核对：{} 第 {} 行 {} → {} {}",
                u.row.file,
                u.row.row.map_or("?".into(), |r| r.to_string()),
                u.row.name,
                u.code,
                u.catalogue_name
            );
        }
        for u in c.unmatched.iter().take(30) {
            let _ = writeln!(
                out,
                "  目录中没有：{} 工作表「{}」第 {} 行 {}",
                u.file,
                u.sheet,
                u.row.map_or("?".into(), |r| r.to_string()),
                u.name
            );
        }
        for u in c.unclaimed.iter().take(30) {
            let _ = writeln!(out, "  未认领：{} {}", u.code, u.name);
        }
        if !c.unclaimed.is_empty() {
            let _ = writeln!(
                out,
                "  应认尽认：未认领的目录事项要认领（departments/<部门>/claims/<基本编码>.toml），或写 not_applicable = \"理由\"；qingdan check 会逐项报告。"
            );
        }
    }
    if let Some(n) = r.catalogue_items {
        let _ = writeln!(
            out,
            "指导目录：{n} 个事项（同一事项在几个层级的工作表中出现，合为一个事项，每级一条 levels），写入 catalogue/。"
        );
    }
    if !r.conflicts.is_empty() {
        let _ = writeln!(
            out,
            "\n{} 个已有文件的内容与表格不同，为免覆盖编辑过的内容，本次没有写入任何文件：",
            r.conflicts.len()
        );
        for c in r.conflicts.iter().take(20) {
            let _ = writeln!(out, "  {c}");
        }
        if r.conflicts.len() > 20 {
            let _ = writeln!(out, "  ……共 {} 个", r.conflicts.len());
        }
        let _ = writeln!(
            out,
            "确认要用表格内容覆盖它们，请加 --force 重新运行：编辑加的办事指南、监管措施和下放信息会保留，\
             表格中有的栏目以表格为准。\n想先看差别：导入到一个空文件夹（--into /tmp/新导入），再用 diff -r 与现有文件比较；\
             在 git 仓库中也可以 --force 之后用 git diff 查看、用 git checkout 撤销。"
        );
    } else if r.dry_run {
        let _ = writeln!(
            out,
            "试运行（--dry-run）：将写入 {} 个文件，{} 个不变。",
            r.written.len(),
            r.unchanged
        );
    } else {
        let _ = writeln!(
            out,
            "已写入 {} 个文件到 {}，{} 个不变。",
            r.written.len(),
            r.into,
            r.unchanged
        );
    }
    if let Some(u) = &r.update {
        let verb = if r.dry_run { "将" } else { "已" };
        let _ = writeln!(
            out,
            "\n更新部门 {}：{} 个事项内容不变（其中 {} 个只更新了来源表格），{verb}更新 {} 个、移入其他部门 {} 个、新增 {} 个、删除 {} 个。",
            u.departments.join("、"),
            u.unchanged,
            u.source_only,
            u.changed.len(),
            u.moved.len(),
            u.added.len(),
            u.removed.len()
        );
        for (label, list) in [
            ("更新", &u.changed),
            ("新增", &u.added),
            ("删除", &u.removed),
        ] {
            for p in list.iter().take(30) {
                let _ = writeln!(out, "  {label} {p}");
            }
            if list.len() > 30 {
                let _ = writeln!(out, "  ……共 {} 个", list.len());
            }
        }
        for (from, to) in &u.moved {
            let _ = writeln!(out, "  移动 {from} → {to}");
        }
        let _ = writeln!(
            out,
            "保留了原有事项的编码和编辑添加的内容（办事指南、监管措施、下放）。"
        );
        if let Some(c) = &u.claims {
            let _ = writeln!(
                out,
                "
认领：{} 个内容不变，{verb}更新 {} 个、改由其他部门认领 {} 个、新增 {} 个、删除 {} 个（表格中不再有这一行）；写明本级不适用的 {} 个保留。",
                c.unchanged,
                c.changed.len(),
                c.moved.len(),
                c.added.len(),
                c.removed.len(),
                c.not_applicable_kept
            );
            for (label, list) in [
                ("更新", &c.changed),
                ("新增", &c.added),
                ("删除", &c.removed),
            ] {
                for p in list.iter().take(30) {
                    let _ = writeln!(out, "  {label} {p}");
                }
                if list.len() > 30 {
                    let _ = writeln!(out, "  ……共 {} 个", list.len());
                }
            }
            for (from, to) in &c.moved {
                let _ = writeln!(out, "  移动 {from} → {to}");
            }
            if !c.removed.is_empty() {
                let _ = writeln!(
                    out,
                    "删除的认领，其目录事项列在下面的“未认领”中：认领它，或写明本级不适用（not_applicable）。"
                );
            }
            let _ = writeln!(
                out,
                "认领的变化不在下面的调整中：写入后用 qingdan diff --jurisdiction 查看本级清单与目录的对照。"
            );
        }
    }
    if let Some(d) = &r.adjustment {
        let when = if r.dry_run {
            "写入后"
        } else {
            "本次更新"
        };
        let _ = writeln!(
            out,
            "\n{when}的调整（与 qingdan diff 比较更新前后的清单相同）：\n{}",
            crate::diff::output::text(d, false)
        );
    }
    for k in &r.kept {
        let _ = writeln!(out, "保留已有的 {k}（导入不会覆盖部门和区划文件）");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_letters() {
        assert_eq!(column_letter(0), "A");
        assert_eq!(column_letter(25), "Z");
        assert_eq!(column_letter(26), "AA");
        assert_eq!(column_letter(14), "O");
    }
}
