//! Loading a `Snapshot` from a git revision, straight from the object database (gix): no
//! checkout, no `git` program, the working tree untouched.
//!
//! `REV` is anything `git rev-parse` understands (a tag, a branch, `HEAD~1`, a commit id);
//! `REV:PATH` names the lists folder inside the repository explicitly, otherwise it is the path
//! of the given lists folder relative to the repository's top.

use std::path::{Component, Path, PathBuf};

use super::{RawFile, Snapshot};
use crate::Error;

/// A resolved revision.
#[derive(Clone, Debug)]
pub struct Revision {
    /// The commit id (hex).
    pub commit: String,
    /// Commit time, seconds since the epoch.
    pub time: i64,
    /// The lists folder inside the repository, `/`-separated ("" for the top).
    pub path: String,
}

fn git_error(rev: &str, e: impl std::fmt::Display) -> Error {
    Error::Git {
        rev: rev.to_string(),
        message: e.to_string(),
    }
}

/// The tags and branches of a repository, for a message about a revision it does not have.
fn known_revisions(repo: &gix::Repository) -> String {
    let names = |tags: bool| -> Vec<String> {
        let Ok(platform) = repo.references() else {
            return Vec::new();
        };
        let refs = if tags {
            platform.tags()
        } else {
            platform.local_branches()
        };
        let Ok(refs) = refs else {
            return Vec::new();
        };
        let mut v: Vec<String> = refs
            .filter_map(Result::ok)
            .map(|r| r.name().shorten().to_string())
            .collect();
        v.sort();
        v
    };
    let list = |v: Vec<String>| -> String {
        if v.is_empty() {
            "（没有）".to_string()
        } else if v.len() > 20 {
            format!("{} 等 {} 个", v[v.len() - 20..].join("、"), v.len())
        } else {
            v.join("、")
        }
    };
    format!(
        "已有的标签：{}；分支：{}",
        list(names(true)),
        list(names(false))
    )
}

/// The repository holding `lists` (or the current folder) and the path of `lists` in it.
fn locate(lists: &Path) -> Result<(gix::Repository, String), Error> {
    let cwd = std::env::current_dir().map_err(|source| Error::Read {
        path: PathBuf::from("."),
        source,
    })?;
    let abs = if lists.is_absolute() {
        lists.to_path_buf()
    } else {
        cwd.join(lists)
    };
    // The folder may not exist in the working tree (it may only exist in history): resolve the
    // deepest part that exists and keep the rest as written.
    let mut existing = abs.clone();
    let mut rest: Vec<std::ffi::OsString> = Vec::new();
    while !existing.exists() {
        match (existing.file_name(), existing.parent()) {
            (Some(name), Some(parent)) => {
                rest.push(name.to_owned());
                existing = parent.to_path_buf();
            }
            _ => break,
        }
    }
    let start = std::fs::canonicalize(&existing).unwrap_or(existing);
    // A delta-base cache (it needs gix's `max-performance` feature; without it this setting did
    // nothing): blobs are read in pack order, so a delta's base was usually just decoded, and
    // without the cache every delta chain of similar files is inflated from its root again.
    let open = gix::open::Options::default().config_overrides(["core.deltaBaseCacheLimit=128m"]);
    let repo = gix::discover_opts(&start, Default::default(), open).map_err(|e| Error::NotGit {
        path: start.clone(),
        message: e.to_string(),
    })?;
    let top = repo
        .workdir()
        .map(|w| std::fs::canonicalize(w).unwrap_or_else(|_| w.to_path_buf()))
        .ok_or_else(|| Error::NotGit {
            path: start.clone(),
            message: "仓库没有工作区（bare repository）".into(),
        })?;
    let mut full = start.clone();
    for r in rest.iter().rev() {
        full.push(r);
    }
    let rel = full.strip_prefix(&top).map_err(|_| Error::NotGit {
        path: full.clone(),
        message: format!("它不在仓库 {} 之内", top.display()),
    })?;
    let mut parts: Vec<String> = Vec::new();
    for c in rel.components() {
        match c {
            Component::Normal(s) => parts.push(s.to_string_lossy().into_owned()),
            Component::ParentDir => {
                parts.pop();
            }
            _ => {}
        }
    }
    Ok((repo, parts.join("/")))
}

/// Split `REV:PATH`. A colon inside a revision is rare (`HEAD:` syntax is what we mean anyway).
fn split_spec(spec: &str) -> (&str, Option<&str>) {
    match spec.split_once(':') {
        Some((rev, path)) if !rev.is_empty() => (rev, Some(path.trim_matches('/'))),
        _ => (spec, None),
    }
}

/// Resolve `spec` in the repository holding `lists`.
pub fn resolve(lists: &Path, spec: &str) -> Result<(gix::Repository, Revision), Error> {
    let (repo, default_path) = locate(lists)?;
    let rev = resolve_in(&repo, spec, &default_path)?;
    Ok((repo, rev))
}

/// Resolve `spec` in an open repository; `default_path` is the lists folder when `spec` names
/// none.
pub fn resolve_in(
    repo: &gix::Repository,
    spec: &str,
    default_path: &str,
) -> Result<Revision, Error> {
    let (rev, path) = split_spec(spec);
    let id = repo.rev_parse_single(rev).map_err(|_| Error::Git {
        rev: rev.to_string(),
        message: format!(
            "仓库中没有这个版本（不是已有的标签、分支或提交号）。{}",
            known_revisions(repo)
        ),
    })?;
    let commit = id
        .object()
        .map_err(|e| git_error(rev, e))?
        .peel_to_commit()
        .map_err(|e| git_error(rev, e))?;
    Ok(Revision {
        commit: commit.id.to_string(),
        time: commit.time().map(|t| t.seconds).unwrap_or(0),
        path: path.map_or_else(|| default_path.to_string(), str::to_string),
    })
}

/// Load the lists as they were at `spec` (see the module comment).
pub fn load_rev(lists: &Path, spec: &str) -> Result<(Snapshot, Revision), Error> {
    let (repo, rev) = resolve(lists, spec)?;
    let (name, _) = split_spec(spec);
    let snap = load_commit(&repo, &rev, &format!("git:{name}"))?;
    Ok((snap, rev))
}

/// Load the lists folder `rev.path` of commit `rev.commit`.
pub fn load_commit(repo: &gix::Repository, rev: &Revision, label: &str) -> Result<Snapshot, Error> {
    Ok(Snapshot::from_raw(label, raw_commit(repo, rev, label)?))
}

/// The files of `spec` (see the module comment), read, not parsed, with the label to show.
pub fn raw_rev(lists: &Path, spec: &str) -> Result<(Vec<RawFile>, String), Error> {
    let (repo, rev) = resolve(lists, spec)?;
    let (name, _) = split_spec(spec);
    let label = format!("git:{name}");
    Ok((raw_commit(&repo, &rev, &label)?, label))
}

/// The blobs of a lists folder in a commit: (path relative to the folder, object id).
pub struct Listing {
    pub repo: gix::Repository,
    pub label: String,
    pub blobs: Vec<(String, gix::ObjectId)>,
}

/// List the files of `spec` without reading them.
pub fn list_rev(lists: &Path, spec: &str) -> Result<Listing, Error> {
    let (repo, rev) = resolve(lists, spec)?;
    let (name, _) = split_spec(spec);
    let label = format!("git:{name}");
    let blobs = list_commit(&repo, &rev, &label)?;
    Ok(Listing { repo, label, blobs })
}

fn list_commit(
    repo: &gix::Repository,
    rev: &Revision,
    label: &str,
) -> Result<Vec<(String, gix::ObjectId)>, Error> {
    let id = gix::ObjectId::from_hex(rev.commit.as_bytes()).map_err(|e| git_error(label, e))?;
    let tree = repo
        .find_object(id)
        .map_err(|e| git_error(label, e))?
        .peel_to_tree()
        .map_err(|e| git_error(label, e))?;
    let tree = if rev.path.is_empty() {
        tree
    } else {
        let entry = tree
            .lookup_entry_by_path(&rev.path)
            .map_err(|e| git_error(label, e))?
            .ok_or_else(|| Error::Git {
                rev: label.to_string(),
                message: format!("这个版本中没有文件夹 {}", rev.path),
            })?;
        entry
            .object()
            .map_err(|e| git_error(label, e))?
            .peel_to_tree()
            .map_err(|e| git_error(label, e))?
    };
    let entries = tree
        .traverse()
        .breadthfirst
        .files()
        .map_err(|e| git_error(label, e))?;
    Ok(entries
        .into_iter()
        .filter(|e| e.mode.is_blob())
        .map(|e| (String::from_utf8_lossy(&e.filepath).into_owned(), e.oid))
        .collect())
}

/// Read blobs in parallel, each thread with its own handle on the repository. `skip[i]` leaves
/// file `i` unread (`bytes: None`, for a caller that has it already).
pub fn read_blobs(
    repo: &gix::Repository,
    blobs: Vec<(String, gix::ObjectId)>,
    label: &str,
    skip: &[bool],
) -> Result<Vec<RawFile>, Error> {
    read_blobs_with(repo, blobs, label, skip, |raw| raw)
}

/// `read_blobs`, with `then` applied to each file on the thread that read it (parsing it there,
/// while its bytes are fresh, overlaps parsing with reading).
pub fn read_blobs_with<T: Send>(
    repo: &gix::Repository,
    blobs: Vec<(String, gix::ObjectId)>,
    label: &str,
    skip: &[bool],
    then: impl Fn(RawFile) -> T + Sync,
) -> Result<Vec<T>, Error> {
    use gix::odb::pack::Find as _;
    use rayon::prelude::*;
    // In the order of the pack (loose objects last): a delta's base is stored before it, so it
    // is likely still in the handle's cache when the delta is read. In path order the bases of
    // similar files were scattered and delta chains were inflated again and again.
    let sync = repo.clone().into_sync();
    let threads = rayon::current_num_threads().max(1);
    let mut order: Vec<(u32, u64, usize)> = (0..blobs.len())
        .collect::<Vec<usize>>()
        .par_chunks(blobs.len().div_ceil(threads * 4).max(1))
        .flat_map_iter(|chunk| {
            // Pack locations are only handed out by a handle that keeps its packs loaded.
            // Replacement objects (`git replace`) still apply to what is read below: only the
            // order comes from here, and gix refuses locations while replacements are in effect.
            let mut odb = sync.to_thread_local().objects.clone();
            odb.prevent_pack_unload();
            odb.ignore_replacements = true;
            let mut buf = Vec::new();
            chunk
                .iter()
                .map(|&i| {
                    // A file the caller has already is not read: its place does not matter.
                    let at = if skip.get(i).copied().unwrap_or(false) {
                        None
                    } else {
                        odb.location_by_oid(&blobs[i].1, &mut buf).ok().flatten()
                    };
                    at.map_or((u32::MAX, 0, i), |l| (l.pack_id, l.pack_offset, i))
                })
                .collect::<Vec<_>>()
        })
        .collect();
    order.sort_unstable();
    // Contiguous runs, each with one repository handle and its caches; eight per thread so that
    // a thread whose runs decode faster takes more of them.
    let per = order.len().div_ceil(threads * 8).max(1);
    let blobs = &blobs;
    let read: Vec<Vec<(usize, T)>> = order
        .par_chunks(per)
        .map(|run| {
            let repo = sync.to_thread_local();
            run.iter()
                .map(|&(_, _, i)| {
                    let (path, oid) = &blobs[i];
                    let bytes = if skip.get(i).copied().unwrap_or(false) {
                        None
                    } else {
                        let object = repo.find_object(*oid).map_err(|x| git_error(label, x))?;
                        // A copy of the exact size: the object's own buffer goes back to the
                        // handle for the next object. Taking it kept decoding buffers many
                        // times the blob's size (2.3 GB at 100,000 items).
                        Some(object.data.to_vec())
                    };
                    let raw = RawFile {
                        transient: true,
                        path: path.clone(),
                        origin: None,
                        bytes,
                        problem: None,
                    };
                    Ok((i, then(raw)))
                })
                .collect::<Result<Vec<_>, Error>>()
        })
        .collect::<Result<_, Error>>()?;
    let mut out: Vec<Option<T>> = (0..blobs.len()).map(|_| None).collect();
    for (i, t) in read.into_iter().flatten() {
        out[i] = Some(t);
    }
    Ok(out.into_iter().flatten().collect())
}

/// The files of the lists folder `rev.path` of commit `rev.commit`.
pub fn raw_commit(
    repo: &gix::Repository,
    rev: &Revision,
    label: &str,
) -> Result<Vec<RawFile>, Error> {
    let blobs = list_commit(repo, rev, label)?;
    read_blobs(repo, blobs, label, &[])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs() {
        assert_eq!(split_spec("v2024"), ("v2024", None));
        assert_eq!(split_spec("v2024:lists/"), ("v2024", Some("lists")));
        assert_eq!(split_spec("HEAD~1:"), ("HEAD~1", Some("")));
    }
}
