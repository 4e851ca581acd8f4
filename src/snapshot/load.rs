//! Reading a lists folder (or in-memory files) into a `Snapshot`.

use std::path::Path;

use rayon::prelude::*;
use serde::de::DeserializeOwned;
use walkdir::WalkDir;

use super::{Entry, Snapshot};
use crate::diag::{Diagnostic, Severity, SourceFile};
use crate::model::{
    Adjustments, Boundary, CatalogueItem, Claim, Department, Item, Jurisdiction, Span, Synonyms,
};
use crate::progress::timed;

/// A list file larger than this is refused: no real item needs it, and reading it would only
/// slow every command down.
pub const MAX_FILE_BYTES: u64 = 8 * 1024 * 1024;

/// A file's path (relative, `/`-separated) and its bytes, before parsing.
pub struct RawFile {
    pub path: String,
    /// The file on disk, when it came from one: its text need not be kept after parsing.
    pub origin: Option<std::path::PathBuf>,
    /// `None` when the file was not read (too large, unreadable); `problem` says why.
    pub bytes: Option<Vec<u8>>,
    pub problem: Option<Diagnostic>,
    /// The text of an item file that parses cleanly need not be kept (read from git for a
    /// comparison: no rule will quote it). Its diagnostics, should a rule report one, carry
    /// no source lines.
    pub transient: bool,
}

impl RawFile {
    /// A file held in memory (e.g. what an import is about to write).
    pub fn text(path: String, text: String) -> RawFile {
        RawFile {
            path,
            origin: None,
            bytes: Some(text.into_bytes()),
            problem: None,
            transient: false,
        }
    }
}

/// What a path in the lists folder is.
#[derive(Debug, PartialEq)]
enum Kind {
    Jurisdiction,
    Synonyms,
    Department {
        folder: String,
    },
    Item {
        folder: String,
        stem: String,
    },
    Boundary {
        stem: String,
    },
    Adjustments {
        stem: String,
    },
    /// A claim of a catalogue item (multi-level lists).
    Claim {
        folder: String,
        stem: String,
    },
    /// An item of this jurisdiction's guiding catalogue (multi-level lists).
    Catalogue {
        stem: String,
    },
    /// Not a list file (README, .gitkeep …): ignored silently.
    Ignored,
    /// An image (the logo jurisdiction.toml names): not read, but `check` knows it is there.
    Image,
    /// A file in a place the format does not define.
    Unexpected,
}

fn classify(path: &str) -> Kind {
    let parts: Vec<&str> = path.split('/').collect();
    // Lower jurisdictions' lists are snapshots of their own (see `tree`).
    if parts.iter().any(|p| p.starts_with('.')) || parts.first() == Some(&"jurisdictions") {
        return Kind::Ignored;
    }
    let name = parts.last().copied().unwrap_or("");
    let Some(stem) = name.strip_suffix(".toml") else {
        let lower = name.to_ascii_lowercase();
        if lower.ends_with(".md") || lower.ends_with(".txt") || lower == "license" {
            return Kind::Ignored;
        }
        if crate::render::citizen::LOGO_TYPES
            .iter()
            .any(|ext| lower.ends_with(&format!(".{ext}")))
        {
            return Kind::Image;
        }
        return Kind::Unexpected;
    };
    match parts.as_slice() {
        ["jurisdiction.toml"] => Kind::Jurisdiction,
        ["synonyms.toml"] => Kind::Synonyms,
        ["departments", folder, "department.toml"] => Kind::Department {
            folder: folder.to_string(),
        },
        ["departments", folder, "items", _] => Kind::Item {
            folder: folder.to_string(),
            stem: stem.to_string(),
        },
        ["boundaries", _] => Kind::Boundary {
            stem: stem.to_string(),
        },
        ["adjustments", _] => Kind::Adjustments {
            stem: stem.to_string(),
        },
        ["departments", folder, "claims", _] => Kind::Claim {
            folder: folder.to_string(),
            stem: stem.to_string(),
        },
        ["catalogue", _] => Kind::Catalogue {
            stem: stem.to_string(),
        },
        _ => Kind::Unexpected,
    }
}

/// Every list file under `dir`, each read and parsed on the same thread (not all read, then all
/// parsed: that held every file's bytes, 240 MB at 100,000 items, between the two passes).
pub fn load_dir(dir: &Path) -> Result<Snapshot, crate::Error> {
    let found = walk(dir)?;
    let results: Vec<FileResult> = timed("load: read and parse", || {
        found
            .into_par_iter()
            .map(|f| parse_raw(read_raw(&f)))
            .collect()
    });
    Ok(assemble(&dir.display().to_string(), results))
}

/// Every file under `dir`, read (not parsed).
pub fn raw_dir(dir: &Path) -> Result<Vec<RawFile>, crate::Error> {
    Ok(walk(dir)?.into_par_iter().map(|f| read_raw(&f)).collect())
}

/// A file found by `walk`: its path relative to the lists folder (`/`-separated), its full path
/// and, for a file directly in an items folder, that folder, open, so that the file is opened by
/// its name: one path component for the kernel to look up instead of six or more, 200,000
/// times for a diff.
struct Found {
    rel: String,
    full: std::path::PathBuf,
    folder: Option<std::sync::Arc<std::fs::File>>,
}

impl Found {
    fn path(rel: String, full: std::path::PathBuf) -> Found {
        Found {
            rel,
            full,
            folder: None,
        }
    }

    fn open(&self) -> std::io::Result<std::fs::File> {
        #[cfg(unix)]
        if let (Some(folder), Some(name)) = (&self.folder, self.full.file_name()) {
            use rustix::fs::{Mode, OFlags};
            let fd = rustix::fs::openat(
                folder.as_ref(),
                name,
                OFlags::RDONLY | OFlags::CLOEXEC,
                Mode::empty(),
            )?;
            return Ok(std::fs::File::from(fd));
        }
        std::fs::File::open(&self.full)
    }
}

/// Every file under `dir`, in file-name order.
fn walk(dir: &Path) -> Result<Vec<Found>, crate::Error> {
    if !dir.is_dir() {
        return Err(crate::Error::NoLists(dir.to_path_buf()));
    }
    // Item folders hold nearly all files: walk the rest first, then the item folders in parallel.
    let mut paths = Vec::new();
    let mut item_dirs = Vec::new();
    walk_outside_items(dir, dir, 0, &mut paths, &mut item_dirs)?;
    let nested: Vec<Result<Vec<Found>, crate::Error>> = item_dirs
        .par_iter()
        .map(|items| {
            let mut found = Vec::new();
            // Without it, files are opened by their full paths.
            let folder = std::fs::File::open(items).ok().map(std::sync::Arc::new);
            // Sorted afterwards: walkdir's sorting asks each entry for its file name at every
            // comparison, which costs more than reading the folder.
            for entry in WalkDir::new(items) {
                let entry = entry.map_err(|e| walk_error(dir, e))?;
                if entry.file_type().is_file() {
                    let in_folder = if entry.depth() == 1 {
                        folder.clone()
                    } else {
                        None
                    };
                    found.push(Found {
                        rel: relative(dir, entry.path()),
                        full: entry.into_path(),
                        folder: in_folder,
                    });
                }
            }
            found.sort_unstable_by(|a, b| a.rel.cmp(&b.rel));
            Ok(found)
        })
        .collect();
    for found in nested {
        paths.extend(found?);
    }
    Ok(paths)
}

/// Two lists folders at once (for `diff`). Each path's two files are read one after the other
/// and compared while their bytes are fresh; a file that is the same in both is parsed once and
/// its second copy dropped at once. Reading, comparing and parsing overlap across threads instead
/// of running as three passes over 200,000 files.
pub fn pair_dirs(a: &Path, b: &Path) -> Result<(Snapshot, Snapshot), crate::Error> {
    let (pa, pb) = timed("load: walk both folders", || {
        rayon::join(|| walk(a), || walk(b))
    });
    let (pa, pb) = (pa?, pb?);
    let in_b: std::collections::HashMap<&str, usize> = pb
        .iter()
        .enumerate()
        .map(|(j, f)| (f.rel.as_str(), j))
        .collect();
    // For each file of a: its result, and the result of b's file at the same path (`None` when it
    // is the same file, whose result is a's).
    type Other = Option<(usize, Option<FileResult>)>;
    let done: Vec<(FileResult, Other)> = timed("load: read, compare, parse", || {
        pa.par_iter()
            .map(|fa| {
                let ra = read_raw(fa);
                let other = in_b.get(fa.rel.as_str()).map(|&j| {
                    let rb = read_raw(&pb[j]);
                    let same = ra.problem.is_none()
                        && rb.problem.is_none()
                        && ra.bytes.is_some()
                        && ra.bytes == rb.bytes;
                    (j, (!same).then(|| parse_raw(rb)))
                });
                (parse_raw(ra), other)
            })
            .collect()
    });
    drop(in_b);
    // b's results by b's index: parsed already, the same as a's file `i`, or only in b.
    enum B {
        Parsed(Box<FileResult>),
        SameAs(usize),
        Unread,
    }
    timed("load: pair up and assemble", || {
        let mut of_b: Vec<B> = (0..pb.len()).map(|_| B::Unread).collect();
        let results_a: Vec<FileResult> = done
            .into_iter()
            .enumerate()
            .map(|(i, (ra, other))| {
                if let Some((j, rb)) = other {
                    of_b[j] = rb.map_or(B::SameAs(i), |r| B::Parsed(Box::new(r)));
                }
                ra
            })
            .collect();
        let results_b: Vec<FileResult> = of_b
            .into_par_iter()
            .zip(pb)
            .map(|(r, fb)| match r {
                B::Parsed(r) => *r,
                B::SameAs(i) => same_file(&results_a[i], Some(fb.full)),
                B::Unread => parse_raw(read_raw(&fb)),
            })
            .collect();
        let (la, lb) = (a.display().to_string(), b.display().to_string());
        Ok(rayon::join(
            || assemble(&la, results_a),
            || assemble(&lb, results_b),
        ))
    })
}

/// The files of `folder` (at `depth` below the lists folder `root`) and of its subfolders, in
/// file-name order, except that `departments/<folder>/items` folders are only noted in
/// `item_dirs`, not read. (walkdir's `filter_entry` could not do this: walkdir reads and sorts a
/// folder's entries before the filter can skip it, so every items folder was read twice.)
/// Hidden folders (`.git`) are not entered: every file in them is ignored anyway.
fn walk_outside_items(
    root: &Path,
    folder: &Path,
    depth: usize,
    paths: &mut Vec<Found>,
    item_dirs: &mut Vec<std::path::PathBuf>,
) -> Result<(), crate::Error> {
    let unreadable = |source| crate::Error::Read {
        path: folder.to_path_buf(),
        source,
    };
    let mut entries = Vec::new();
    for entry in std::fs::read_dir(folder).map_err(unreadable)? {
        let entry = entry.map_err(unreadable)?;
        // Not followed: a link is neither a file nor a folder here, as with walkdir.
        let kind = entry.file_type().map_err(unreadable)?;
        entries.push((entry.file_name(), kind));
    }
    entries.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    for (name, kind) in entries {
        let path = folder.join(&name);
        if kind.is_file() {
            paths.push(Found::path(relative(root, &path), path));
        } else if kind.is_dir()
            && !name.to_string_lossy().starts_with('.')
            // Lower jurisdictions are loaded as snapshots of their own (see `tree`).
            && !(depth == 0 && name == "jurisdictions")
        {
            let is_items = depth == 2
                && name == "items"
                && folder.parent().and_then(|p| p.file_name())
                    == Some(std::ffi::OsStr::new("departments"));
            if is_items {
                item_dirs.push(path);
            } else {
                walk_outside_items(root, &path, depth + 1, paths, item_dirs)?;
            }
        }
    }
    Ok(())
}

fn walk_error(dir: &Path, e: walkdir::Error) -> crate::Error {
    crate::Error::Walk {
        path: e.path().unwrap_or(dir).to_path_buf(),
        source: e,
    }
}

/// `full` relative to `dir`, with `/` separators.
fn relative(dir: &Path, full: &Path) -> String {
    let rel = full.strip_prefix(dir).unwrap_or(full);
    // On Unix the path already uses `/`.
    #[cfg(unix)]
    {
        rel.to_string_lossy().into_owned()
    }
    #[cfg(not(unix))]
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

fn read_raw(found: &Found) -> RawFile {
    let rel = found.rel.clone();
    if matches!(classify(&rel), Kind::Ignored | Kind::Image) {
        return RawFile {
            transient: false,
            path: rel,
            origin: None,
            bytes: None,
            problem: None,
        };
    }
    let read = found.open().and_then(|mut f| {
        let size = f.metadata().map(|m| m.len()).unwrap_or(0);
        if size > MAX_FILE_BYTES {
            return Ok(Err(size));
        }
        read_sized(&mut f, size as usize).map(Ok)
    });
    if let Ok(Err(size)) = read {
        let problem = Diagnostic::file_level(
            "file-too-large",
            Severity::Error,
            &rel,
            format!(
                "文件有 {:.1} MB，超过单个清单文件的上限 {} MB，未读取",
                size as f64 / (1024.0 * 1024.0),
                MAX_FILE_BYTES / (1024 * 1024)
            ),
        )
        .with_help("一个事项一个文件；请检查是否误放了数据文件，或把内容拆分到多个事项文件");
        return RawFile {
            transient: false,
            path: rel,
            origin: None,
            bytes: None,
            problem: Some(problem),
        };
    }
    match read.map(|r| r.unwrap_or_default()) {
        Ok(bytes) => RawFile {
            transient: false,
            path: rel,
            origin: Some(found.full.clone()),
            bytes: Some(bytes),
            problem: None,
        },
        Err(e) => {
            let problem = Diagnostic::file_level(
                "unreadable-file",
                Severity::Error,
                &rel,
                format!("无法读取文件：{e}"),
            )
            .with_help("检查文件权限，或确认它没有在读取时被删除");
            RawFile {
                transient: false,
                path: rel,
                origin: None,
                bytes: None,
                problem: Some(problem),
            }
        }
    }
}

/// The bytes of an open file whose size is known: four system calls per file (open, fstat, read,
/// close) where `read_to_end` on a `File` makes seven (it asks for the size and the position
/// again, and reads once more to see the end). Reading 200,000 files for a diff, that is a second
/// of kernel time. The buffer is not zeroed first.
fn read_sized(f: &mut std::fs::File, size: usize) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let mut bytes = Vec::with_capacity(size);
    if size == 0 {
        // A size of 0 may be a file the kernel does not size (procfs and the like).
        f.read_to_end(&mut bytes)?;
    } else {
        // `take` ends the read at the known size without asking the kernel again.
        f.take(size as u64).read_to_end(&mut bytes)?;
    }
    Ok(bytes)
}

#[derive(Clone)]
enum Parsed {
    Jurisdiction(Jurisdiction),
    Synonyms(Synonyms),
    Department(String, Department),
    Item(String, String, std::sync::Arc<Item>),
    Boundary(String, Boundary),
    Adjustments(String, Adjustments),
    Claim(String, String, Claim),
    Catalogue(String, CatalogueItem),
    /// An image (a logo): not read, only its path kept.
    Image(String),
    Nothing,
}

#[derive(Clone)]
struct FileResult {
    source: Option<SourceFile>,
    parsed: Parsed,
    problems: Vec<Diagnostic>,
}

pub fn from_raw(label: &str, raws: Vec<RawFile>) -> Snapshot {
    let results: Vec<FileResult> = raws.into_par_iter().map(parse_raw).collect();
    assemble(label, results)
}

/// Two versions at once (for `diff`): a file with the same path and the same bytes in both is
/// parsed once. Between two editions nearly every file is the same, so this halves the work.
pub fn pair_from_raw(
    label_a: &str,
    raws_a: Vec<RawFile>,
    label_b: &str,
    raws_b: Vec<RawFile>,
) -> (Snapshot, Snapshot) {
    let by_path: std::collections::HashMap<&str, usize> = raws_a
        .iter()
        .enumerate()
        .map(|(i, r)| (r.path.as_str(), i))
        .collect();
    // For each file of b: the file of a with the same path and bytes.
    let same: Vec<Option<usize>> = raws_b
        .par_iter()
        .map(|r| {
            let i = *by_path.get(r.path.as_str())?;
            let (x, y) = (raws_a[i].bytes.as_ref()?, r.bytes.as_ref()?);
            (x == y && raws_a[i].problem.is_none() && r.problem.is_none()).then_some(i)
        })
        .collect();
    drop(by_path);
    let parsed_a = raws_a.into_par_iter().map(parse_file).collect();
    pair_from_parsed(label_a, parsed_a, label_b, raws_b, same)
}

/// A file parsed on its own, to be assembled into a snapshot later (`pair_from_parsed`).
pub struct ParsedFile(FileResult);

/// Parse one file.
pub fn parse_file(raw: RawFile) -> ParsedFile {
    ParsedFile(parse_raw(raw))
}

/// `pair_from_raw` with a's files parsed already and the files of b that are a's known
/// (`same[j] = Some(i)`: b's file j is a's file i; its bytes need not have been read).
pub fn pair_from_parsed(
    label_a: &str,
    parsed_a: Vec<ParsedFile>,
    label_b: &str,
    raws_b: Vec<RawFile>,
    same: Vec<Option<usize>>,
) -> (Snapshot, Snapshot) {
    let results_a: Vec<FileResult> = parsed_a.into_iter().map(|p| p.0).collect();
    let results_b: Vec<FileResult> = raws_b
        .into_par_iter()
        .zip(same)
        .map(|(raw, same)| match same {
            Some(i) => same_file(&results_a[i], raw.origin),
            None => parse_raw(raw),
        })
        .collect();
    rayon::join(
        || assemble(label_a, results_a),
        || assemble(label_b, results_b),
    )
}

/// The result of a file that is the same in the other version: the same parse (the items
/// shared), but its text is read again from this version's own file, at `origin`.
fn same_file(other: &FileResult, origin: Option<std::path::PathBuf>) -> FileResult {
    let mut r = other.clone();
    if let Some(s) = r.source.as_mut()
        && s.kept.is_none()
    {
        s.origin = origin;
    }
    r
}

fn assemble(label: &str, results: Vec<FileResult>) -> Snapshot {
    let mut snap = Snapshot {
        label: label.to_string(),
        ..Snapshot::default()
    };
    let mut folders = std::collections::BTreeSet::new();
    for result in results {
        snap.problems.extend(result.problems);
        let Some(source) = result.source else {
            if let Parsed::Image(path) = result.parsed {
                snap.images.push(path);
            }
            continue;
        };
        if let Some(folder) = source
            .path
            .strip_prefix("departments/")
            .and_then(|rest| rest.split('/').next())
            && !folders.contains(folder)
        {
            folders.insert(folder.to_string());
        }
        let file = snap.files.len();
        snap.files.push(source);
        match result.parsed {
            Parsed::Jurisdiction(value) => {
                snap.jurisdiction = Some(Entry {
                    file,
                    folder: String::new(),
                    stem: "jurisdiction".into(),
                    value,
                })
            }
            Parsed::Synonyms(value) => {
                snap.synonyms = Some(Entry {
                    file,
                    folder: String::new(),
                    stem: "synonyms".into(),
                    value,
                })
            }
            Parsed::Department(folder, value) => snap.departments.push(Entry {
                file,
                stem: "department".into(),
                folder,
                value,
            }),
            Parsed::Item(folder, stem, value) => snap.items.push(Entry {
                file,
                folder,
                stem,
                value,
            }),
            Parsed::Boundary(stem, value) => snap.boundaries.push(Entry {
                file,
                folder: stem.clone(),
                stem,
                value,
            }),
            Parsed::Adjustments(stem, value) => snap.adjustments.push(Entry {
                file,
                folder: stem.clone(),
                stem,
                value,
            }),
            Parsed::Claim(folder, stem, value) => snap.claims.push(Entry {
                file,
                folder,
                stem,
                value,
            }),
            Parsed::Catalogue(stem, value) => snap.catalogue.push(Entry {
                file,
                folder: String::new(),
                stem,
                value,
            }),
            Parsed::Image(_) | Parsed::Nothing => {}
        }
    }
    snap.claims
        .sort_by(|a, b| (&a.folder, &a.stem).cmp(&(&b.folder, &b.stem)));
    // By code, which claims look up (`tree::Tree::catalogue_item`).
    snap.catalogue
        .sort_by(|a, b| a.value.code.value.cmp(&b.value.code.value));
    snap.department_folders = folders.into_iter().collect();
    snap.departments.sort_by(|a, b| a.folder.cmp(&b.folder));
    snap.items
        .sort_by(|a, b| (&a.folder, &a.stem).cmp(&(&b.folder, &b.stem)));
    snap.boundaries.sort_by(|a, b| a.stem.cmp(&b.stem));
    snap.adjustments.sort_by(|a, b| a.stem.cmp(&b.stem));
    snap
}

fn parse_raw(raw: RawFile) -> FileResult {
    let mut problems: Vec<Diagnostic> = raw.problem.into_iter().collect();
    let kind = classify(&raw.path);
    if kind == Kind::Image {
        return FileResult {
            source: None,
            parsed: Parsed::Image(raw.path),
            problems,
        };
    }
    let Some(bytes) = raw.bytes else {
        return FileResult {
            source: None,
            parsed: Parsed::Nothing,
            problems,
        };
    };
    if kind == Kind::Unexpected {
        let severity = if raw.path.ends_with(".toml") {
            Severity::Error
        } else {
            Severity::Warning
        };
        problems.push(
            Diagnostic::file_level(
                "unexpected-file",
                severity,
                &raw.path,
                "文件不在约定的位置，不会被读取",
            )
            .with_help(
                "事项文件放在 departments/<部门>/items/，部门文件为 departments/<部门>/department.toml，\
                 边界放在 boundaries/，调整声明放在 adjustments/，见 docs/format.md",
            ),
        );
        return FileResult {
            source: None,
            parsed: Parsed::Nothing,
            problems,
        };
    }
    let text = match decode(&raw.path, bytes, &mut problems) {
        Some(t) => t,
        None => {
            return FileResult {
                source: None,
                parsed: Parsed::Nothing,
                problems,
            };
        }
    };
    let mut source = SourceFile::in_memory(raw.path, text);
    if source.text().trim().is_empty() {
        problems.push(
            Diagnostic::file_level("empty-file", Severity::Error, &source.path, "文件是空的")
                .with_help(
                    "填写该文件应有的键（如事项的 id、name、category、department），或删除该文件",
                ),
        );
        return FileResult {
            source: Some(source),
            parsed: Parsed::Nothing,
            problems,
        };
    }
    let parsed = match kind {
        Kind::Jurisdiction => {
            parse::<Jurisdiction>(&source, "jurisdiction").map(Parsed::Jurisdiction)
        }
        Kind::Synonyms => parse::<Synonyms>(&source, "synonyms").map(Parsed::Synonyms),
        Kind::Department { folder } => {
            parse::<Department>(&source, "department").map(|d| Parsed::Department(folder, d))
        }
        Kind::Item { folder, stem } => parse::<Item>(&source, "item")
            .map(|i| Parsed::Item(folder, stem, std::sync::Arc::new(i))),
        Kind::Boundary { stem } => {
            parse::<Boundary>(&source, "boundary").map(|b| Parsed::Boundary(stem, b))
        }
        Kind::Adjustments { stem } => {
            parse::<Adjustments>(&source, "adjustments").map(|a| Parsed::Adjustments(stem, a))
        }
        Kind::Claim { folder, stem } => {
            parse::<Claim>(&source, "claim").map(|c| Parsed::Claim(folder, stem, c))
        }
        Kind::Catalogue { stem } => {
            parse::<CatalogueItem>(&source, "catalogue").map(|c| Parsed::Catalogue(stem, c))
        }
        Kind::Ignored | Kind::Image | Kind::Unexpected => Ok(Parsed::Nothing),
    };
    let parsed = parsed.unwrap_or_else(|d| {
        problems.extend(d);
        Parsed::Nothing
    });
    // A cleanly parsed file from disk need not stay in memory: `SourceFile::text` reads it again
    // if a rule reports a problem in it.
    if problems.is_empty() && raw.origin.is_some() {
        source.kept = None;
        source.origin = raw.origin;
    } else if problems.is_empty() && raw.transient && matches!(parsed, Parsed::Item(..)) {
        source.kept = None;
    }
    FileResult {
        source: Some(source),
        parsed,
        problems,
    }
}

/// UTF-8 text of a file, without a BOM (reported as a warning). Invalid UTF-8 is an error that
/// points at the first bad byte.
fn decode(path: &str, mut bytes: Vec<u8>, problems: &mut Vec<Diagnostic>) -> Option<String> {
    if bytes.starts_with(&[0xEF, 0xBB, 0xBF]) {
        bytes.drain(..3);
        problems.push(
            Diagnostic::file_level(
                "bom",
                Severity::Warning,
                path,
                "文件以 UTF-8 BOM（字节顺序标记）开头",
            )
            .with_help("另存为“UTF-8（无 BOM）”；qingdan 已忽略它，但其他工具可能不会"),
        );
    }
    match String::from_utf8(bytes) {
        Ok(text) => Some(text),
        Err(e) => {
            let good = e.utf8_error().valid_up_to();
            let bytes = e.into_bytes();
            // The valid prefix tells the line and column of the first bad byte.
            let prefix = String::from_utf8_lossy(&bytes[..good]);
            let (line, column) = crate::diag::line_col(&prefix, good);
            let mut d = Diagnostic::file_level(
                "encoding",
                Severity::Error,
                path,
                format!("文件不是有效的 UTF-8 编码（第 {line} 行第 {column} 列起）"),
            )
            .with_help("清单文件必须用 UTF-8 保存；若从 Excel 或记事本另存，请选择“UTF-8”编码（GBK/GB2312 不行）");
            d.line = line;
            d.column = column;
            problems.push(d);
            None
        }
    }
}

/// Parse one file as `T`, turning a TOML or serde error into a diagnostic with a Chinese message.
/// Parse a file of schema kind `kind`. On an unknown key, a missing key or a wrong type, the
/// others of the file too (`validate`): an editor fixes them all in one go.
fn parse<T: DeserializeOwned>(source: &SourceFile, kind: &str) -> Result<T, Vec<Diagnostic>> {
    let text = source.text();
    toml::from_str::<T>(&text).map_err(|e| {
        let first = toml_error(source, &e);
        if first.rule == "toml-syntax" {
            return syntax_errors(source, &text, first);
        }
        if !matches!(first.rule, "unknown-key" | "missing-key" | "wrong-type") {
            return vec![first];
        }
        let more: Vec<Diagnostic> = super::validate::problems(source, &text, kind)
            .into_iter()
            .filter(|v| {
                let same_place =
                    v.rule == first.rule && v.line == first.line && v.column == first.column;
                let same_key = v.rule == "missing-key"
                    && first.rule == v.rule
                    && v.message.starts_with(&first.message);
                !same_place && !same_key
            })
            .collect();
        let mut all = vec![first];
        all.extend(more);
        all.sort_by_key(|d| (d.line, d.column));
        all
    })
}

/// Every syntax error of a file, not the first only: the parser recovers after an error and
/// goes on, so an editor fixes the whole file in one go. `first` is the error the strict parse
/// gave; the recovering parse may word the same place differently, so one error per line is
/// kept (the strict one where they meet), and at most `MAX_SYNTAX` in all — after a missing
/// quote the rest of a file can be one long cascade.
fn syntax_errors(source: &SourceFile, text: &str, first: Diagnostic) -> Vec<Diagnostic> {
    const MAX_SYNTAX: usize = 50;
    let (_, errors) = toml::de::DeTable::parse_recoverable(text);
    let mut all = vec![first];
    for e in &errors {
        let d = toml_error(source, e);
        if d.rule != "toml-syntax" || all.iter().any(|a| a.line == d.line) {
            continue;
        }
        all.push(d);
    }
    all.sort_by_key(|d| (d.line, d.column));
    if all.len() > MAX_SYNTAX {
        let more = all.len() - MAX_SYNTAX;
        all.truncate(MAX_SYNTAX);
        if let Some(last) = all.last_mut() {
            let note = format!("此后还有 {more} 处语法错误，先改正以上各处再检查");
            last.help = Some(match last.help.take() {
                Some(h) => format!("{h}（{note}）"),
                None => note,
            });
        }
    }
    all
}

fn toml_error(source: &SourceFile, e: &toml::de::Error) -> Diagnostic {
    let span = e.span().map(Span::new).unwrap_or(Span::NONE);
    let detail = e.message().trim().to_string();
    let text = source.text();
    let (rule, message, help) = if let Some(rest) = detail.strip_prefix("unknown field ") {
        let (key, expected) = split_unknown(rest);
        let table = enclosing_table(&text, span.start as usize);
        let place = table
            .as_ref()
            .map_or(String::new(), |t| format!("（位于 {t} 表中）"));
        let moved = if table.is_some() {
            "；若它属于文件顶层，请把它移到第一个 [表] 之前"
        } else {
            ""
        };
        let bare = key.trim_matches('`');
        let closest = expected
            .split(", ")
            .map(|k| k.trim().trim_start_matches("or ").trim_matches('`'))
            .filter(|k| !k.is_empty())
            .min_by_key(|k| crate::diag::edit_distance(k, bare))
            .filter(|k| crate::diag::edit_distance(k, bare) <= 2);
        let help = match closest {
            Some(k) => format!("是否应为 {k}？{moved}"),
            None if expected.is_empty() => format!("删除该键，或检查拼写{moved}"),
            None => format!(
                "检查拼写；此处可用的键：{}{moved}",
                expected.replace(" or ", " ").replace('`', "")
            ),
        };
        ("unknown-key", format!("未知的键 {bare}{place}"), help)
    } else if let Some(rest) = detail.strip_prefix("missing field ") {
        let key = rest.trim_matches('`');
        (
            "missing-key",
            format!("缺少必填的键 {key}"),
            format!("在此表中加上一行 {key} = \"…\"（格式见 docs/format.md）"),
        )
    } else if detail.starts_with("invalid type") || detail.starts_with("invalid value") {
        let help = if detail.contains("expected a string") {
            "文字要用英文双引号 \" 包起来；多行文字用三个双引号 \"\"\" 包起来"
        } else if detail.contains("expected a boolean") {
            "写 true 或 false，不加引号"
        } else if detail.contains("expected u32")
            || detail.contains("expected i64")
            || detail.contains("integer")
        {
            "数字不加引号，如 copies = 1"
        } else if detail.contains("expected a sequence") {
            "列表写成 [\"甲\", \"乙\"]；表的数组写成 [[表名]]"
        } else {
            "核对该键应有的类型（文字、数字、true/false、列表或表），见 docs/format.md"
        };
        (
            "wrong-type",
            format!("值的类型不对：{}", translate_type_error(&detail)),
            help.to_string(),
        )
    } else if detail.starts_with("duplicate key") {
        let key = text
            .get(span.range())
            .map(|k| k.trim().trim_matches('"').to_string())
            .filter(|k| !k.is_empty() && !k.contains('\n'))
            .unwrap_or_default();
        (
            "duplicate-key",
            format!("键 {key} 在同一个表中写了两次"),
            "删除其中一个，或把两处内容合并".to_string(),
        )
    } else {
        let line = line_at(&text, span.start as usize);
        let help = if line.contains(['“', '”', '‘', '’']) {
            "这一行用了中文引号（“ ”），请改为英文双引号 \"".to_string()
        } else if line.contains('＝') {
            "这一行用了全角等号“＝”，请改为半角 =".to_string()
        } else if line.contains(['［', '］']) {
            "这一行用了全角方括号“［］”，请改为半角 [ ]".to_string()
        } else {
            "常见原因：文字缺少引号或引号不成对、键名含空格、表头 [ ] 写错；见 docs/format.md"
                .to_string()
        };
        (
            "toml-syntax",
            format!("TOML 语法错误：{}", translate_syntax_error(&detail)),
            help,
        )
    };
    Diagnostic::at(rule, Severity::Error, source, span, message).with_help(help)
}

/// The line of `text` that contains byte `offset`.
fn line_at(text: &str, offset: usize) -> &str {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let end = text[offset..].find('\n').map_or(text.len(), |i| offset + i);
    &text[start..end]
}

/// The TOML parser's message in Chinese where we know it, the original after it.
fn translate_syntax_error(detail: &str) -> String {
    let known: &[(&str, &str)] = &[
        ("string values must be quoted", "文字必须加英文双引号"),
        ("invalid string", "文字的写法不对（多为引号不成对）"),
        ("unclosed", "引号或括号没有闭合"),
        ("key with no value", "键后面缺少 = 和值"),
        ("expected '='", "缺少 ="),
        ("invalid table header", "表头 [ ] 写错"),
        ("unquoted string", "文字缺少引号"),
        (
            "invalid unquoted key",
            "键名中有不允许的字符（键名只用英文字母、数字、_ 和 -）",
        ),
        ("newline", "行末不完整（多为引号不成对）"),
        // toml_parser's messages.
        (
            "invalid basic string",
            "文字的写法不对（多为引号不成对或少了引号）",
        ),
        (
            "invalid multi-line basic string",
            "多行文字的写法不对（三个双引号 \"\"\" 要成对）",
        ),
        (
            "invalid literal string",
            "单引号文字的写法不对（单引号要成对）",
        ),
        (
            "invalid multi-line literal string",
            "多行单引号文字的写法不对",
        ),
        ("missing opening quote", "文字缺少开头的引号"),
        (
            "missing escaped value",
            "反斜杠 \\ 后缺少转义的字符（要写反斜杠本身请写 \\\\）",
        ),
        (
            "invalid escape",
            "反斜杠 \\ 的转义不对（要写反斜杠本身请写 \\\\）",
        ),
        (
            "missing comma between array elements",
            "列表的元素之间缺少逗号",
        ),
        ("extra comma in array", "列表中多了一个逗号"),
        (
            "missing comma between key-value pairs",
            "行内表的键值之间缺少逗号",
        ),
        ("extra comma in inline table", "行内表中多了一个逗号"),
        (
            "missing assignment between key-value pairs",
            "键和值之间缺少 =",
        ),
        ("extra assignment between key-value pairs", "多了一个 ="),
        ("extra `=`", "多了一个 ="),
        ("unexpected `=` in array", "列表中不能有 ="),
        ("missing value for key", "键后面缺少值"),
        ("missing value", "缺少值"),
        ("unclosed array table", "表数组的 [[ ]] 没有闭合"),
        ("unclosed inline table", "行内表的 { } 没有闭合"),
        ("unclosed array", "列表的 [ ] 没有闭合"),
        ("unclosed table", "表头的 [ ] 没有闭合"),
        ("missing table open", "表头缺少 ["),
        ("invalid table", "表头写错"),
        ("missing key for inline table element", "行内表的元素缺少键"),
        ("invalid inline table element", "行内表的元素写错"),
        ("missing inline table opening", "行内表缺少 {"),
        ("missing array opening", "列表缺少 ["),
        ("invalid key-value pair", "键值对写错（应为 键 = 值）"),
        ("invalid key", "键名写错"),
        (
            "unexpected key or value",
            "这里不应有键或值（多为一行写了两个键值对）",
        ),
        (
            "unexpected content between comment and newline",
            "注释后面有多余的内容",
        ),
        ("unexpected content", "这一行后面有多余的内容"),
        ("invalid comment character", "注释中有不允许的字符"),
        ("unexpected leading zero", "数字前面不能有 0"),
        ("unexpected sign", "正负号的位置不对"),
        ("invalid boolean", "true/false 写错（全小写，不加引号）"),
        ("invalid date-time", "日期时间写错（如 2024-06-30）"),
        ("invalid float", "小数写错"),
        ("invalid integer number", "整数写错"),
        ("invalid hexadecimal number", "十六进制数写错"),
        ("invalid octal number", "八进制数写错"),
        ("invalid binary number", "二进制数写错"),
        ("invalid mantissa", "数字写错"),
        ("invalid fraction", "小数部分写错"),
        ("invalid exponent", "指数部分写错"),
        ("invalid value", "值写错（文字要加引号）"),
    ];
    // The more specific phrase first: "invalid multi-line basic string" before "invalid basic string".
    let found = known
        .iter()
        .filter(|(en, _)| detail.contains(en))
        .max_by_key(|(en, _)| en.len());
    match found {
        Some((_, zh)) => format!("{zh}（{detail}）"),
        None => format!("写法不对（{detail}）"),
    }
}

/// The `[table]` or `[[array]]` header a byte offset falls under, if any.
fn enclosing_table(text: &str, offset: usize) -> Option<String> {
    let before = text.get(..offset.min(text.len()))?;
    before
        .lines()
        .rev()
        .map(str::trim)
        .find(|l| l.starts_with('['))
        .map(|l| l.split('#').next().unwrap_or(l).trim().to_string())
}

fn split_unknown(rest: &str) -> (String, String) {
    match rest.split_once(", expected ") {
        Some((key, expected)) => (
            key.to_string(),
            expected
                .trim_start_matches("one of ")
                .trim_start_matches("a ")
                .to_string(),
        ),
        None => (rest.to_string(), String::new()),
    }
}

fn translate_type_error(detail: &str) -> String {
    detail
        .replace("invalid type: ", "")
        .replace("invalid value: ", "")
        .replace("expected a string", "应为文字（字符串）")
        .replace("expected a sequence", "应为列表 [ ]")
        .replace("expected a boolean", "应为 true 或 false")
        .replace("expected u32", "应为非负整数")
        .replace("expected i64", "应为整数")
        .replace("integer", "整数")
        .replace("string", "文字")
        .replace("sequence", "列表")
        .replace("map", "表")
        .replace(", expected", "，")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(path: &str, text: &str) -> RawFile {
        RawFile {
            transient: false,
            path: path.into(),
            origin: None,
            bytes: Some(text.as_bytes().to_vec()),
            problem: None,
        }
    }

    #[test]
    fn walk_lists_every_file_in_order_without_hidden_folders() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for f in [
            "jurisdiction.toml",
            "departments/b/items/x2.toml",
            "departments/b/items/x1.toml",
            "departments/b/items/nested/deep.toml",
            "departments/b/department.toml",
            "departments/a/department.toml",
            "departments/a/notes/stray.toml",
            "boundaries/B1.toml",
            ".git/objects/ab",
            "departments/a/.hidden/c.toml",
            "departments/a/.keep",
        ] {
            let path = root.join(f);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, "").unwrap();
        }
        let found: Vec<String> = walk(root).unwrap().into_iter().map(|f| f.rel).collect();
        assert_eq!(
            found,
            [
                "boundaries/B1.toml",
                "departments/a/.keep",
                "departments/a/department.toml",
                "departments/a/notes/stray.toml",
                "departments/b/department.toml",
                "jurisdiction.toml",
                "departments/b/items/nested/deep.toml",
                "departments/b/items/x1.toml",
                "departments/b/items/x2.toml",
            ]
        );
        // Files in an items folder are opened through the folder, the rest by path.
        std::fs::write(root.join("departments/b/items/x1.toml"), "甲").unwrap();
        std::fs::write(root.join("departments/b/items/nested/deep.toml"), "乙").unwrap();
        let raws = raw_dir(root).unwrap();
        let text = |rel: &str| {
            let raw = raws.iter().find(|r| r.path == rel).unwrap();
            assert!(raw.problem.is_none(), "{rel}");
            raw.bytes.clone().unwrap()
        };
        assert_eq!(text("departments/b/items/x1.toml"), "甲".as_bytes());
        assert_eq!(
            text("departments/b/items/nested/deep.toml"),
            "乙".as_bytes()
        );
        assert!(matches!(
            walk(&root.join("nope")),
            Err(crate::Error::NoLists(_))
        ));
    }

    /// Two folders loaded together give what each gives alone, and a file the same in both is
    /// one shared item.
    #[test]
    fn pair_dirs_equals_loading_each() {
        let item = |id: &str, name: &str| {
            format!(
                "id = \"{id}\"\nname = \"{name}\"\ncategory = \"行政许可\"\ndepartment = \"d\"\n"
            )
        };
        let dirs = [tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap()];
        let files: [&[(&str, String)]; 2] = [
            &[
                ("same", item("same", "甲")),
                ("changed", item("changed", "乙")),
                ("gone", item("gone", "丙")),
                ("broken", "id = \"broken\nname".to_string()),
                ("empty", String::new()),
            ],
            &[
                ("same", item("same", "甲")),
                ("changed", item("changed", "乙二")),
                ("new", item("new", "丁")),
                ("broken", "id = \"broken\nname".to_string()),
                ("empty", String::new()),
            ],
        ];
        for (dir, files) in dirs.iter().zip(files) {
            let items = dir.path().join("departments/d/items");
            std::fs::create_dir_all(&items).unwrap();
            for (stem, text) in files {
                std::fs::write(items.join(format!("{stem}.toml")), text).unwrap();
            }
        }
        let (a, b) = pair_dirs(dirs[0].path(), dirs[1].path()).unwrap();
        for (pair, dir) in [(&a, &dirs[0]), (&b, &dirs[1])] {
            let alone = load_dir(dir.path()).unwrap();
            let names = |s: &Snapshot| -> Vec<(String, String)> {
                s.items
                    .iter()
                    .map(|e| (e.value.id.to_string(), e.value.name.to_string()))
                    .collect()
            };
            assert_eq!(names(pair), names(&alone));
            let rules = |s: &Snapshot| -> Vec<(&str, String)> {
                s.problems
                    .iter()
                    .map(|p| (p.rule, p.file.clone()))
                    .collect()
            };
            assert_eq!(rules(pair), rules(&alone));
            assert_eq!(pair.problems.len(), 3, "{:?}", pair.problems);
        }
        let shared = |id: &str| {
            let find = |s: &Snapshot| {
                s.items
                    .iter()
                    .find(|e| *e.value.id == id)
                    .map(|e| e.value.clone())
            };
            std::sync::Arc::ptr_eq(&find(&a).unwrap(), &find(&b).unwrap())
        };
        assert!(shared("same"));
        assert!(!shared("changed"));
        // The shared item's source is b's own file, for messages about b.
        let origin = |s: &Snapshot| {
            let e = s.items.iter().find(|e| *e.value.id == "same").unwrap();
            s.source(e.file).origin.clone()
        };
        assert_ne!(origin(&a), origin(&b));
    }

    #[test]
    fn reads_files_of_known_and_unknown_size() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.toml");
        let text = "名称 = 1\n".repeat(1000);
        std::fs::write(&path, &text).unwrap();
        let mut f = std::fs::File::open(&path).unwrap();
        assert_eq!(read_sized(&mut f, text.len()).unwrap(), text.as_bytes());
        let mut f = std::fs::File::open(&path).unwrap();
        let whole = read_sized(&mut f, 0).unwrap();
        assert_eq!(whole.len(), text.len(), "size 0: read to the end");
    }

    #[test]
    fn classifies_paths() {
        assert_eq!(classify("jurisdiction.toml"), Kind::Jurisdiction);
        assert_eq!(
            classify("departments/rsj/items/a.toml"),
            Kind::Item {
                folder: "rsj".into(),
                stem: "a".into()
            }
        );
        assert_eq!(classify("departments/rsj/a.toml"), Kind::Unexpected);
        assert_eq!(classify("README.md"), Kind::Ignored);
        assert_eq!(classify(".git/config"), Kind::Ignored);
    }

    #[test]
    fn unknown_key_is_reported_at_the_key() {
        let text =
            "id = \"a\"\nname = \"n\"\ncategory = \"行政许可\"\ndepartment = \"d\"\nnmae = \"x\"\n";
        let snap = from_raw("t", vec![raw("departments/d/items/a.toml", text)]);
        assert_eq!(snap.problems.len(), 1, "{:?}", snap.problems);
        let p = &snap.problems[0];
        assert_eq!(p.rule, "unknown-key");
        assert_eq!((p.line, p.column), (5, 1));
        assert!(p.message.contains("nmae"));
        assert!(
            !p.message.contains("表中"),
            "a top-level key names no table"
        );
        let text = format!("{text}\n[source]\nfile = \"a.xls\"\nnmae = \"x\"\n")
            .replace("nmae = \"x\"\n\n", "\n");
        let snap = from_raw("t", vec![raw("departments/d/items/a.toml", &text)]);
        assert!(
            snap.problems[0].message.contains("[source]"),
            "{:?}",
            snap.problems
        );
    }

    #[test]
    fn missing_key_and_syntax() {
        let snap = from_raw(
            "t",
            vec![
                raw("departments/d/items/a.toml", "id = \"a\"\nname = \"n\"\n"),
                raw("departments/d/items/b.toml", "id = \"b\nname = 1\n"),
            ],
        );
        let rules: Vec<_> = snap.problems.iter().map(|p| p.rule).collect();
        assert_eq!(rules, vec!["missing-key", "toml-syntax"]);
        assert_eq!(snap.problems[1].line, 1);
    }

    #[test]
    fn every_syntax_error_of_a_file() {
        let text = "id = \"a\"\nname = 办理\nx = \"1\"\nbody = “某局”\n[source\nfile = \"a.xls\"\n";
        let snap = from_raw("t", vec![raw("departments/d/items/a.toml", text)]);
        let lines: Vec<_> = snap
            .problems
            .iter()
            .filter(|p| p.rule == "toml-syntax")
            .map(|p| p.line)
            .collect();
        assert_eq!(lines, vec![2, 4, 5], "{:#?}", snap.problems);
        let quote = &snap.problems[1];
        assert!(
            quote.help.as_deref().unwrap_or("").contains("中文引号"),
            "{quote:?}"
        );
    }

    #[test]
    fn bom_and_bad_utf8() {
        let mut bom = vec![0xEF, 0xBB, 0xBF];
        bom.extend_from_slice(b"name = \"x\"\n");
        let bad = b"name = \"\xff\"\n".to_vec();
        let snap = from_raw(
            "t",
            vec![
                RawFile {
                    transient: false,
                    path: "jurisdiction.toml".into(),
                    origin: None,
                    bytes: Some(bom),
                    problem: None,
                },
                RawFile {
                    transient: false,
                    path: "boundaries/b.toml".into(),
                    origin: None,
                    bytes: Some(bad),
                    problem: None,
                },
            ],
        );
        let rules: Vec<_> = snap
            .problems
            .iter()
            .map(|p| (p.rule, p.line, p.column))
            .collect();
        assert_eq!(rules, vec![("bom", 1, 1), ("encoding", 1, 9)]);
        assert!(snap.jurisdiction.is_some());
    }
}
