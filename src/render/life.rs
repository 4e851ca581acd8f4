//! Life events (办事主题): entry points by what a citizen or business sets out to do, derived
//! from department names and item names. Only service-like categories are listed (许可, 确认,
//! 给付, 奖励, 裁决, 征收, 其他, 公共服务): penalties and inspections are not things one applies for.

use crate::model::Category;

pub struct LifeEvent {
    pub slug: &'static str,
    pub name: &'static str,
    pub description: &'static str,
    /// Words in a department's name that make its service items belong here.
    pub departments: &'static [&'static str],
    /// Words in an item's name that make it belong here, whatever its department.
    pub words: &'static [&'static str],
}

pub const EVENTS: &[LifeEvent] = &[
    LifeEvent {
        slug: "kaiban-qiye",
        name: "开办企业",
        description: "设立登记、经营许可、备案等开办和经营企业要办的事项。",
        departments: &["市场监督管理", "商务"],
        words: &["经营许可", "登记", "备案", "营业", "经营资格", "开业"],
    },
    LifeEvent {
        slug: "jianshe-gongcheng",
        name: "建设工程",
        description: "施工许可、消防设计审查与验收、环境影响评价等工程建设事项。",
        departments: &["住房和城乡建设"],
        words: &[
            "施工",
            "建设工程",
            "消防设计",
            "消防验收",
            "竣工",
            "环境影响",
            "建设项目",
            "规划",
        ],
    },
    LifeEvent {
        slug: "jiaotong-yunshu",
        name: "交通运输",
        description: "道路客货运输、出租汽车、驾驶员培训、超限运输等事项。",
        departments: &["交通运输"],
        words: &[
            "道路运输",
            "客运",
            "货运",
            "出租汽车",
            "驾驶",
            "超限",
            "公路",
        ],
    },
    LifeEvent {
        slug: "jiuye-shebao",
        name: "就业与社保",
        description: "人力资源服务、劳动用工、社会保险、医疗保障等事项。",
        departments: &["人力资源和社会保障", "医疗保障"],
        words: &[
            "就业",
            "劳动",
            "社会保险",
            "工伤",
            "职业技能",
            "医疗保险",
            "劳务派遣",
            "工时",
        ],
    },
    LifeEvent {
        slug: "shengtai-huanjing",
        name: "生态环境",
        description: "排污许可、危险废物、辐射安全等环境保护事项。",
        departments: &["生态环境"],
        words: &["排污", "危险废物", "辐射", "环境影响"],
    },
    LifeEvent {
        slug: "fangchan-zhufang",
        name: "房产与住房",
        description: "商品房预售、房地产开发、物业和住房保障事项。",
        departments: &[],
        words: &["商品房", "房地产", "物业", "住房", "房屋"],
    },
    LifeEvent {
        slug: "anquan-xiaofang",
        name: "消防安全",
        description: "公众聚集场所开业前消防安全检查等消防事项。",
        departments: &["消防"],
        words: &["消防"],
    },
    LifeEvent {
        slug: "keji-chuangxin",
        name: "科技与创新",
        description: "科技成果、技术合同、科研项目等事项。",
        departments: &["科学技术"],
        words: &["科技", "技术合同", "科研"],
    },
];

/// Categories a citizen applies for or receives.
pub fn service_category(c: Option<Category>) -> bool {
    !matches!(
        c,
        Some(Category::Penalty | Category::Enforcement | Category::Inspection) | None
    )
}

impl LifeEvent {
    pub fn matches(
        &self,
        department_name: &str,
        item_name: &str,
        category: Option<Category>,
    ) -> bool {
        service_category(category)
            && (self.departments.iter().any(|d| department_name.contains(d))
                || self.words.iter().any(|w| item_name.contains(w)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn penalties_are_not_life_events() {
        let e = &EVENTS[2];
        assert!(e.matches(
            "克拉玛依市交通运输局",
            "道路旅客运输经营许可",
            Some(Category::Licensing)
        ));
        assert!(!e.matches(
            "克拉玛依市交通运输局",
            "对道路运输违法行为的处罚",
            Some(Category::Penalty)
        ));
        assert!(e.matches("某局", "出租汽车经营许可", Some(Category::Licensing)));
    }
}
