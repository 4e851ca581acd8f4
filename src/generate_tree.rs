//! `qingdan gen --tree`: a synthetic province for benchmarks of multi-level lists — a province
//! with a guiding catalogue, its prefectures (地州市), their counties (县市区) and the counties'
//! townships (乡镇街道), each claiming the catalogue items of its level (a few not applicable,
//! with a reason), with local items of its own and, in each prefecture, one power delegated to
//! its counties and received by them. The whole tree passes `check`.
//!
//! Sizes follow `items`, the number of items of the whole tree (claimed and local): each county
//! claims nearly every catalogue item, a prefecture half of them, a township one in twenty, so
//! the catalogue holds about `items` / (0.5 P + 0.95 C + 0.05 T) items. Deterministic for a seed;
//! files are written in parallel.

use std::fmt::Write as _;
use std::path::PathBuf;

use rayon::prelude::*;

use crate::Error;
use crate::model::{CatalogueItem, CatalogueLevel, Category, Located};

pub struct Options {
    /// Items of the whole tree, about.
    pub items: usize,
    pub prefectures: usize,
    /// Counties per prefecture.
    pub counties: usize,
    /// Townships per county.
    pub townships: usize,
    /// Departments of each jurisdiction.
    pub departments: usize,
    pub seed: u64,
    pub out: PathBuf,
    pub quiet: bool,
}

/// One jurisdiction to write.
struct Place {
    /// Folder relative to the root.
    path: String,
    name: String,
    code: String,
    level: &'static str,
    /// 3 prefecture, 2 county, 1 township; 4 the province.
    rank: u8,
    /// The prefecture's path, for a county (to receive its delegation).
    parent_code: String,
}

use crate::generate::write;

/// Which levels a catalogue item has: (prefecture, county, township).
fn levels_of(seed: u64, k: usize) -> (bool, bool, bool) {
    let mut rng = fastrand::Rng::with_seed(seed ^ (k as u64).wrapping_mul(0xA24B_AED4_963E_E407));
    (rng.f64() < 0.5, rng.f64() < 0.95, rng.f64() < 0.05)
}

pub fn generate(opts: &Options) -> Result<String, Error> {
    crate::generate::ensure_empty(&opts.out)?;
    let (p, c, t) = (
        opts.prefectures.max(1),
        opts.counties.max(1),
        opts.townships,
    );
    let per_item = 0.5 * p as f64 + 0.95 * (p * c) as f64 + 0.05 * (p * c * t) as f64;
    let catalogue = ((opts.items as f64 / per_item).ceil() as usize).max(1);
    let depts = opts.departments.max(1);

    // The places, parents first.
    let mut places = vec![Place {
        path: String::new(),
        name: "模拟省".into(),
        code: "990000".into(),
        level: "省级",
        rank: 4,
        parent_code: String::new(),
    }];
    for a in 0..p {
        let pcode = format!("99{:02}00", a + 1);
        let ppath = format!("jurisdictions/p{:02}", a + 1);
        places.push(Place {
            path: ppath.clone(),
            name: format!("模拟省第{}市", a + 1),
            code: pcode.clone(),
            level: "地州市级",
            rank: 3,
            parent_code: "990000".into(),
        });
        for b in 0..c {
            let ccode = format!("99{:02}{:02}", a + 1, b + 1);
            let cpath = format!("{ppath}/jurisdictions/c{:02}", b + 1);
            places.push(Place {
                path: cpath.clone(),
                name: format!("第{}市第{}县", a + 1, b + 1),
                code: ccode.clone(),
                level: "县级",
                rank: 2,
                parent_code: pcode.clone(),
            });
            for x in 0..t {
                places.push(Place {
                    path: format!("{cpath}/jurisdictions/t{:02}", x + 1),
                    name: format!("第{}市第{}县第{}镇", a + 1, b + 1, x + 1),
                    code: format!("{ccode}{:03}", x + 1),
                    level: "乡镇级",
                    rank: 1,
                    parent_code: ccode.clone(),
                });
            }
        }
    }
    let root = &opts.out;
    let dept_name = |d: usize| format!("{}局", crate::generate::field(d));

    // The catalogue: each item made like a generated item (name, basis, responsibilities).
    let bar = crate::progress::bar(
        (catalogue + places.len()) as u64,
        "生成多级清单",
        opts.quiet,
    );
    (0..catalogue)
        .into_par_iter()
        .try_for_each(|k| -> Result<(), Error> {
            let mut rng = fastrand::Rng::with_seed(
                opts.seed ^ (k as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15),
            );
            let d = k % depts;
            let item =
                crate::generate::item(&mut rng, k, depts, &format!("d{d:02}"), &dept_name(d));
            let (pf, cf, tf) = levels_of(opts.seed, k);
            let mut levels = Vec::new();
            for (on, level, body) in [
                (pf, "地州市级", "地州市"),
                (cf || !(pf || tf), "县（市、区）级", "县（市、区）"),
                (tf, "乡镇（街道）级", "乡镇（街道）"),
            ] {
                if on {
                    levels.push(CatalogueLevel {
                        level: Located::new(level.to_string()),
                        body: format!("{body}{}主管部门", crate::generate::field(d)),
                        statutory_limit: item
                            .guide
                            .as_ref()
                            .map(|g| g.value.statutory_limit.value.clone())
                            .unwrap_or_default(),
                        ..CatalogueLevel::default()
                    });
                }
            }
            let code = format!("JB{k:06}");
            let cat = CatalogueItem {
                code: Located::new(code.clone()),
                name: item.name.clone(),
                category: item.category.clone(),
                sector: crate::generate::field(d).to_string(),
                sub_items: item.sub_items.clone(),
                basis: item.basis.clone(),
                duty: item.duty.clone(),
                responsibilities: item.responsibilities.clone(),
                accountability: item.accountability.clone(),
                levels,
                sample: true,
                ..CatalogueItem::default()
            };
            write(
                &root.join(format!("catalogue/{code}.toml")),
                &toml::to_string_pretty(&cat)?,
            )?;
            bar.inc(1);
            Ok(())
        })?;

    // Each place: jurisdiction, departments, claims, local items.
    places
        .par_iter()
        .enumerate()
        .try_for_each(|(i, place)| -> Result<(), Error> {
            let dir = if place.path.is_empty() {
                root.clone()
            } else {
                root.join(&place.path)
            };
            write(
                &dir.join("jurisdiction.toml"),
                &format!(
                    "name = \"{}\"\ncode = \"{}\"\nlevel = \"{}\"\nedition = \"2025\"\nsample = true\n",
                    place.name, place.code, place.level
                ),
            )?;
            for d in 0..depts {
                write(
                    &dir.join(format!("departments/d{d:02}/department.toml")),
                    &format!(
                        "id = \"d{d:02}\"\nname = \"{}{}\"\nsample = true\n",
                        place.name,
                        dept_name(d)
                    ),
                )?;
            }
            if place.rank < 4 {
                let mut rng = fastrand::Rng::with_seed(opts.seed ^ 0x5151 ^ (i as u64) << 20);
                for k in 0..catalogue {
                    let (pf, cf, tf) = levels_of(opts.seed, k);
                    let mine = match place.rank {
                        3 => pf,
                        2 => cf || !(pf || tf),
                        _ => tf,
                    };
                    if !mine {
                        continue;
                    }
                    let mut text = format!("catalogue = \"JB{k:06}\"\n");
                    if rng.f64() < 0.03 {
                        text.push_str("not_applicable = \"本地没有该事项涉及的对象（模拟）\"\n");
                    } else {
                        let _ = writeln!(text, "unit = \"{}综合业务科\"", dept_name(k % depts));
                        if rng.f64() < 0.1 {
                            text.push_str("\n[guide]\nplace = \"政务服务中心综合窗口\"\nconsult_phone = \"12345\"\n");
                        }
                    }
                    text.push_str("sample = true\n");
                    write(
                        &dir.join(format!("departments/d{:02}/claims/JB{k:06}.toml", k % depts)),
                        &text,
                    )?;
                }
            }
            // Local items, with their basis: a few per place, more at the top.
            let locals = match place.rank {
                4 => (opts.items / 100).max(depts),
                3 => depts,
                2 => 2,
                _ => 1,
            };
            for n in 0..locals {
                let mut rng = fastrand::Rng::with_seed(opts.seed ^ ((i as u64) << 32) ^ n as u64);
                let d = n % depts;
                let mut item =
                    crate::generate::item(&mut rng, n, depts, &format!("d{d:02}"), &dept_name(d));
                item.id.value = format!("L{}-{n:05}", place.code);
                item.level.value = place.level.to_string();
                item.category.value = Category::Inspection.name().to_string();
                if n == 0 && place.rank == 3 {
                    // The prefecture's first local power, delegated to its counties…
                    let counties: Vec<String> = places
                        .iter()
                        .filter(|q| q.rank == 2 && q.parent_code == place.code)
                        .map(|q| q.code.clone())
                        .collect();
                    item.delegation = Some(Box::new(crate::model::Delegation {
                        to_level: Located::new("县级".into()),
                        mode: Located::new("委托".into()),
                        receivers: counties.into_iter().map(Located::new).collect(),
                        batch: "第一批".into(),
                        ..Default::default()
                    }));
                }
                if n == 0 && place.rank == 2 {
                    // … received by each of them.
                    item.receives = Some(Box::new(crate::model::Receives {
                        from: Located::new(place.parent_code.clone()),
                        item: Located::new(format!("L{}-00000", place.parent_code)),
                        batch: "第一批".into(),
                    }));
                }
                item.sample = true;
                write(
                    &dir.join(format!(
                        "departments/d{d:02}/items/{}.toml",
                        item.id.as_str()
                    )),
                    &toml::to_string_pretty(&item)?,
                )?;
            }
            bar.inc(1);
            Ok(())
        })?;
    bar.finish_and_clear();
    Ok(format!(
        "已在 {} 生成模拟省的多级清单：{} 个区划（1 省、{p} 市、{} 县、{} 乡镇），指导目录 {catalogue} 项，约 {} 个事项",
        opts.out.display(),
        places.len(),
        p * c,
        p * c * t,
        opts.items
    ))
}
