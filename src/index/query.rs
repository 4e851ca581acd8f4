//! What a citizen types, made searchable: full-width and traditional characters folded to the
//! forms in the lists, phrases that carry no meaning dropped (要办什么证, 怎么办 …), and
//! colloquial words expanded with the official terms they stand for (built-in table plus the
//! lists' own `synonyms.toml`).

use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;

/// Longest query, in characters, that is searched (the rest is ignored).
pub const MAX_CHARS: usize = 100;

/// Phrases that say "I want to know how", not what: removed before searching.
pub const STOP_PHRASES: &[&str] = &[
    "需要办理什么证件",
    "需要办什么证",
    "要办什么证",
    "要办哪些证",
    "办什么证",
    "需要什么手续",
    "要什么手续",
    "需要哪些手续",
    "需要什么材料",
    "要什么材料",
    "需要哪些材料",
    "怎么办理",
    "如何办理",
    "怎么申请",
    "如何申请",
    "在哪里办",
    "去哪里办",
    "到哪里办",
    "在哪办",
    "去哪办",
    "怎么办",
    "怎么弄",
    "办理流程",
    "申请流程",
    "怎么认定",
    "如何认定",
    "怎么处罚",
    "如何处罚",
    "要审批吗",
    "需要审批吗",
    "要批吗",
    "可以吗",
    "行不行",
    "有哪些",
    "是什么",
    "我想",
    "我要",
    "想要",
    "请问",
    "如何",
    "怎样",
    "怎么",
    "需要",
    "什么",
    "哪些",
    "要办",
    "办理",
    "吗",
    "呢",
    "啊",
    "了",
    "的",
];

/// A colloquial word and the official terms it means.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct Synonym {
    /// What people say: 开饭店、开餐馆
    pub words: Vec<String>,
    /// What the lists say: 食品经营许可
    pub means: Vec<String>,
}

/// Built-in colloquial terms for official ones; `lists/synonyms.toml` adds to these.
pub fn built_in() -> Vec<Synonym> {
    let table: &[(&[&str], &[&str])] = &[
        (
            &[
                "开饭店",
                "开餐馆",
                "开饭馆",
                "开餐厅",
                "饭店",
                "餐馆",
                "餐饮",
                "小吃店",
                "奶茶店",
            ],
            &["食品经营许可", "食品经营"],
        ),
        (&["开超市", "卖食品", "食品店"], &["食品经营许可"]),
        (
            &["驾照", "驾驶证", "考驾照", "学车"],
            &["机动车驾驶证", "驾驶员"],
        ),
        (&["开药店", "卖药", "药店"], &["药品零售", "药品经营许可"]),
        (
            &["营业执照", "开公司", "注册公司", "办公司", "开店", "办执照"],
            &["企业登记注册", "营业执照", "登记"],
        ),
        (&["加油站", "卖油", "卖汽油"], &["成品油零售经营", "成品油"]),
        (
            &["盖房子", "盖房", "建房", "建楼", "开工"],
            &["建筑工程施工许可", "施工许可", "乡村建设规划许可"],
        ),
        (&["卖房子", "卖楼", "卖期房", "预售"], &["商品房预售许可"]),
        (&["买房"], &["商品房"]),
        (&["工伤"], &["工伤认定", "工伤"]),
        (&["社保"], &["社会保险"]),
        (&["医保"], &["医疗保障", "医疗保险", "医保"]),
        (&["职称"], &["专业技术", "职称"]),
        (
            &["招聘", "职业中介", "人力中介", "猎头"],
            &["人力资源服务许可"],
        ),
        (&["劳务派遣公司", "派遣"], &["劳务派遣经营许可", "劳务派遣"]),
        (
            &["跑货运", "拉货", "货车运输", "物流公司"],
            &["道路货物运输经营许可", "道路货物运输"],
        ),
        (
            &["跑客运", "客车", "大巴"],
            &["道路旅客运输经营许可", "道路旅客运输"],
        ),
        (
            &["出租车", "的士", "网约车"],
            &["出租汽车", "网络预约出租汽车"],
        ),
        (&["驾校"], &["机动车驾驶员培训"]),
        (&["修车", "汽修", "修理厂"], &["机动车维修"]),
        (&["排污", "排放污水", "排废水"], &["排污许可"]),
        (&["危废", "危险废物"], &["危险废物经营许可", "危险废物"]),
        (&["环评"], &["环境影响评价", "环境影响报告"]),
        (
            &["消防检查", "开业消防", "消防验收"],
            &["消防安全检查", "消防验收"],
        ),
        (
            &["统计造假", "数据造假", "虚报数据"],
            &["统计", "虚报", "伪造"],
        ),
        (&["档案"], &["档案"]),
        (&["高新技术", "高企"], &["高新技术企业"]),
        (&["项目审批", "立项"], &["核准", "备案", "固定资产投资项目"]),
        (&["价格", "乱收费", "涨价"], &["价格", "收费"]),
        (
            &["预付卡", "会员卡", "储值卡"],
            &["单用途商业预付卡", "预付卡"],
        ),
        (&["特种设备", "电梯", "锅炉"], &["特种设备"]),
        (&["骗保", "套保"], &["骗取医疗保障基金", "医疗保障基金"]),
    ];
    table
        .iter()
        .map(|(w, m)| Synonym {
            words: w.iter().map(|s| s.to_string()).collect(),
            means: m.iter().map(|s| s.to_string()).collect(),
        })
        .chain(register().iter().cloned())
        .collect()
}

/// The built-in table of everyday words and the legal register's words for them
/// (`register.toml`: 卖 and 销售, 秤不准 and 计量器具, 加班 and 延长工作时间, 黑车 and 擅自从事),
/// read once. Its own file, in the format of `synonyms.toml`, says how it was written.
fn register() -> &'static [Synonym] {
    #[derive(Deserialize)]
    struct Register {
        synonym: Vec<Synonym>,
    }
    static REGISTER: std::sync::OnceLock<Vec<Synonym>> = std::sync::OnceLock::new();
    REGISTER.get_or_init(|| {
        // The file is part of the program; `the_register_is_well_formed` parses it.
        toml::from_str::<Register>(include_str!("register.toml"))
            .map(|r| r.synonym)
            .unwrap_or_default()
    })
}

/// Full-width → half-width, traditional → simplified, lower case, trimmed, at most
/// `MAX_CHARS` characters.
pub fn normalize(q: &str) -> String {
    fold(q)
        .chars()
        .take(MAX_CHARS)
        .collect::<String>()
        .trim()
        .to_string()
}

/// Full-width → half-width, traditional → simplified, lower case, control characters dropped:
/// the folding of `normalize`, for text of any length.
pub fn fold(text: &str) -> String {
    fold_by_char(text).unwrap_or_else(|| fold_whole(text))
}

/// `fold` of the whole text at once: NFKC, traditional → simplified, lower case, control
/// characters dropped. The reference that `fold_by_char` must equal.
fn fold_whole(text: &str) -> String {
    use unicode_normalization::{IsNormalized, is_nfkc_quick};
    // Most list text is already in NFKC (CJK ideographs and punctuation, ASCII), which the
    // quick check says without normalising: at 100,000 items normalising was most of the time.
    let nfkc: std::borrow::Cow<str> = if is_nfkc_quick(text.chars()) == IsNormalized::Yes {
        std::borrow::Cow::Borrowed(text)
    } else {
        std::borrow::Cow::Owned(text.nfkc().collect())
    };
    let lower = fast2s::convert(&nfkc).to_lowercase();
    if lower.chars().any(char::is_control) {
        lower.chars().filter(|c| !c.is_control()).collect()
    } else {
        lower
    }
}

/// In `FOLD`: the character is dropped (a control character).
const DROP: u32 = 0xFFFF_FFFE;
/// In `FOLD`: the character's folding depends on its neighbours or is not one character.
const SLOW: u32 = 0xFFFF_FFFF;

/// Characters of the basic plane that list text is made of (ASCII, Latin-1 punctuation,
/// general punctuation, CJK symbols, CJK ideographs and extension A, full-width forms), where
/// folding goes character by character.
const BY_CHAR: &[(u32, u32)] = &[
    (0x0000, 0x00BF),
    (0x00D7, 0x00D7),
    (0x00F7, 0x00F7),
    (0x2000, 0x206F),
    (0x3000, 0x303F),
    (0x3400, 0x4DBF),
    (0x4E00, 0x9FFF),
    (0xFF01, 0xFF5E),
];

/// The folding of each character of `BY_CHAR` by itself: `fold_whole` of the one character
/// when it is one character (or none) and cannot depend on its neighbours, else `SLOW`.
/// Neighbours matter for combining marks (they compose with what comes before), for the few
/// characters fast2s converts by the word around them (乾隆, 著) and for characters whose
/// compatibility form is several (… → ...); everything else folds alone. In list text nearly
/// every character folds alone, and the per-character table is several times faster than
/// normalising, converting and lowering the whole text (a tenth of building a large site).
static FOLD: std::sync::LazyLock<Vec<u32>> = std::sync::LazyLock::new(|| {
    let mut table = vec![SLOW; 0x1_0000];
    for &(from, to) in BY_CHAR {
        for c in (from..=to).filter_map(char::from_u32) {
            if unicode_normalization::char::canonical_combining_class(c) != 0
                || unicode_normalization::char::is_combining_mark(c)
                || FAST2S_BY_WORD.contains(&c)
            {
                continue;
            }
            let mut s = String::new();
            s.push(c);
            let folded = fold_whole(&s);
            let mut chars = folded.chars();
            table[c as usize] = match (chars.next(), chars.next()) {
                (None, _) => DROP,
                (Some(f), None)
                    if unicode_normalization::char::canonical_combining_class(f) == 0 =>
                {
                    f as u32
                }
                _ => SLOW,
            };
        }
    }
    table
});

/// Characters fast2s converts by the characters beside them (its exceptions and special cases).
const FAST2S_BY_WORD: &[char] = &[
    '兒', '覆', '夥', '藉', '瞭', '麽', '幺', '於', '乾', '著', '苧', '闔', '鍾', '讎', '畫',
];

/// `fold` a character at a time through `FOLD`; `None` when some character needs the whole
/// text (`SLOW`).
fn fold_by_char(text: &str) -> Option<String> {
    let table = &*FOLD;
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        let f = *table.get(c as usize)?;
        match f {
            SLOW => return None,
            DROP => {}
            // Every entry but the two markers is a character (`fold_whole` made it).
            f => out.push(char::from_u32(f)?),
        }
    }
    Some(out)
}

/// Each (traditional, simplified) pair of single characters that `fold` converts, among the
/// CJK unified ideographs (basic block and extension A), for clients that fold queries
/// themselves (the static search index). Made once: 27,000 conversions, which every
/// jurisdiction's static index of a province made again (2.6 % of its build).
pub fn traditional_pairs() -> &'static [(char, char)] {
    static PAIRS: std::sync::LazyLock<Vec<(char, char)>> = std::sync::LazyLock::new(|| {
        (0x3400u32..=0x9fff)
            .filter_map(char::from_u32)
            .filter_map(|c| {
                let to = fast2s::convert(&c.to_string());
                let mut s = to.chars();
                match (s.next(), s.next()) {
                    (Some(to), None) if to != c => Some((c, to)),
                    _ => None,
                }
            })
            .collect()
    });
    &PAIRS
}

/// The query without phrases that carry no meaning (keeps the text when nothing else is left).
pub fn strip(q: &str) -> String {
    let mut out = q.to_string();
    for p in STOP_PHRASES {
        out = out.replace(p, " ");
    }
    let out: String = out
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c.is_whitespace() {
                c
            } else {
                ' '
            }
        })
        .collect();
    // A leading 办 (“办驾照”, “办营业执照”) is the citizen's verb, not part of what they look
    // for; alone it would match every 办学, 在办 …. Words that start with 办 stay (办学许可).
    let out = out
        .split_whitespace()
        .map(|w| match w.strip_prefix('办') {
            Some(rest)
                if rest.chars().count() >= 2
                    && !rest.starts_with(['学', '公', '事', '案', '证', '结', '件']) =>
            {
                rest
            }
            _ => w,
        })
        .collect::<Vec<_>>()
        .join(" ");
    if out.is_empty() {
        q.trim().to_string()
    } else {
        out
    }
}

/// The synonym table made to expand a query in one pass: an automaton of every word and the
/// entry each word is of. The same terms as `expand`, whatever the table's size (the built-in
/// table alone has some four thousand words: `expand` looked for each in turn).
pub struct Expander {
    synonyms: Vec<Synonym>,
    ac: Option<aho_corasick::AhoCorasick>,
    /// By pattern of `ac`: its entry in `synonyms`.
    entry: Vec<usize>,
}

impl Expander {
    pub fn new(synonyms: Vec<Synonym>) -> Self {
        let (words, entry): (Vec<&str>, Vec<usize>) = synonyms
            .iter()
            .enumerate()
            .flat_map(|(i, s)| {
                s.words
                    .iter()
                    .filter(|w| !w.is_empty())
                    .map(move |w| (w.as_str(), i))
            })
            .unzip();
        let ac = aho_corasick::AhoCorasick::new(&words).ok();
        Expander {
            synonyms,
            ac,
            entry,
        }
    }

    /// Official terms the query's colloquial words stand for: those of every entry with a word
    /// in `q`, in the table's order, each once (as `expand`).
    pub fn expand(&self, q: &str) -> Vec<String> {
        let Some(ac) = &self.ac else {
            return expand(q, &self.synonyms);
        };
        let mut hit: Vec<usize> = ac
            .find_overlapping_iter(q)
            .map(|m| self.entry[m.pattern().as_usize()])
            .collect();
        hit.sort_unstable();
        hit.dedup();
        let mut terms: Vec<String> = Vec::new();
        for m in hit.into_iter().flat_map(|i| &self.synonyms[i].means) {
            if !terms.contains(m) {
                terms.push(m.clone());
            }
        }
        terms
    }
}

/// Official terms the query's colloquial words stand for.
pub fn expand(q: &str, synonyms: &[Synonym]) -> Vec<String> {
    let mut terms = Vec::new();
    for s in synonyms {
        if s.words
            .iter()
            .any(|w| !w.is_empty() && q.contains(w.as_str()))
        {
            for m in &s.means {
                if !terms.contains(m) {
                    terms.push(m.clone());
                }
            }
        }
    }
    terms
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_traditional_and_full_width() {
        assert_eq!(normalize("營業執照"), "营业执照");
        assert_eq!(normalize("ＡＢＣ１２３"), "abc123");
        assert_eq!(normalize(&"很".repeat(500)).chars().count(), MAX_CHARS);
    }

    /// `fold` skips the normaliser for text the quick check finds in NFKC; the result must be
    /// that of normalising everything.
    #[test]
    fn fold_equals_folding_everything() {
        let slow = |t: &str| -> String {
            let n: String = t.nfkc().collect();
            fast2s::convert(&n)
                .to_lowercase()
                .chars()
                .filter(|c| !c.is_control())
                .collect()
        };
        for t in [
            "对未取得食品经营许可从事经营活动的处罚",
            "營業執照核發（ＡＢＣ１２３）",
            "第十二条\n【法律】《中华人民共和国行政许可法》\t",
            "Ⅻ ㈱ ﬁ ½ ｶﾞ Straße ΣΑΣ",
            "",
        ] {
            assert_eq!(fold(t), slow(t), "{t}");
        }
    }

    /// The per-character table must give what folding the whole text gives, whatever the
    /// neighbours: random text of list characters, of the characters that need the whole text
    /// (combining marks, fast2s's words, compatibility forms of several characters) and of
    /// the demo lists' own text.
    #[test]
    fn folding_by_character_equals_folding_the_whole_text() {
        let mut pool: Vec<char> = BY_CHAR
            .iter()
            .flat_map(|&(a, b)| (a..=b).step_by(7).filter_map(char::from_u32))
            .collect();
        pool.extend(FAST2S_BY_WORD);
        pool.extend("隆坤卦答批回寬慰狼望口憑看麻家書校定仇計企\u{301}\u{308}\u{3099}…½ﬁ㈱ΣΑ가각\u{1100}\u{1161}Åé".chars());
        let mut rng = fastrand::Rng::with_seed(2024);
        for _ in 0..20_000 {
            let len = rng.usize(0..12);
            let t: String = (0..len).map(|_| pool[rng.usize(0..pool.len())]).collect();
            assert_eq!(fold(&t), fold_whole(&t), "{t:?}");
        }
        let lists = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("lists");
        let mut lines = 0;
        for e in walkdir::WalkDir::new(lists).into_iter().flatten() {
            let Ok(text) = std::fs::read_to_string(e.path()) else {
                continue;
            };
            for line in text.lines() {
                assert_eq!(fold(line), fold_whole(line), "{line}");
                lines += 1;
            }
            assert_eq!(fold(&text), fold_whole(&text));
        }
        assert!(lines > 10_000, "the demo lists: {lines} lines");
        // Nearly all of it goes a character at a time.
        assert!(
            fold_by_char("对未取得《食品经营许可证》（ＳＣ）从事经营活动的处罚；第十二条…")
                .is_none()
        );
        assert!(
            fold_by_char("对未取得《食品经营许可证》（ＳＣ）从事经营活动的处罚；第十二条")
                .is_some()
        );
    }

    #[test]
    fn a_leading_ban_is_the_verb() {
        assert_eq!(strip("办驾照"), "驾照");
        assert_eq!(strip("办营业执照"), "营业执照");
        assert_eq!(strip("办学许可"), "办学许可");
        assert_eq!(strip("办证"), "办证");
    }

    #[test]
    fn strips_phrases_without_meaning() {
        assert_eq!(strip("开饭店要办什么证"), "开饭店");
        assert_eq!(strip("工伤怎么认定？"), "工伤");
        assert_eq!(strip("怎么办"), "怎么办", "nothing left: keep the text");
        assert_eq!(strip("\"施工\" AND (许可):"), "施工 AND 许可");
    }

    #[test]
    fn expands_colloquial_words() {
        let t = expand("开饭店", &built_in());
        assert!(t.contains(&"食品经营许可".to_string()));
        assert!(expand("无关的话", &built_in()).is_empty());
        // The register: everyday words for the legal register's.
        let t = expand("天天加班", &built_in());
        assert!(t.contains(&"延长工作时间".to_string()), "{t:?}");
        let t = expand("菜市场秤不准", &built_in());
        assert!(t.contains(&"计量器具".to_string()), "{t:?}");
    }

    #[test]
    fn the_expander_expands_as_the_table_does() {
        let table = built_in();
        let e = Expander::new(table.clone());
        let mut queries: Vec<String> = table
            .iter()
            .flat_map(|s| s.words.iter().map(|w| format!("我家{w}了怎么办{w}")))
            .collect();
        queries.extend(
            [
                "开饭店卖假货秤不准",
                "天天加班不给工钱",
                "",
                "无关的话",
                "黑车",
            ]
            .map(String::from),
        );
        for q in &queries {
            assert_eq!(e.expand(q), expand(q, &table), "{q}");
        }
        // A word of two entries and words inside each other (暖气 in 暖气费) find every entry.
        let two = vec![
            Synonym {
                words: vec!["暖气".into()],
                means: vec!["供热".into()],
            },
            Synonym {
                words: vec!["暖气费".into(), String::new()],
                means: vec!["价格".into(), "供热".into()],
            },
        ];
        let e = Expander::new(two.clone());
        assert_eq!(e.expand("暖气费太贵"), ["供热", "价格"]);
        assert_eq!(e.expand("暖气费太贵"), expand("暖气费太贵", &two));
    }

    #[test]
    fn the_register_is_well_formed() {
        let r: toml::Value = toml::from_str(include_str!("register.toml")).unwrap();
        let n = r["synonym"].as_array().unwrap().len();
        assert_eq!(register().len(), n, "every entry read");
        assert!(n >= 30);
        // Looked for in the folded query, a word that folding changes would never match (the
        // official terms are folded when searched, so they need not be).
        let mut unfolded = Vec::new();
        for s in register() {
            assert!(!s.words.is_empty() && !s.means.is_empty(), "{s:?}");
            for w in &s.words {
                // And after the phrases without meaning are dropped (电梯坏了 is searched as
                // 电梯坏): a word that `strip` changes would never match either.
                if fold(w) != *w || strip(w) != *w {
                    unfolded.push(format!("{w} → {} / {}", fold(w), strip(w)));
                }
                // A single character matches inside unrelated words (卖 in 小卖部).
                assert!(w.chars().count() >= 2, "{w}: at least two characters");
            }
            assert!(s.means.iter().all(|m| !m.trim().is_empty()), "{s:?}");
        }
        assert!(
            unfolded.is_empty(),
            "write these words folded and stripped: {unfolded:?}"
        );
    }
}
