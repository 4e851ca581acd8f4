//! `Snapshot`: one version of the lists, loaded from a folder, as the value every later stage
//! (check, diff, index, render, export) consumes. Stages never read list files themselves.
//!
//! Loading reads and parses files in parallel (walkdir + rayon). Problems that stop a file from
//! being understood (encoding, TOML syntax, unknown or missing keys) are kept in
//! `Snapshot::problems` so that `check` can report them together with its own rules.

pub mod git;
mod load;
pub mod tree;
mod validate;

pub use load::{MAX_FILE_BYTES, RawFile, raw_dir};

use std::path::Path;

use crate::diag::{Diagnostic, SourceFile};
use crate::model::{
    Adjustments, Boundary, CatalogueItem, Claim, Department, Item, Jurisdiction, Synonyms,
};

/// A parsed file and where it came from.
#[derive(Debug)]
pub struct Entry<T> {
    /// Index into `Snapshot::files`.
    pub file: usize,
    /// For department and item files: the department folder the file sits in. For boundaries and
    /// adjustments: the file stem.
    pub folder: String,
    /// For item, boundary and adjustment files: the file stem, which must equal the id.
    pub stem: String,
    pub value: T,
}

/// One version of the lists.
#[derive(Debug, Default)]
pub struct Snapshot {
    /// Where it came from, for messages ("lists", "git:v2024").
    pub label: String,
    pub files: Vec<SourceFile>,
    pub jurisdiction: Option<Entry<Jurisdiction>>,
    /// `synonyms.toml`: colloquial words for official terms, for search.
    pub synonyms: Option<Entry<Synonyms>>,
    /// Sorted by folder.
    pub departments: Vec<Entry<Department>>,
    /// Sorted by department folder, then file name. Shared (`Arc`): two versions loaded
    /// together share the items of files that are the same in both.
    pub items: Vec<Entry<std::sync::Arc<Item>>>,
    pub boundaries: Vec<Entry<Boundary>>,
    pub adjustments: Vec<Entry<Adjustments>>,
    /// Claims of catalogue items (multi-level lists), sorted by department folder, then file
    /// name. `tree` turns the applicable ones into `items`.
    pub claims: Vec<Entry<Claim>>,
    /// This jurisdiction's guiding catalogue for lower ones (multi-level lists), sorted by code.
    pub catalogue: Vec<Entry<CatalogueItem>>,
    /// Department folders that exist (with or without a department.toml), sorted.
    pub department_folders: Vec<String>,
    /// Problems found while loading: unreadable files, syntax, unknown or missing keys.
    pub problems: Vec<Diagnostic>,
    /// Image files in the lists folder (paths as in `files`), e.g. the logo: not read.
    pub images: Vec<String>,
}

impl Snapshot {
    /// Load every list file under `dir`.
    pub fn load_dir(dir: &Path) -> Result<Snapshot, crate::Error> {
        load::load_dir(dir)
    }

    /// Load a version given on the command line: a lists folder if `spec` is one, else a git
    /// revision (`REV` or `REV:PATH`) of the repository holding `lists`.
    pub fn load_version(lists: &Path, spec: &str) -> Result<Snapshot, crate::Error> {
        if Path::new(spec).is_dir() {
            let mut snap = load::load_dir(Path::new(spec))?;
            snap.label = spec.to_string();
            Ok(snap)
        } else {
            git::load_rev(lists, spec).map(|(snap, _)| snap)
        }
    }

    /// Load two versions for comparing them (see `load_version`); files the same in both are
    /// parsed once.
    pub fn load_pair(
        lists: &Path,
        old: &str,
        new: &str,
    ) -> Result<(Snapshot, Snapshot), crate::Error> {
        use crate::progress::timed;
        let (old_dir, new_dir) = (Path::new(old).is_dir(), Path::new(new).is_dir());
        if !old_dir && !new_dir {
            // Two revisions: a blob with the same id at the same path is the same file, neither
            // read twice nor parsed twice.
            let (a, b) = (git::list_rev(lists, old)?, git::list_rev(lists, new)?);
            let index: std::collections::HashMap<(&str, gix::ObjectId), usize> = a
                .blobs
                .iter()
                .enumerate()
                .map(|(i, (p, o))| ((p.as_str(), *o), i))
                .collect();
            let same: Vec<Option<usize>> = b
                .blobs
                .iter()
                .map(|(p, o)| index.get(&(p.as_str(), *o)).copied())
                .collect();
            drop(index);
            let skip: Vec<bool> = same.iter().map(Option::is_some).collect();
            // Each read is parallel in itself (a repository handle is not shared across threads).
            // a's files are parsed as they are read; b's are nearly all a's, so few are read.
            let pa = timed("git: read and parse a", || {
                git::read_blobs_with(&a.repo, a.blobs, &a.label, &[], load::parse_file)
            })?;
            let rb = timed("git: read b", || {
                git::read_blobs(&b.repo, b.blobs, &b.label, &skip)
            })?;
            return Ok(load::pair_from_parsed(&a.label, pa, &b.label, rb, same));
        }
        if old_dir && new_dir {
            return load::pair_dirs(Path::new(old), Path::new(new));
        }
        let raw = |spec: &str, dir: bool| -> Result<(Vec<RawFile>, String), crate::Error> {
            if dir {
                Ok((load::raw_dir(Path::new(spec))?, spec.to_string()))
            } else {
                git::raw_rev(lists, spec)
            }
        };
        let (a, b) = rayon::join(|| raw(old, old_dir), || raw(new, new_dir));
        let ((ra, la), (rb, lb)) = (a?, b?);
        Ok(load::pair_from_raw(&la, ra, &lb, rb))
    }

    /// Build a snapshot from files already in memory (e.g. read from a git revision).
    pub fn from_raw(label: &str, files: Vec<RawFile>) -> Snapshot {
        load::from_raw(label, files)
    }

    pub fn source(&self, file: usize) -> &SourceFile {
        &self.files[file]
    }

    /// The department record for a folder, if it has a department.toml.
    pub fn department(&self, folder: &str) -> Option<&Department> {
        self.departments
            .binary_search_by(|d| d.folder.as_str().cmp(folder))
            .ok()
            .map(|i| &self.departments[i].value)
    }

    /// Where the items of a department folder are in `items` (sorted by folder, so they are
    /// one run). A snapshot put together by hand must keep that order (`load` sorts).
    pub fn item_run(&self, folder: &str) -> std::ops::Range<usize> {
        debug_assert!(
            self.items.is_sorted_by(|a, b| a.folder <= b.folder),
            "Snapshot::items must be sorted by folder"
        );
        let start = self.items.partition_point(|i| i.folder.as_str() < folder);
        let end = self.items.partition_point(|i| i.folder.as_str() <= folder);
        start..end
    }

    /// The items of a department folder.
    pub fn items_of(&self, folder: &str) -> &[Entry<std::sync::Arc<Item>>] {
        &self.items[self.item_run(folder)]
    }

    /// Display name of a department folder: its name if known, else the folder.
    pub fn department_name<'a>(&'a self, folder: &'a str) -> &'a str {
        self.department(folder).map_or(folder, |d| d.name.as_str())
    }
}
