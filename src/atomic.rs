//! Files that appear whole or not at all. What is written goes into a temporary file first;
//! only when it is complete does it take the target's place, so a failed import or export (bad
//! data, a full disk) leaves the file that was there.
//!
//! How it takes the place, chosen so that nothing about the target changes but its contents:
//! - renamed over the target, when the target is new, or a regular file with one link whose
//!   owner and group a new file here would also have (an editor's own list file, an export in
//!   one's own folder). A new file gets 0666 less the umask (not tempfile's private 0600: an
//!   imported list or an exported table is for others too); a replaced one keeps its mode;
//! - copied into the target otherwise (another user's file in a shared or sticky folder, a
//!   file with hard links, a folder where no temporary file can be made): the target is
//!   opened for writing before any work, so a file one may not write (`chmod a-w`) is refused
//!   as a shell's `>` would refuse it, and emptied only once the new contents are complete;
//! - written as it is made, when the target is not a regular file (a pipe, `/dev/null`).
//!
//! A symbolic link is followed: the file it points to is replaced and the link stays.
//! "Whole" holds against a failing or killed process, not a power cut: nothing is synced to
//! disk (as git does by default).

use std::fs::{File, OpenOptions};
use std::io::{Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use tempfile::NamedTempFile;

use crate::error::Error;

/// A file being written; [`Output::finish`] puts it in place.
pub enum Output {
    /// A temporary file beside the target, to be renamed over it.
    Rename { tmp: NamedTempFile, path: PathBuf },
    /// A temporary file to be copied into the target, already opened for writing.
    Copy {
        tmp: NamedTempFile,
        target: File,
        path: PathBuf,
    },
    /// The target itself (not a regular file).
    Stream(File),
}

/// Start writing `path`. Errors name `path` as given.
pub fn create(path: &Path) -> Result<Output, Error> {
    let fail = |source| Error::Write {
        path: path.to_path_buf(),
        source,
    };
    let target = match std::fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => match std::fs::canonicalize(path) {
            Ok(real) => real,
            // A dangling link: written through, as a shell's `>` does.
            Err(_) => return File::create(path).map(Output::Stream).map_err(fail),
        },
        _ => path.to_path_buf(),
    };
    let old = match std::fs::metadata(&target) {
        Ok(m) if !m.is_file() => {
            let file = OpenOptions::new().write(true).open(&target).map_err(fail)?;
            return Ok(Output::Stream(file));
        }
        Ok(m) => Some(m),
        Err(_) => None,
    };
    let dir = match target.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let Some(old) = old else {
        // A new file: its folder is made, and a temporary file there is renamed.
        std::fs::create_dir_all(dir).map_err(|source| Error::Write {
            path: dir.to_path_buf(),
            source,
        })?;
        let tmp = temporary_in(dir).map_err(fail)?;
        return Ok(Output::Rename { tmp, path: target });
    };
    // Opened now: one may not write it, nothing is done.
    let file = OpenOptions::new().write(true).open(&target).map_err(fail)?;
    match temporary_in(dir) {
        Ok(tmp) if renaming_keeps(&old, &tmp) => {
            tmp.as_file()
                .set_permissions(old.permissions())
                .map_err(fail)?;
            Ok(Output::Rename { tmp, path: target })
        }
        Ok(tmp) => Ok(Output::Copy {
            tmp,
            target: file,
            path: path.to_path_buf(),
        }),
        Err(_) => Ok(Output::Copy {
            tmp: NamedTempFile::new().map_err(fail)?,
            target: file,
            path: path.to_path_buf(),
        }),
    }
}

/// A temporary file in `dir` with the permissions of any new file there.
fn temporary_in(dir: &Path) -> std::io::Result<NamedTempFile> {
    let mut builder = tempfile::Builder::new();
    builder.prefix(".qingdan-");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    builder.tempfile_in(dir)
}

/// Whether the file `tmp`, renamed over `old`, would leave all about it but its contents as
/// they were: the same owner and group (a temporary file gets those of whoever makes it), and
/// no other name that would keep the old contents.
#[cfg(unix)]
fn renaming_keeps(old: &std::fs::Metadata, tmp: &NamedTempFile) -> bool {
    use std::os::unix::fs::MetadataExt;
    match tmp.as_file().metadata() {
        Ok(new) => old.uid() == new.uid() && old.gid() == new.gid() && old.nlink() == 1,
        Err(_) => false,
    }
}

#[cfg(not(unix))]
fn renaming_keeps(_: &std::fs::Metadata, _: &NamedTempFile) -> bool {
    true
}

impl Output {
    fn file(&mut self) -> &mut File {
        match self {
            Output::Rename { tmp, .. } | Output::Copy { tmp, .. } => tmp.as_file_mut(),
            Output::Stream(f) => f,
        }
    }

    /// Whether the bytes go straight to the target (which then may not seek: a pipe).
    pub fn streams(&self) -> bool {
        matches!(self, Output::Stream(_))
    }

    /// Put the complete file in place of the target.
    pub fn finish(self) -> Result<(), Error> {
        match self {
            Output::Rename { tmp, path } => {
                tmp.persist(&path).map_err(|e| Error::Write {
                    path,
                    source: e.error,
                })?;
                Ok(())
            }
            Output::Copy {
                mut tmp,
                mut target,
                path,
            } => {
                let mut copy = || -> std::io::Result<()> {
                    let from = tmp.as_file_mut();
                    from.seek(SeekFrom::Start(0))?;
                    target.set_len(0)?;
                    std::io::copy(from, &mut target)?;
                    Ok(())
                };
                copy().map_err(|source| Error::Write { path, source })
            }
            Output::Stream(_) => Ok(()),
        }
    }
}

impl Write for Output {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.file().write(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.file().flush()
    }
}

impl Seek for Output {
    fn seek(&mut self, pos: SeekFrom) -> std::io::Result<u64> {
        self.file().seek(pos)
    }
}

/// Write `bytes` as `path`, whole or not at all.
pub fn write(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    let mut out = create(path)?;
    out.write_all(bytes).map_err(|source| Error::Write {
        path: path.to_path_buf(),
        source,
    })?;
    out.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    fn mode(path: &Path) -> u32 {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn a_written_file_replaces_the_old_one() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub").join("a.toml");
        write(&path, b"old").unwrap();
        write(&path, b"new").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"new");
        assert_eq!(
            std::fs::read_dir(path.parent().unwrap()).unwrap().count(),
            1
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_replaced_file_keeps_its_permissions() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.csv");
        std::fs::write(&path, b"old").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
        write(&path, b"new").unwrap();
        assert_eq!(mode(&path), 0o640);
    }

    #[test]
    fn an_unfinished_file_leaves_the_old_one() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.csv");
        write(&path, b"old").unwrap();
        let mut out = create(&path).unwrap();
        out.write_all(b"half").unwrap();
        drop(out);
        assert_eq!(std::fs::read(&path).unwrap(), b"old");
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no temporary left"
        );
    }

    /// A file with another name (a hard link into a web root) is copied into, not replaced:
    /// both names see the new contents, and an unfinished file touches neither.
    #[cfg(unix)]
    #[test]
    fn a_hard_linked_file_is_written_into() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.csv");
        let other = dir.path().join("published.csv");
        std::fs::write(&path, b"old").unwrap();
        std::fs::hard_link(&path, &other).unwrap();
        let mut out = create(&path).unwrap();
        assert!(matches!(out, Output::Copy { .. }));
        out.write_all(b"half").unwrap();
        drop(out);
        assert_eq!(std::fs::read(&other).unwrap(), b"old");
        write(&path, b"new, and longer than the old").unwrap();
        assert_eq!(
            std::fs::read(&other).unwrap(),
            b"new, and longer than the old"
        );
        write(&path, b"short").unwrap();
        assert_eq!(std::fs::read(&other).unwrap(), b"short", "the rest cut off");
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            2,
            "no temporary left"
        );
    }

    /// Another user's file (root can make one to try) keeps its owner: it is copied into.
    #[cfg(target_os = "linux")]
    #[test]
    fn another_users_file_keeps_its_owner() {
        use std::os::unix::fs::MetadataExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.csv");
        std::fs::write(&path, b"old").unwrap();
        if std::os::unix::fs::chown(&path, Some(65534), Some(65534)).is_err() {
            return; // not root: no other user's file to make
        }
        write(&path, b"new").unwrap();
        let m = std::fs::metadata(&path).unwrap();
        assert_eq!((m.uid(), m.gid()), (65534, 65534));
        assert_eq!(std::fs::read(&path).unwrap(), b"new");
    }

    #[cfg(unix)]
    #[test]
    fn a_link_is_followed_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real.csv");
        let link = dir.path().join("link.csv");
        std::fs::write(&real, b"old").unwrap();
        std::os::unix::fs::symlink("real.csv", &link).unwrap();
        write(&link, b"new").unwrap();
        assert!(
            std::fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(std::fs::read(&real).unwrap(), b"new");
        // A dangling link is written through, as `>` in a shell does.
        let dangling = dir.path().join("dangling.csv");
        std::os::unix::fs::symlink("made.csv", &dangling).unwrap();
        write(&dangling, b"made").unwrap();
        assert_eq!(std::fs::read(dir.path().join("made.csv")).unwrap(), b"made");
    }

    #[cfg(unix)]
    #[test]
    fn a_device_is_written_as_it_is_made() {
        let out = create(Path::new("/dev/null")).unwrap();
        assert!(out.streams());
        out.finish().unwrap();
        assert!(!std::fs::metadata("/dev/null").unwrap().is_file());
    }
}
