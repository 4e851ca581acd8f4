//! Files that appear whole or not at all: written into a temporary file beside the target and
//! renamed over it only when complete, so that a failed import or export leaves the file that
//! was there. The new file keeps the old one's permissions, or gets those of any new file (0666
//! less the umask), not tempfile's private 0600: an imported list or an exported table is for
//! others too. A symbolic link is followed (the file it points to is replaced, the link stays);
//! a target that is not a regular file (a pipe, `/dev/stdout`), or one in a folder where no
//! temporary file can be made, is written in place.
//!
//! "Whole" holds against a failing or killed process, not a power cut: nothing is synced to
//! disk (as git does by default), which after a crash of the machine leaves what the file
//! system's journal kept.

use std::fs::File;
use std::io::{Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use tempfile::NamedTempFile;

use crate::error::Error;

/// A file being written; [`Output::finish`] puts it in place.
pub enum Output {
    /// A temporary file to be renamed as `path`.
    Whole { tmp: NamedTempFile, path: PathBuf },
    /// The target itself, opened for writing.
    InPlace(File),
}

/// Start writing `path`.
pub fn create(path: &Path) -> Result<Output, Error> {
    let write_error = |path: &Path| {
        let path = path.to_path_buf();
        move |source| Error::Write { path, source }
    };
    let target = match std::fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => match std::fs::canonicalize(path) {
            Ok(real) => real,
            // A dangling link, or one into /proc (`/dev/stdout` of a pipe): written through.
            Err(_) => return in_place(path),
        },
        _ => path.to_path_buf(),
    };
    let old = match std::fs::metadata(&target) {
        Ok(m) if !m.is_file() => return in_place(&target),
        Ok(m) => Some(m.permissions()),
        Err(_) => None,
    };
    let dir = match target.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(dir).map_err(write_error(dir))?;
    let mut builder = tempfile::Builder::new();
    builder.prefix(".qingdan-");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    match builder.tempfile_in(dir) {
        Ok(tmp) => {
            if let Some(permissions) = old {
                tmp.as_file()
                    .set_permissions(permissions)
                    .map_err(write_error(&target))?;
            }
            Ok(Output::Whole { tmp, path: target })
        }
        // A writable file in a folder that is not: as before there was a temporary file.
        Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied && old.is_some() => {
            in_place(&target)
        }
        Err(e) => Err(write_error(dir)(e)),
    }
}

fn in_place(path: &Path) -> Result<Output, Error> {
    File::create(path)
        .map(Output::InPlace)
        .map_err(|source| Error::Write {
            path: path.to_path_buf(),
            source,
        })
}

impl Output {
    fn file(&mut self) -> &mut File {
        match self {
            Output::Whole { tmp, .. } => tmp.as_file_mut(),
            Output::InPlace(f) => f,
        }
    }

    /// Whether a reader sees the bytes as they are written (nothing is replaced at the end).
    pub fn in_place(&self) -> bool {
        matches!(self, Output::InPlace(_))
    }

    /// Put the complete file in place of the target.
    pub fn finish(self) -> Result<(), Error> {
        match self {
            Output::Whole { tmp, path } => {
                tmp.persist(&path).map_err(|e| Error::Write {
                    path,
                    source: e.error,
                })?;
                Ok(())
            }
            Output::InPlace(_) => Ok(()),
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
    fn a_written_file_replaces_the_old_one_with_ordinary_permissions() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub").join("a.toml");
        write(&path, b"old").unwrap();
        write(&path, b"new").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"new");
        #[cfg(unix)]
        {
            let probe = dir.path().join("probe");
            std::fs::write(&probe, b"").unwrap();
            assert_eq!(
                mode(&path),
                mode(&probe),
                "as a file made by std::fs::write"
            );
        }
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
    fn a_device_is_written_in_place() {
        let out = create(Path::new("/dev/null")).unwrap();
        assert!(out.in_place());
        out.finish().unwrap();
        assert!(!std::fs::metadata("/dev/null").unwrap().is_file());
    }
}
