//! Reusing the previous build: a page whose inputs are unchanged is hard-linked from the site
//! being replaced instead of rendered and written again; so are the open data files and the
//! search index when no list file changed.
//!
//! Every build writes `_index/build.json`: for each item page the key of its inputs (the item
//! file's bytes, its department's name, its boundaries and history, and the site-wide inputs:
//! qingdan's version, templates, stylesheet, the `site` context), and one key for the data and
//! index (every list file's bytes). The next build compares keys; a hard link costs a directory
//! entry, not a file's worth of writing. The new site is still built whole in a new folder, so a
//! failed build leaves the old site as it was. Without a manifest (first build, another version,
//! a folder on another file system) everything is rendered.

use std::collections::HashMap;
use std::hash::Hasher;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use xxhash_rust::xxh3::Xxh3Default;

/// Where the manifest is kept (a folder `serve` does not serve).
pub const FILE: &str = "_index/build.json";

#[derive(Default, Serialize, Deserialize)]
pub struct Manifest {
    pub version: String,
    /// Page path (relative to the site) → key of its inputs; written in the order of the
    /// paths, so that the same site makes the same file.
    #[serde(serialize_with = "in_order")]
    pub pages: HashMap<String, u64>,
    /// Key of everything the open data and the search index are made from.
    pub data: u64,
}

fn in_order<S: serde::Serializer>(pages: &HashMap<String, u64>, s: S) -> Result<S::Ok, S::Error> {
    s.collect_map(pages.iter().collect::<std::collections::BTreeMap<_, _>>())
}

/// The previous build, when it can be reused.
pub struct Previous {
    pub dir: PathBuf,
    pub manifest: Manifest,
}

impl Previous {
    /// The manifest of the site in `out`, if it was written by this version of qingdan.
    pub fn read(out: &Path) -> Option<Previous> {
        if !out.join(super::MARKER).exists() {
            return None;
        }
        let bytes = std::fs::read(out.join(FILE)).ok()?;
        let manifest: Manifest = serde_json::from_slice(&bytes).ok()?;
        (manifest.version == env!("CARGO_PKG_VERSION")).then(|| Previous {
            dir: out.to_path_buf(),
            manifest,
        })
    }

    /// Link the previous `rel` into `to` when its key is `key`; false when it cannot be reused.
    pub fn link_page(&self, rel: &str, key: u64, to: &Path) -> bool {
        self.manifest.pages.get(rel) == Some(&key) && link(&self.dir.join(rel), &to.join(rel))
    }

    /// Link every file of the previous folder `rel` into `to` (false, and nothing guaranteed
    /// linked, when one fails: the caller then writes the folder anew).
    pub fn link_tree(&self, rel: &str, to: &Path, skip: &[&str]) -> bool {
        let from = self.dir.join(rel);
        let Ok(walk) = walkdir::WalkDir::new(&from)
            .into_iter()
            .collect::<Result<Vec<_>, _>>()
        else {
            return false;
        };
        walk.iter()
            .filter(|e| e.file_type().is_file())
            .filter(|e| !skip.iter().any(|s| e.file_name() == *s))
            .all(|e| match e.path().strip_prefix(&self.dir) {
                Ok(r) => link(e.path(), &to.join(r)),
                Err(_) => false,
            })
    }
}

fn link(from: &Path, to: &Path) -> bool {
    if let Some(parent) = to.parent()
        && std::fs::create_dir_all(parent).is_err()
    {
        return false;
    }
    std::fs::hard_link(from, to).is_ok()
}

/// A key: a hash over the parts given (XXH3, 64 bits, unseeded: the same parts make the same key
/// in every build; a key that differs between two builds only costs a page rendered again).
/// A province's build keys half a million item pages, each over its item's JSON: SipHash over
/// those bytes was 1.4 % of the build.
#[derive(Clone)]
pub struct Key(Xxh3Default);

impl Key {
    pub fn new() -> Key {
        let mut h = Xxh3Default::new();
        h.write(env!("CARGO_PKG_VERSION").as_bytes());
        Key(h)
    }

    pub fn add(mut self, bytes: &[u8]) -> Key {
        // Length first, so that ("ab", "c") and ("a", "bc") differ.
        self.0.write_u64(bytes.len() as u64);
        self.0.write(bytes);
        self
    }

    pub fn add_u64(mut self, n: u64) -> Key {
        self.0.write_u64(n);
        self
    }

    /// `v` as JSON, streamed into the hash: no buffer made of it (an item is kilobytes, and a
    /// province's build keys half a million of them). A JSON value ends where it ends, and its
    /// length follows it, so the parts stay told apart as `add` tells them.
    pub fn add_json<T: Serialize + ?Sized>(mut self, v: &T) -> Result<Key, serde_json::Error> {
        let mut into = HashWriter {
            hasher: &mut self.0,
            len: 0,
        };
        serde_json::to_writer(&mut into, v)?;
        let len = into.len;
        self.0.write_u64(len);
        Ok(self)
    }

    pub fn finish(&self) -> u64 {
        self.0.digest()
    }
}

/// The hasher as a writer, counting what went in.
struct HashWriter<'a> {
    hasher: &'a mut Xxh3Default,
    len: u64,
}

impl std::io::Write for HashWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.hasher.write(buf);
        self.len += buf.len() as u64;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Default for Key {
    fn default() -> Self {
        Key::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_tell_parts_apart() {
        let a = Key::new().add(b"ab").add(b"c").finish();
        let b = Key::new().add(b"a").add(b"bc").finish();
        assert_ne!(a, b);
        assert_eq!(a, Key::new().add(b"ab").add(b"c").finish());
    }

    #[test]
    fn json_parts_key_as_their_values() {
        let a = Key::new().add_json(&["ab", "c"]).unwrap().finish();
        assert_eq!(a, Key::new().add_json(&["ab", "c"]).unwrap().finish());
        assert_ne!(a, Key::new().add_json(&["a", "bc"]).unwrap().finish());
        // A value and the bytes after it are not another value and other bytes.
        let b = Key::new().add_json("a").unwrap().add(b"b").finish();
        let c = Key::new().add_json("a").unwrap().add(b"c").finish();
        assert_ne!(b, c);
        assert_ne!(a, Key::new().add(br#"["ab","c"]"#).finish());
    }

    #[test]
    fn pages_link_only_with_the_same_key() {
        let old = tempfile::tempdir().unwrap();
        let new = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(old.path().join("items")).unwrap();
        std::fs::write(old.path().join("items/a.html"), "A").unwrap();
        let mut manifest = Manifest::default();
        manifest.pages.insert("items/a.html".into(), 7);
        let prev = Previous {
            dir: old.path().to_path_buf(),
            manifest,
        };
        assert!(!prev.link_page("items/a.html", 8, new.path()));
        assert!(!new.path().join("items/a.html").exists());
        assert!(prev.link_page("items/a.html", 7, new.path()));
        assert_eq!(
            std::fs::read_to_string(new.path().join("items/a.html")).unwrap(),
            "A"
        );
        assert!(!prev.link_page("items/missing.html", 7, new.path()));
    }
}
