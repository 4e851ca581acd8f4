//! Files that appear whole or not at all: written into a temporary file beside the target and
//! renamed over it only when complete, so a failed import or export leaves the file that was
//! there. The temporary file gets the permissions an ordinary new file would (0666 less the
//! umask), not tempfile's private 0600: an imported list or an exported table is for others too.

use std::io::Write;
use std::path::Path;

use tempfile::NamedTempFile;

use crate::error::Error;

/// A temporary file in `path`'s folder (created if missing), to be [`finish`]ed as `path`.
pub fn beside(path: &Path) -> Result<NamedTempFile, Error> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let write_error = |source| Error::Write {
        path: dir.to_path_buf(),
        source,
    };
    std::fs::create_dir_all(dir).map_err(write_error)?;
    let mut builder = tempfile::Builder::new();
    builder.prefix(".qingdan-");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    builder.tempfile_in(dir).map_err(write_error)
}

/// Rename a complete temporary file over `path`.
pub fn finish(tmp: NamedTempFile, path: &Path) -> Result<(), Error> {
    tmp.persist(path).map_err(|e| Error::Write {
        path: path.to_path_buf(),
        source: e.error,
    })?;
    Ok(())
}

/// Write `bytes` as `path`, whole or not at all.
pub fn write(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    let mut tmp = beside(path)?;
    tmp.write_all(bytes).map_err(|source| Error::Write {
        path: path.to_path_buf(),
        source,
    })?;
    finish(tmp, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_written_file_replaces_the_old_one_with_ordinary_permissions() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub").join("a.toml");
        write(&path, b"old").unwrap();
        write(&path, b"new").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"new");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            // Readable by others unless the umask says otherwise (it never removes the owner's).
            assert_eq!(mode & 0o600, 0o600);
            let umask = {
                let probe = dir.path().join("probe");
                std::fs::write(&probe, b"").unwrap();
                std::fs::metadata(&probe).unwrap().permissions().mode() & 0o777
            };
            assert_eq!(mode, umask, "same mode as a file made by std::fs::write");
        }
    }

    #[test]
    fn an_unfinished_file_leaves_the_old_one() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.csv");
        write(&path, b"old").unwrap();
        let mut tmp = beside(&path).unwrap();
        tmp.write_all(b"half").unwrap();
        drop(tmp);
        assert_eq!(std::fs::read(&path).unwrap(), b"old");
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no temporary left"
        );
    }
}
