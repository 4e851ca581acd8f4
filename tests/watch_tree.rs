//! `serve --watch` on a multi-level repository: an edit inside one district rebuilds that
//! district's site and the root's pages that change with it (`Site::update`), and what it
//! leaves on disk is what a full build of the edited lists makes; an edit it cannot do alone
//! (the root, a catalogue, a jurisdiction.toml) is declined, and a mistake changes nothing.

mod common;

use std::path::{Path, PathBuf};

use common::*;
use qingdan::render::{Options, Site};

/// A copy of the demo lists (the city, its catalogue and four districts).
fn demo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("lists"),
        &dir.path().join("lists"),
    );
    dir
}

fn options(lists: &Path, out: &Path) -> Options {
    Options {
        lists: lists.to_path_buf(),
        out: out.to_path_buf(),
        base_url: None,
        templates: None,
        feedback_served: true,
        votes: None,
    }
}

fn built(lists: &Path, out: &Path) -> Site {
    let mut site = Site::load(options(lists, out)).unwrap();
    assert!(site.report.ok, "the demo passes check");
    site.build().unwrap();
    site
}

/// The pages and data of a site (not the search indexes' binary segments, named at random, nor
/// the build's manifest).
fn pages(site: &Path) -> Vec<(String, Vec<u8>)> {
    files_in(site)
        .into_iter()
        .filter(|(p, _)| {
            let index =
                p.contains("_index/") && !p.ends_with("site.json") && !p.ends_with("feedback.json");
            !index
        })
        .collect()
}

const CLAIM: &str = "jurisdictions/dszq/departments/swj/claims/SWJ-CF-001.toml";
const LOCAL: &str = "jurisdictions/dszq/departments/daj/items/650202-daj-001.toml";

fn edit(lists: &Path, rel: &str, from: &str, to: &str) {
    let path = lists.join(rel);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains(from), "{rel} has {from}");
    std::fs::write(&path, text.replace(from, to)).unwrap();
}

/// The claim `CLAIM` states another office of its own (a change inside 独山子区 that its
/// catalogue item's page shows).
fn move_claim_office(lists: &Path) {
    edit(
        lists,
        CLAIM,
        "独山子区商务局综合业务股",
        "独山子区商务局市场监管股",
    );
}

/// The site in `out` holds what a full build of `lists` (into `full`) makes.
fn assert_like_a_full_build(lists: &Path, out: &Path, full: &Path) {
    built(lists, full);
    let (a, b) = (pages(out), pages(full));
    let names = |v: &[(String, Vec<u8>)]| v.iter().map(|(p, _)| p.clone()).collect::<Vec<_>>();
    assert_eq!(names(&a), names(&b), "the same files");
    let same = |(path, x): &(String, Vec<u8>), y: &[u8]| {
        if path.ends_with(".xlsx") {
            // A workbook holds the time it was made: compare its size only.
            x.len().abs_diff(y.len()) < 64
        } else if path.ends_with(".json") {
            // Maps written in no particular order.
            serde_json::from_slice::<serde_json::Value>(x).ok()
                == serde_json::from_slice::<serde_json::Value>(y).ok()
        } else {
            x == y
        }
    };
    let differ: Vec<&String> = a
        .iter()
        .zip(&b)
        .filter(|(x, y)| !same(x, &y.1))
        .map(|(x, _)| &x.0)
        .collect();
    assert!(differ.is_empty(), "files unlike a full build's: {differ:?}");
}

#[test]
fn an_edit_in_one_district_rebuilds_it_as_a_full_build_would() {
    let dir = demo();
    let lists = dir.path().join("lists");
    let out = dir.path().join("site");
    let mut site = built(&lists, &out);
    let before = std::fs::read_to_string(out.join("j/dszq/departments/daj/index.html")).unwrap();
    let other = out.join("j/klmyq/index.html");
    let other_inode = std::fs::metadata(&other).unwrap();

    // A claim states its own office; a local item is renamed.
    move_claim_office(&lists);
    edit(
        &lists,
        LOCAL,
        "对独山子区属国有企业档案工作的监督检查",
        "对独山子区属国有企业档案工作的检查",
    );
    let nodes = site
        .incremental(&[CLAIM.to_string(), LOCAL.to_string()])
        .expect("an edit inside one district is rebuilt alone");
    assert_eq!(nodes.len(), 1);
    let updated = site.update(&nodes).unwrap().expect("the edit passes check");
    assert_eq!(updated.jurisdictions, ["独山子区"]);
    assert_eq!(
        updated.catalogue_pages, 1,
        "only SWJ-CF-001's page changes: {updated:?}"
    );
    assert!(
        updated.reused > 0,
        "unchanged pages are linked: {updated:?}"
    );
    assert!(
        std::fs::read_to_string(out.join("j/dszq/items/650202-daj-001.html"))
            .unwrap()
            .contains("对独山子区属国有企业档案工作的检查")
    );
    assert_ne!(
        before,
        std::fs::read_to_string(out.join("j/dszq/index.html")).unwrap()
    );
    // Another district's site is not touched.
    {
        use std::os::unix::fs::MetadataExt;
        assert_eq!(
            std::fs::metadata(&other).unwrap().ino(),
            other_inode.ino(),
            "klmyq's home page is the same file"
        );
    }

    assert_like_a_full_build(&lists, &out, &dir.path().join("full"));
    // The catalogue item's page shows the new office.
    assert!(
        std::fs::read_to_string(out.join("catalogue/SWJ-CF-001/index.html"))
            .unwrap()
            .contains("独山子区商务局市场监管股")
    );
}

/// `serve --watch` on a site built before it started loads the tree afterwards and remembers
/// what the catalogue pages show: the first edit rewrites only the catalogue page it changes
/// (not all of them), and the site is still what a full build makes.
#[test]
fn a_site_loaded_after_its_build_rewrites_only_the_catalogue_pages_that_change() {
    let dir = demo();
    let lists = dir.path().join("lists");
    let out = dir.path().join("site");
    drop(built(&lists, &out));
    let mut site = Site::load(options(&lists, &out)).unwrap();
    site.remember_catalogue_pages();
    move_claim_office(&lists);
    let nodes = site.incremental(&[CLAIM.to_string()]).unwrap();
    let updated = site.update(&nodes).unwrap().expect("the edit passes check");
    assert_eq!(
        updated.catalogue_pages, 1,
        "only SWJ-CF-001's page changes: {updated:?}"
    );
    assert_like_a_full_build(&lists, &out, &dir.path().join("full"));
}

/// Writing the whole-tree search index again gives way to a newer edit (`serve --watch` asks
/// between jurisdictions): nothing is put in place and nothing is left beside the site.
#[test]
fn a_refresh_of_the_tree_index_stops_when_asked_and_leaves_nothing() {
    use std::os::unix::fs::MetadataExt;
    let dir = demo();
    let lists = dir.path().join("lists");
    let out = dir.path().join("site");
    let mut site = built(&lists, &out);
    move_claim_office(&lists);
    let nodes = site.incremental(&[CLAIM.to_string()]).unwrap();
    site.update(&nodes).unwrap().expect("the edit passes check");
    let meta = out.join("_index/tree/meta.json");
    let inode = || std::fs::metadata(&meta).unwrap().ino();
    let before = inode();
    let asked = std::sync::atomic::AtomicUsize::new(0);
    let stop = || asked.fetch_add(1, std::sync::atomic::Ordering::SeqCst) >= 2;
    assert!(matches!(
        site.refresh_tree_index(&stop),
        Err(qingdan::Error::Stopped)
    ));
    assert_eq!(inode(), before, "the index in place is the old one");
    let beside: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(beside.is_empty(), "left beside the site: {beside:?}");
    assert!(site.refresh_tree_index(&|| false).unwrap() > 0);
    assert_ne!(inode(), before, "written again");
}

#[test]
fn an_edit_that_fails_check_changes_nothing() {
    let dir = demo();
    let lists = dir.path().join("lists");
    let out = dir.path().join("site");
    let mut site = built(&lists, &out);
    let snapshot = pages(&out);
    edit(
        &lists,
        LOCAL,
        "category = \"行政检查\"",
        "category = \"检查\"",
    );
    let nodes = site.incremental(&[LOCAL.to_string()]).unwrap();
    assert!(site.update(&nodes).unwrap().is_none(), "refused");
    assert!(
        site.report
            .errors
            .iter()
            .any(|d| d.rule == "unknown-category")
    );
    assert!(pages(&out) == snapshot, "the site is as it was");
    // Put right, it is rebuilt.
    edit(
        &lists,
        LOCAL,
        "category = \"检查\"",
        "category = \"行政检查\"",
    );
    edit(&lists, LOCAL, "监督检查", "监督抽查");
    let nodes = site.incremental(&[LOCAL.to_string()]).unwrap();
    assert!(site.update(&nodes).unwrap().is_some());
    assert!(
        std::fs::read_to_string(out.join("j/dszq/items/650202-daj-001.html"))
            .unwrap()
            .contains("监督抽查")
    );
}

#[test]
fn edits_that_change_the_whole_tree_are_not_done_in_part() {
    let dir = demo();
    let lists = dir.path().join("lists");
    let out = dir.path().join("site");
    let site = built(&lists, &out);
    let one = |rel: &str| site.incremental(&[rel.to_string()]);
    assert!(
        one("jurisdictions/dszq/jurisdiction.toml").is_none(),
        "names, levels"
    );
    assert!(
        one("catalogue/SWJ-CF-001.toml").is_none(),
        "the root's catalogue"
    );
    assert!(one("departments/swj/department.toml").is_none(), "the root");
    assert!(
        one("jurisdictions/dszq/jurisdictions/jd1/jurisdiction.toml").is_none(),
        "a new one"
    );
    assert!(one("jurisdictions/dszq").is_none(), "the folder itself");
    assert!(one(CLAIM).is_some());
    // Two districts at once: both.
    let two = site
        .incremental(&[
            CLAIM.to_string(),
            "jurisdictions/wehq/departments/x.toml".to_string(),
        ])
        .unwrap();
    assert_eq!(two.len(), 2);
}

/// `serve --watch` on the demo: an edit inside a district is rebuilt in part and served.
#[test]
fn serve_watch_rebuilds_a_district_in_part() {
    use std::io::{Read, Write};
    let dir = demo();
    let lists = dir.path().join("lists");
    let out: PathBuf = dir.path().join("site");
    let fb = dir.path().join("fb.sqlite");
    let server = serve_logged(&[
        "--watch".as_ref(),
        "--no-search-log".as_ref(),
        "--lists".as_ref(),
        lists.as_os_str(),
        "--out".as_ref(),
        out.as_os_str(),
        "--feedback-db".as_ref(),
        fb.as_os_str(),
    ]);
    let (addr, log) = (&server.addr, &server.log);
    let get = |path: &str| {
        let mut s = std::net::TcpStream::connect(addr).unwrap();
        write!(
            s,
            "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut buf = Vec::new();
        s.read_to_end(&mut buf).unwrap();
        String::from_utf8_lossy(&buf).to_string()
    };
    // The district's search and another's, opened before the edit (serve keeps them open).
    let district = "/j/dszq/api/search?q=%E7%80%9A%E6%B5%B7";
    let other = "/j/klmyq/api/search?q=%E6%A1%A3%E6%A1%88";
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(300);
    while !get(district).contains("200 OK") {
        assert!(
            std::time::Instant::now() < deadline,
            "serve does not answer"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert!(!get(district).contains("650202-daj-001"));
    let other_before = body(&get(other));
    assert!(other_before.contains("\"total\""), "{other_before}");
    edit(
        &lists,
        LOCAL,
        "对独山子区属国有企业档案工作的监督检查",
        "对独山子区属国有企业档案工作的瀚海专项检查",
    );
    loop {
        if get("/j/dszq/items/650202-daj-001.html").contains("专项检查") {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "not rebuilt: {}",
            log.lock().unwrap()
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    // Said once the served pages were told to reload.
    while !log.lock().unwrap().contains("已通知") {
        assert!(std::time::Instant::now() < deadline);
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let said = log.lock().unwrap().clone();
    assert!(said.contains("已重新生成 独山子区"), "in part: {said}");
    // The whole-tree search index follows, written again after the pages; the districts'
    // searches are parts of it: the rebuilt district's finds the new name, the other's is as
    // it was. (瀚海: a word no item had before.)
    let q = "/api/search?scope=all&q=%E7%80%9A%E6%B5%B7";
    loop {
        if log.lock().unwrap().contains("全部区划的搜索索引已更新")
            && get(q).contains("650202-daj-001")
            && get(district).contains("650202-daj-001")
        {
            assert_eq!(body(&get(other)), other_before);
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "whole-tree search does not find the new name: {} {}",
            get(q),
            log.lock().unwrap()
        );
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
}

/// The body of an HTTP response.
fn body(response: &str) -> String {
    response
        .split_once("\r\n\r\n")
        .map_or(String::new(), |(_, b)| b.to_string())
}

/// An edit refused by `check` is not forgotten: the next edit, in another district, is refused
/// too while the first district's files are still wrong, as a full build would be.
#[test]
fn a_refused_edit_is_checked_again_with_the_next_one() {
    let dir = demo();
    let lists = dir.path().join("lists");
    let out = dir.path().join("site");
    let mut site = built(&lists, &out);
    edit(
        &lists,
        LOCAL,
        "category = \"行政检查\"",
        "category = \"检查\"",
    );
    let nodes = site.incremental(&[LOCAL.to_string()]).unwrap();
    assert!(site.update(&nodes).unwrap().is_none());
    // A valid edit elsewhere.
    let other = "jurisdictions/klmyq/jurisdiction.toml";
    let claim = std::fs::read_dir(lists.join("jurisdictions/klmyq/departments/swj/claims"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let rel = claim
        .strip_prefix(&lists)
        .unwrap()
        .to_string_lossy()
        .to_string();
    assert!(lists.join(other).exists());
    std::fs::write(&claim, std::fs::read_to_string(&claim).unwrap() + "\n").unwrap();
    let nodes = site.incremental(&[rel]).unwrap();
    assert!(
        site.update(&nodes).unwrap().is_none(),
        "独山子区 is still wrong on disk"
    );
    assert!(
        site.report
            .errors
            .iter()
            .any(|d| d.rule == "unknown-category")
    );
    // Put right: both are rebuilt.
    edit(
        &lists,
        LOCAL,
        "category = \"检查\"",
        "category = \"行政检查\"",
    );
    let nodes = site.incremental(&[LOCAL.to_string()]).unwrap();
    let u = site.update(&nodes).unwrap().expect("passes now");
    assert_eq!(u.jurisdictions.len(), 2, "{u:?}");
}

/// A lower jurisdiction whose folder is named like a folder of the pages ("assets") lives
/// inside its parent's site next to them: such a tree is always built whole.
#[test]
fn a_jurisdiction_named_like_a_page_folder_is_not_rebuilt_alone() {
    let dir = demo();
    let lists = dir.path().join("lists");
    write(
        &lists,
        "jurisdictions/dszq/jurisdictions/assets/jurisdiction.toml",
        "name = \"某街道\"\ncode = \"650202001\"\nlevel = \"乡镇级\"\nsample = true\n",
    );
    let site = Site::load(options(&lists, &dir.path().join("site"))).unwrap();
    assert!(
        site.incremental(&[LOCAL.to_string()]).is_none(),
        "its parent"
    );
    assert!(
        site.incremental(&[
            "jurisdictions/dszq/jurisdictions/assets/departments/a/department.toml".to_string()
        ])
        .is_none(),
        "itself"
    );
    assert!(
        site.incremental(&[CLAIM.replace("dszq", "wehq")]).is_some(),
        "another district"
    );
}
