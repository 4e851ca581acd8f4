//! The folder a build writes a search index into: tantivy's `MmapDirectory`, without the
//! `fdatasync` after every file. tantivy makes each file durable as it is finished (19 calls for
//! one small index, 1.5 ms each here); a build writes the whole site into a fresh folder that
//! replaces the old one only when complete, and does not sync its 100,000 pages either. For a
//! province of a thousand jurisdictions, each with an index of its own, those calls were half
//! a minute. Reading an index (`serve`, `search`) uses the plain `MmapDirectory`.

use std::fs::{File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use tantivy::directory::error::{DeleteError, LockError, OpenReadError, OpenWriteError};
use tantivy::directory::{
    AntiCallToken, Directory, DirectoryLock, FileHandle, Lock, MmapDirectory, TerminatingWrite,
    WatchCallback, WatchHandle, WritePtr,
};

/// `MmapDirectory` for writing an index that needs no durability of its own.
#[derive(Clone, Debug)]
pub struct Unsynced {
    inner: MmapDirectory,
    root: PathBuf,
}

impl Unsynced {
    pub fn open(root: &Path) -> tantivy::Result<Unsynced> {
        Ok(Unsynced {
            inner: MmapDirectory::open(root)?,
            root: root.to_path_buf(),
        })
    }
}

/// A file written without syncing it when finished.
struct Plain(File);

impl Write for Plain {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl TerminatingWrite for Plain {
    fn terminate_ref(&mut self, _: AntiCallToken) -> io::Result<()> {
        self.0.flush()
    }
}

impl Directory for Unsynced {
    fn get_file_handle(&self, path: &Path) -> Result<Arc<dyn FileHandle>, OpenReadError> {
        self.inner.get_file_handle(path)
    }

    fn delete(&self, path: &Path) -> Result<(), DeleteError> {
        self.inner.delete(path)
    }

    fn exists(&self, path: &Path) -> Result<bool, OpenReadError> {
        self.inner.exists(path)
    }

    fn open_write(&self, path: &Path) -> Result<WritePtr, OpenWriteError> {
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(self.root.join(path))
            .map_err(|e| {
                if e.kind() == io::ErrorKind::AlreadyExists {
                    OpenWriteError::FileAlreadyExists(path.to_path_buf())
                } else {
                    OpenWriteError::wrap_io_error(e, path.to_path_buf())
                }
            })?;
        Ok(BufWriter::new(Box::new(Plain(file))))
    }

    fn atomic_read(&self, path: &Path) -> Result<Vec<u8>, OpenReadError> {
        self.inner.atomic_read(path)
    }

    /// Written beside, then renamed over (still atomic for a reader), not synced.
    fn atomic_write(&self, path: &Path, data: &[u8]) -> io::Result<()> {
        let to = self.root.join(path);
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        let tmp = to.with_file_name(format!(".{name}.{}.tmp", std::process::id()));
        std::fs::write(&tmp, data)?;
        std::fs::rename(&tmp, &to)
    }

    fn sync_directory(&self) -> io::Result<()> {
        Ok(())
    }

    fn acquire_lock(&self, lock: &Lock) -> Result<DirectoryLock, LockError> {
        self.inner.acquire_lock(lock)
    }

    fn watch(&self, watch_callback: WatchCallback) -> tantivy::Result<WatchHandle> {
        self.inner.watch(watch_callback)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_index_written_unsynced_reads_back() {
        use tantivy::schema::{STORED, STRING, Schema};
        let dir = tempfile::tempdir().unwrap();
        let mut b = Schema::builder();
        let id = b.add_text_field("id", STRING | STORED);
        let index = tantivy::Index::create(
            Unsynced::open(dir.path()).unwrap(),
            b.build(),
            tantivy::IndexSettings::default(),
        )
        .unwrap();
        let mut w = index
            .writer_with_num_threads::<tantivy::TantivyDocument>(1, 15_000_000)
            .unwrap();
        w.add_document(tantivy::doc!(id => "a-1")).unwrap();
        w.commit().unwrap();
        w.wait_merging_threads().unwrap();
        let again = tantivy::Index::open_in_dir(dir.path()).unwrap();
        let searcher = again.reader().unwrap().searcher();
        assert_eq!(searcher.num_docs(), 1);
        assert!(
            !std::fs::read_dir(dir.path()).unwrap().any(|e| e
                .unwrap()
                .file_name()
                .to_string_lossy()
                .ends_with(".tmp")),
            "no temporary file left"
        );
    }
}
