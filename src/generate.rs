//! `qingdan gen` (module `generate`): realistic synthetic lists of any size, for benchmarks and load tests.
//!
//! Deterministic for a seed: item `n` is generated from its own random stream, so files can be
//! written in parallel and the same seed always gives the same tree. Item shapes follow the
//! imported Karamay lists: most items carry a multi-article basis and staged responsibilities,
//! some have sub-items, licensing items get a service guide, a share get supervision measures.

use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::Error;
use crate::model::{
    Accountability, Basis, BasisEntry, Boundary, Category, Department, Guide, Item, Jurisdiction,
    Located, Material, Party, Responsibilities, Stage, Step, SubItem, Supervision,
};

pub struct Options {
    pub items: usize,
    pub departments: usize,
    pub seed: u64,
    pub out: PathBuf,
    pub quiet: bool,
    /// Percent of items to adjust (0: none): the next edition of the same seed's lists, with
    /// every kind of change and its declarations in `adjustments/2025.toml`.
    pub adjust: f64,
}

/// What the next edition does to item `n` (see `Options::adjust`).
#[derive(Clone, Copy, PartialEq, Debug)]
enum Adjust {
    Keep,
    Cancel,
    Rename,
    Modify,
    Delegate,
    Transfer,
    /// Item n absorbs item n + departments (same department).
    Merge,
    /// Merged into item n - departments.
    MergedAway,
    Split,
    /// Also add a new item after this one.
    Add,
}

fn adjustment(seed: u64, n: usize, items: usize, depts: usize, percent: f64) -> Adjust {
    let roll = |n: usize| {
        let mut r = fastrand::Rng::with_seed(
            seed ^ 0xAD1u64 ^ (n as u64).wrapping_mul(0xC2B2_AE3D_27D4_EB4F),
        );
        (r.f64() * 100.0, r.usize(..9))
    };
    if percent <= 0.0 {
        return Adjust::Keep;
    }
    // A merge takes two items of one department: n (even round) and n + depts.
    if n >= depts && (n / depts) % 2 == 1 {
        let (p, k) = roll(n - depts);
        if p < percent && k == 6 {
            return Adjust::MergedAway;
        }
    }
    let (p, k) = roll(n);
    if p >= percent {
        return Adjust::Keep;
    }
    match k {
        0 => Adjust::Cancel,
        1 => Adjust::Rename,
        2 => Adjust::Modify,
        3 => Adjust::Delegate,
        4 => Adjust::Transfer,
        5 => Adjust::Split,
        6 if (n / depts).is_multiple_of(2) && n + depts < items => Adjust::Merge,
        6 => Adjust::Modify,
        _ => Adjust::Add,
    }
}

/// The field of department `d` (工业和信息化, 统计 …).
pub(crate) fn field(d: usize) -> &'static str {
    FIELDS[d % FIELDS.len()]
}

const FIELDS: &[&str] = &[
    "交通运输",
    "市场监管",
    "生态环境",
    "住房城乡建设",
    "人力资源",
    "社会保障",
    "教育",
    "卫生健康",
    "农业农村",
    "水利",
    "自然资源",
    "文化旅游",
    "应急管理",
    "商务",
    "统计",
    "档案",
    "民政",
    "司法",
    "林业草原",
    "体育",
    "医疗保障",
    "科学技术",
    "发展改革",
    "工业信息化",
    "财政",
    "审计",
    "税务",
    "气象",
    "地震",
    "人防",
    "粮食储备",
    "退役军人事务",
    "城市管理",
    "公安",
    "民族宗教",
    "外事",
];
const OBJECTS: &[&str] = &[
    "道路运输经营",
    "食品生产经营",
    "排污单位",
    "建筑施工企业",
    "职业培训机构",
    "医疗机构",
    "民办学校",
    "农药经营",
    "取水单位",
    "矿产开采",
    "旅行社",
    "危险化学品经营",
    "对外贸易经营",
    "统计调查对象",
    "档案保管单位",
    "养老机构",
    "律师事务所",
    "林木采伐",
    "体育经营活动",
    "定点医药机构",
    "科技计划项目",
    "企业投资项目",
    "电力设施",
    "特种设备使用",
    "出租汽车经营",
    "城市排水",
    "燃气经营",
    "广告发布",
    "计量器具",
    "人力资源服务机构",
];
const LICENSE_ACTS: &[&str] = &["许可", "审批", "核准", "备案", "登记", "资质认定", "证核发"];
const VIOLATIONS: &[&str] = &[
    "未取得许可擅自从事经营活动",
    "伪造、涂改、出租、出借许可证件",
    "拒绝、阻碍监督检查",
    "超越许可范围从事经营",
    "未按规定报送有关资料",
    "提供虚假材料骗取许可",
    "违反安全管理规定造成事故隐患",
    "未按规定建立台账",
];
const LAWS: &[(&str, &str)] = &[
    ("法律", "中华人民共和国行政许可法"),
    ("法律", "中华人民共和国行政处罚法"),
    ("法律", "中华人民共和国行政强制法"),
    (
        "行政法规",
        "国务院对确需保留的行政审批项目设定行政许可的决定",
    ),
    ("部门规章", "道路运输条例实施细则"),
    ("地方性法规", "新疆维吾尔自治区道路运输条例"),
    ("法律", "中华人民共和国食品安全法"),
    ("法律", "中华人民共和国环境保护法"),
    ("行政法规", "建设工程质量管理条例"),
    ("法律", "中华人民共和国统计法"),
    ("法律", "中华人民共和国档案法"),
    ("地方政府规章", "新疆维吾尔自治区行政执法监督办法"),
];
const STAGES: &[&str] = &["受理", "审查", "决定", "送达", "事后监管", "其他"];
const METHODS: &[&str] = &[
    "双随机一公开",
    "信用监管",
    "重点监管",
    "“互联网+监管”",
    "日常检查",
];
const LEVELS: &[&str] = &["市级", "市级、区级", "区级", "自治区级、市级"];

fn pick<'a>(rng: &mut fastrand::Rng, list: &[&'a str]) -> &'a str {
    list[rng.usize(..list.len())]
}

fn category_for(rng: &mut fastrand::Rng) -> Category {
    // Shares close to real city lists: penalties dominate.
    match rng.u32(..100) {
        0..=11 => Category::Licensing,
        12..=69 => Category::Penalty,
        70..=75 => Category::Enforcement,
        76..=77 => Category::Levy,
        78..=80 => Category::Payment,
        81..=87 => Category::Inspection,
        88..=91 => Category::Confirmation,
        92..=93 => Category::Reward,
        94 => Category::Adjudication,
        95..=97 => Category::Other,
        _ => Category::PublicService,
    }
}

fn basis(rng: &mut fastrand::Rng) -> Basis {
    let n = 1 + rng.usize(..3);
    let mut entries = Vec::with_capacity(n);
    let mut text = String::new();
    for _ in 0..n {
        let (kind, title) = LAWS[rng.usize(..LAWS.len())];
        let article = format!("第{}条", han_number(1 + rng.usize(..120)));
        let body = format!(
            "{}应当依法履行职责，对违反本{}规定的行为予以纠正，并按照规定程序作出处理决定。",
            pick(
                rng,
                &[
                    "县级以上人民政府有关主管部门",
                    "设区的市级人民政府主管部门",
                    "行政机关"
                ]
            ),
            if kind == "法律" { "法" } else { "条例" }
        );
        text.push_str(&format!("【{kind}】《{title}》{article}：{body}\n"));
        entries.push(BasisEntry {
            kind: kind.into(),
            title: title.into(),
            article,
            text: body,
        });
    }
    Basis {
        text: text.trim_end().to_string(),
        entries,
    }
}

/// 1 → "一", 37 → "三十七", 120 → "一百二十".
fn han_number(n: usize) -> String {
    const D: [&str; 10] = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
    let (h, t, u) = (n / 100, (n / 10) % 10, n % 10);
    let mut s = String::new();
    if h > 0 {
        s.push_str(D[h]);
        s.push('百');
        if t == 0 && u > 0 {
            s.push('零');
        }
    }
    if t > 0 {
        if !(h == 0 && t == 1) {
            s.push_str(D[t]);
        }
        s.push('十');
    }
    if u > 0 {
        s.push_str(D[u]);
    }
    s
}

/// The object, law and article number of the `k`-th item of a department: every object early
/// on (so every department has the whole vocabulary), then laws, then articles — a distinct
/// combination for each of the first 72,000 items.
fn parts(k: usize) -> (&'static str, &'static str, usize) {
    let object = OBJECTS[k % OBJECTS.len()];
    let law = LAWS[(k / OBJECTS.len()) % LAWS.len()].1;
    let article = (k / (OBJECTS.len() * LAWS.len())) % 200 + 1;
    (object, law, article)
}

/// An item name unique within its department: the `k`-th item of a department cites its own
/// law and article (as real names do: "对违反《…》第三十七条规定行为的处罚").
fn name_for(category: Category, k: usize, rng: &mut fastrand::Rng) -> String {
    let (object, law, article) = parts(k);
    let article = han_number(article);
    let cite = format!("《{law}》第{article}条");
    match category {
        Category::Licensing => format!("{cite}规定的{object}{}", pick(rng, LICENSE_ACTS)),
        Category::Penalty => format!("对{object}违反{cite}规定{}的处罚", pick(rng, VIOLATIONS)),
        Category::Enforcement => format!("依据{cite}查封、扣押{object}相关设施、财物"),
        Category::Inspection => format!("依据{cite}对{object}的监督检查"),
        Category::Levy => format!("依据{cite}征收{object}相关费用"),
        Category::Payment => format!("依据{cite}发放{object}补贴"),
        Category::Confirmation => format!("依据{cite}确认{object}资格"),
        Category::Reward => format!("依据{cite}对{object}先进单位和个人的表彰奖励"),
        Category::Adjudication => format!("依据{cite}裁决{object}纠纷"),
        Category::Other => format!("依据{cite}公示{object}年度报告"),
        Category::PublicService => format!("{object}政策咨询服务（{cite}）"),
    }
}

/// Item `n` of department `dept` (also the catalogue items of `generate_tree`).
pub(crate) fn item(
    rng: &mut fastrand::Rng,
    n: usize,
    depts: usize,
    dept: &str,
    dept_name: &str,
) -> Item {
    let category = category_for(rng);
    let k = n / depts;
    let object = parts(k).0;
    let name = name_for(category, k, rng);
    let sub_items = if rng.u32(..100) < 12 {
        (1..=2 + rng.usize(..3))
            .map(|k| SubItem {
                name: Located::new(format!("{k}.{name}（情形{k}）")),
                ..SubItem::default()
            })
            .collect()
    } else {
        Vec::new()
    };
    let stages = STAGES[..3 + rng.usize(..3)]
        .iter()
        .map(|s| Stage {
            stage: (*s).into(),
            content: format!(
                "{s}责任：依法{s}，对符合规定的予以办理，不符合的说明理由并告知救济途径。"
            ),
            basis: String::new(),
        })
        .collect();
    let guide = (category == Category::Licensing).then(|| {
        let statutory = 10 + rng.u32(..20);
        Located::new(Guide {
            conditions: format!("申请人应具备从事{object}的相应条件，有健全的管理制度和专业人员。"),
            materials: vec![
                Material {
                    name: "申请书".into(),
                    form: "原件".into(),
                    copies: Some(1),
                    required: true,
                    note: String::new(),
                },
                Material {
                    name: "营业执照或身份证明".into(),
                    form: "复印件".into(),
                    copies: Some(1),
                    required: true,
                    note: String::new(),
                },
            ],
            steps: ["受理", "审查", "决定", "送达"]
                .iter()
                .map(|s| Step {
                    name: (*s).into(),
                    time_limit: "2个工作日".into(),
                    ..Step::default()
                })
                .collect(),
            statutory_limit: Located::new(format!("{statutory}个工作日")),
            promised_limit: Located::new(format!("{}个工作日", statutory / 2)),
            charged: Some(false),
            place: format!("模拟市政务服务中心{}号窗口", 1 + rng.u32(..60)),
            consult_phone: format!("0990-{}", 6_000_000 + rng.u32(..999_999)),
            ..Guide::default()
        })
    });
    let supervision = if rng.u32(..100) < 30 {
        vec![Supervision {
            method: Located::new(pick(rng, METHODS).to_string()),
            object: object.to_string(),
            frequency: "每年不少于 1 次".into(),
            unit: dept_name.to_string(),
            ..Supervision::default()
        }]
    } else {
        Vec::new()
    };
    Item {
        id: Located::new(format!("{dept}-{}-{n:06}", category.abbrev())),
        name: Located::new(name),
        category: Located::new(category.name().to_string()),
        department: Located::new(dept.to_string()),
        sub_items,
        basis: basis(rng),
        body: dept_name.to_string(),
        unit: format!("{}科", pick(rng, &["行政审批", "法规", "执法监督", "综合业务"])),
        level: Located::new(pick(rng, LEVELS).to_string()),
        duty: format!("负责本行政区域内{object}的监督管理工作。"),
        responsibilities: Responsibilities {
            stages,
            ..Responsibilities::default()
        },
        accountability: Accountability {
            subjects: "承办人员、审核人员、批准人员".into(),
            circumstances: "因不履行或不正确履行行政职责，有下列情形的，行政机关及其工作人员应当承担相应责任：……".into(),
            basis: String::new(),
        },
        supervision,
        guide: guide.map(Box::new),
        ..Item::default()
    }
}

/// Write a generated file, making its folder (also for `generate_tree`).
pub(crate) fn write(path: &Path, text: &str) -> Result<(), Error> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|source| Error::Write {
            path: parent.to_path_buf(),
            source,
        })?;
    }
    std::fs::write(path, text).map_err(|source| Error::Write {
        path: path.to_path_buf(),
        source,
    })
}

/// `gen` writes only into a new or empty folder (also for `generate_tree`).
pub(crate) fn ensure_empty(out: &Path) -> Result<(), Error> {
    if out.exists()
        && std::fs::read_dir(out)
            .map(|mut d| d.next().is_some())
            .unwrap_or(true)
    {
        return Err(Error::Usage(format!(
            "{} 已存在且不为空；gen 只写入新的或空的文件夹，请换一个 --out",
            out.display()
        )));
    }
    Ok(())
}

/// Generate a tree of `opts.items` items under `opts.out`; returns a one-line summary.
pub fn generate(opts: &Options) -> Result<String, Error> {
    ensure_empty(&opts.out)?;
    let depts = opts.departments.max(1);
    let dept_names: Vec<(String, String)> = (0..depts)
        .map(|d| {
            let field = FIELDS[d % FIELDS.len()];
            let round = d / FIELDS.len();
            let name = if round == 0 {
                format!("模拟市{field}局")
            } else {
                format!("模拟市{field}局（第{}分局）", round + 1)
            };
            (format!("d{d:03}"), name)
        })
        .collect();
    let next = opts.adjust > 0.0;
    let jurisdiction = Jurisdiction {
        name: "模拟市".into(),
        code: "659900".into(),
        level: "市级".into(),
        edition: if next { "2025" } else { "2024" }.into(),
        published: "2024-06-30".into(),
        document: "模政办发〔2024〕1号".into(),
        description: format!("由 qingdan gen 以种子 {} 生成的模拟清单。", opts.seed),
        sample: true,
        ..Jurisdiction::default()
    };
    write(
        &opts.out.join("jurisdiction.toml"),
        &toml::to_string_pretty(&jurisdiction)?,
    )?;
    for (id, name) in &dept_names {
        let dept = Department {
            id: Located::new(id.clone()),
            name: Located::new(name.clone()),
            duties: vec![format!(
                "贯彻执行有关法律法规，负责{name}职责范围内的监督管理工作。"
            )],
            sample: true,
            ..Department::default()
        };
        write(
            &opts.out.join(format!("departments/{id}/department.toml")),
            &toml::to_string_pretty(&dept)?,
        )?;
    }
    let bar = crate::progress::bar(opts.items as u64, "生成事项", opts.quiet);
    let make = |n: usize| {
        let mut rng =
            fastrand::Rng::with_seed(opts.seed ^ (n as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
        let (dept, dept_name) = &dept_names[n % depts];
        item(&mut rng, n, depts, dept, dept_name)
    };
    let put = |item: &Item| {
        let path = opts.out.join(format!(
            "departments/{}/items/{}.toml",
            item.department.as_str(),
            item.id.as_str()
        ));
        write(&path, &toml::to_string_pretty(item)?)
    };
    let declarations: Vec<String> = (0..opts.items)
        .into_par_iter()
        .map(|n| -> Result<String, Error> {
            let mut item = make(n);
            let old_id = item.id.value.clone();
            let kind = adjustment(opts.seed, n, opts.items, depts, opts.adjust);
            let declare = |kind: &str, old: &[&str], new: &[&str]| {
                format!(
                    "[[changes]]\nkind = \"{kind}\"\nold_ids = {old:?}\nnew_ids = {new:?}\nbasis = \"模拟市人民政府关于调整权责清单的决定\"\ndocument = \"模政发〔2025〕1号\"\n\n"
                )
            };
            let text = match kind {
                Adjust::Keep | Adjust::MergedAway => {
                    if kind == Adjust::Keep {
                        put(&item)?;
                    }
                    String::new()
                }
                Adjust::Cancel => declare("取消", &[&old_id], &[]),
                Adjust::Rename => {
                    item.name.value = format!("{}（含{}）", item.name.value, "相关情形");
                    put(&item)?;
                    declare("更名", &[&old_id], &[&old_id])
                }
                Adjust::Modify => {
                    item.unit = "综合执法科".into();
                    item.basis.text.push_str("\n（依据已按新修订的法规更新）");
                    put(&item)?;
                    declare("调整", &[&old_id], &[&old_id])
                }
                Adjust::Delegate => {
                    item.level.value = "乡镇（街道）级".into();
                    put(&item)?;
                    declare("下放", &[&old_id], &[&old_id])
                }
                Adjust::Transfer => {
                    let to = &dept_names[(n + 1) % depts];
                    item.department.value = to.0.clone();
                    item.body = to.1.clone();
                    put(&item)?;
                    declare("划转", &[&old_id], &[&old_id])
                }
                Adjust::Merge => {
                    let other = make(n + depts);
                    let new_id = format!("{old_id}-m");
                    item.id.value = new_id.clone();
                    item.name.value = format!("{}；{}", item.name.value, other.name.value);
                    item.basis.entries.extend(other.basis.entries.iter().cloned());
                    put(&item)?;
                    declare("合并", &[&old_id, other.id.as_str()], &[&new_id])
                }
                Adjust::Split => {
                    let base = item.name.value.clone();
                    let (a, b) = (format!("{old_id}-a"), format!("{old_id}-b"));
                    for (id, part) in [(&a, "（一般情形）"), (&b, "（情节严重情形）")] {
                        let mut piece = item.clone();
                        piece.id.value = id.clone();
                        piece.name.value = format!("{base}{part}");
                        put(&piece)?;
                    }
                    declare("拆分", &[&old_id], &[&a, &b])
                }
                Adjust::Add => {
                    put(&item)?;
                    let mut added = make(n + opts.items);
                    added.id.value = format!("{}-new", added.id.value);
                    // A name of its own: not a variant of an existing one.
                    added.name.value = format!(
                        "新设第{}号{}数据报送与核验事项",
                        han_number(n % 999 + 1),
                        FIELDS[n % FIELDS.len()]
                    );
                    added.department = item.department.clone();
                    put(&added)?;
                    declare("新增", &[], &[added.id.as_str()])
                }
            };
            bar.inc(1);
            Ok(text)
        })
        .collect::<Result<_, Error>>()?;
    bar.finish_and_clear();
    if next {
        let mut text = String::from(
            "edition = \"2025\"\ndocument = \"模政发〔2025〕1号\"\ndescription = \"由 qingdan gen --adjust 生成的模拟调整。\"\nsample = true\n\n",
        );
        for d in declarations {
            text.push_str(&d);
        }
        write(&opts.out.join("adjustments/2025.toml"), &text)?;
    }
    let boundaries = (depts / 2).min(200);
    for b in 0..boundaries {
        let (a, an) = &dept_names[(2 * b) % depts];
        let (c, cn) = &dept_names[(2 * b + 1) % depts];
        let boundary = Boundary {
            id: Located::new(format!("B{b:03}")),
            name: Located::new(format!("{}与{}交叉事项监管", an, cn)),
            parties: vec![
                Party {
                    department: Located::new(a.clone()),
                    duty: format!("{an}负责行业准入和日常监管。"),
                },
                Party {
                    department: Located::new(c.clone()),
                    duty: format!("{cn}负责违法行为查处。"),
                },
            ],
            coordination: "建立信息共享和案件移送机制。".into(),
            sample: true,
            ..Boundary::default()
        };
        write(
            &opts.out.join(format!("boundaries/B{b:03}.toml")),
            &toml::to_string_pretty(&boundary)?,
        )?;
    }
    Ok(format!(
        "已在 {} 生成 {} 个部门、{} 个事项、{} 个边界事项（种子 {}）",
        opts.out.display(),
        depts,
        opts.items,
        boundaries,
        opts.seed
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_numerals() {
        assert_eq!(han_number(1), "一");
        assert_eq!(han_number(10), "十");
        assert_eq!(han_number(37), "三十七");
        assert_eq!(han_number(105), "一百零五");
        assert_eq!(han_number(120), "一百二十");
    }

    #[test]
    fn names_are_unique_within_a_department() {
        let mut rng = fastrand::Rng::with_seed(1);
        let names: std::collections::HashSet<String> = (0..5000)
            .map(|k| name_for(Category::Inspection, k, &mut rng))
            .collect();
        assert_eq!(names.len(), 5000);
    }
}
