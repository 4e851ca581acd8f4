//! The ten categories of power (职权类别) plus 公共服务, with their codes and the names real
//! spreadsheets use for them.

use serde::Serialize;

/// One category of power item.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Category {
    Licensing,
    Penalty,
    Enforcement,
    Levy,
    Payment,
    Inspection,
    Confirmation,
    Reward,
    Adjudication,
    Other,
    PublicService,
}

impl Category {
    pub const ALL: [Category; 11] = [
        Category::Licensing,
        Category::Penalty,
        Category::Enforcement,
        Category::Levy,
        Category::Payment,
        Category::Inspection,
        Category::Confirmation,
        Category::Reward,
        Category::Adjudication,
        Category::Other,
        Category::PublicService,
    ];

    /// The official name, as written in list files.
    pub fn name(self) -> &'static str {
        match self {
            Category::Licensing => "行政许可",
            Category::Penalty => "行政处罚",
            Category::Enforcement => "行政强制",
            Category::Levy => "行政征收",
            Category::Payment => "行政给付",
            Category::Inspection => "行政检查",
            Category::Confirmation => "行政确认",
            Category::Reward => "行政奖励",
            Category::Adjudication => "行政裁决",
            Category::Other => "其他行政权力",
            Category::PublicService => "公共服务",
        }
    }

    /// 事项类型 code: 01–10, 20 for public service.
    pub fn code(self) -> &'static str {
        match self {
            Category::Licensing => "01",
            Category::Penalty => "02",
            Category::Enforcement => "03",
            Category::Levy => "04",
            Category::Payment => "05",
            Category::Inspection => "06",
            Category::Confirmation => "07",
            Category::Reward => "08",
            Category::Adjudication => "09",
            Category::Other => "10",
            Category::PublicService => "20",
        }
    }

    /// Two-letter pinyin abbreviation used in generated ids (XK = 许可, CF = 处罚 …).
    pub fn abbrev(self) -> &'static str {
        match self {
            Category::Licensing => "XK",
            Category::Penalty => "CF",
            Category::Enforcement => "QZ",
            Category::Levy => "ZS",
            Category::Payment => "JF",
            Category::Inspection => "JC",
            Category::Confirmation => "QR",
            Category::Reward => "JL",
            Category::Adjudication => "CJ",
            Category::Other => "QT",
            Category::PublicService => "GF",
        }
    }

    /// The official name only (what `check` accepts).
    pub fn from_name(name: &str) -> Option<Category> {
        Category::ALL.into_iter().find(|c| c.name() == name)
    }

    /// Lenient recognition of what spreadsheets write: official names, short names (许可, 处罚),
    /// codes (01–10, 20), and names with stray spaces. Used by the importer only.
    pub fn recognise(text: &str) -> Option<Category> {
        let t: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        if t.is_empty() {
            return None;
        }
        if let Some(c) = Category::from_name(&t) {
            return Some(c);
        }
        if let Some(c) = Category::ALL.into_iter().find(|c| c.code() == t) {
            return Some(c);
        }
        let t = t.trim_start_matches("行政").trim_end_matches("类");
        let table: [(&str, Category); 16] = [
            ("许可", Category::Licensing),
            ("处罚", Category::Penalty),
            ("强制", Category::Enforcement),
            ("强制措施", Category::Enforcement),
            ("强制执行", Category::Enforcement),
            ("征收", Category::Levy),
            ("征用", Category::Levy),
            ("给付", Category::Payment),
            ("检查", Category::Inspection),
            ("确认", Category::Confirmation),
            ("奖励", Category::Reward),
            ("裁决", Category::Adjudication),
            ("其他", Category::Other),
            ("其他权力", Category::Other),
            ("其它行政权力", Category::Other),
            ("公共服务", Category::PublicService),
        ];
        table.iter().find(|(k, _)| *k == t).map(|(_, c)| *c)
    }

    /// Does an item of this category need a legal basis? Every power does (职权法定);
    /// public services may rest on a policy instead.
    pub fn needs_basis(self) -> bool {
        self != Category::PublicService
    }
}

impl std::fmt::Display for Category {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_spreadsheet_spellings() {
        assert_eq!(Category::recognise("行政许可"), Some(Category::Licensing));
        assert_eq!(Category::recognise(" 行政 处罚 "), Some(Category::Penalty));
        assert_eq!(Category::recognise("其他行政权力"), Some(Category::Other));
        assert_eq!(Category::recognise("其它行政权力"), Some(Category::Other));
        assert_eq!(
            Category::recognise("行政强制措施"),
            Some(Category::Enforcement)
        );
        assert_eq!(Category::recognise("20"), Some(Category::PublicService));
        assert_eq!(Category::recognise("行政审批"), None);
    }

    #[test]
    fn official_names_are_strict() {
        assert_eq!(Category::from_name("许可"), None);
        assert_eq!(
            Category::from_name("行政确认"),
            Some(Category::Confirmation)
        );
    }
}
