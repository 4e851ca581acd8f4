//! The source format: what one list file holds, as Rust types.
//!
//! One TOML file per power item (`departments/<dept>/items/<id>.toml`), one per department
//! (`department.toml`), boundary (`boundaries/<id>.toml`) and edition's adjustments
//! (`adjustments/<edition>.toml`), plus `jurisdiction.toml`. The doc comments become the
//! descriptions of the JSON Schema that `qingdan schema` prints, so editors see them on hover.
//! Keys are English snake_case; values are Chinese. Unknown keys are rejected so a typo never
//! silently drops a field.

mod category;
mod located;
pub mod tier;

pub use category::Category;
pub use located::{Located, Span};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

fn is_false(b: &bool) -> bool {
    !*b
}

fn blank(s: &Located<String>) -> bool {
    s.trim().is_empty()
}

/// 行政区划：`lists/jurisdiction.toml`
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Jurisdiction {
    /// 名称，如“克拉玛依市”
    pub name: Located<String>,
    /// 行政区划代码（6 位），如“650200”
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub code: String,
    /// 层级：省级、市级、县级、乡镇级
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub level: String,
    /// 本版清单的版本（如“2024”）
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub edition: String,
    /// 公布日期（YYYY-MM-DD）
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub published: String,
    /// 公布文件文号，如“克政办发〔2024〕12号”
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub document: String,
    /// 发布机关
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub publisher: String,
    /// 说明（Markdown）
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// 本文件中有示例（非官方）内容
    #[serde(default, skip_serializing_if = "is_false")]
    pub sample: bool,
    /// 往期版本：每一版是清单所在 git 仓库中的一个版本，网站据此生成“动态调整”页（由旧到新）
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub editions: Vec<PastEdition>,
    /// 也可以用 git 标签列出往期版本：匹配该模式的标签（如 "lists-*"，* 代表任意文字）
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub edition_tags: String,
    /// 网站放在静态主机上（不用 qingdan serve）时，事项页“意见反馈”表单提交到的地址
    /// （http 或 https，接收 POST 的字段 item、kind、text、contact，见 docs/site.md）；
    /// 用 qingdan serve 提供网站时不用它，表单提交给 serve 自己
    #[serde(default, skip_serializing_if = "blank")]
    pub feedback_url: Located<String>,
    /// 静态主机上没有 feedback_url 时，“纠错”“投诉”改为发邮件到这个地址（mailto: 链接）
    #[serde(default, skip_serializing_if = "blank")]
    pub feedback_email: Located<String>,
    /// 网站发布的完整地址（http 或 https，如 "https://www.example.gov.cn/qingdan"）：
    /// `qingdan build` 不加 `--base-url` 时用它写网站地图、规范链接和打印的告知单上的网址
    #[serde(default, skip_serializing_if = "String::is_empty")]
    #[schemars(extend("pattern" = "^https?://[^\\s]+$"))]
    pub base_url: String,
    /// 网站页头的徽标或单位标志：清单文件夹中的图片文件（SVG 或 PNG，相对于 jurisdiction.toml），
    /// 复制到网站的 assets/ 中
    #[serde(default, skip_serializing_if = "blank")]
    pub logo: Located<String>,
    /// 网站的颜色（#rrggbb）
    #[serde(default, skip_serializing_if = "Colors::is_empty")]
    pub colors: Colors,
}

/// 网站的颜色，写成 "#rrggbb"；与白色文字的对比度不足 4.5:1 的颜色不用（构建时提示）
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Colors {
    /// 主色：页头的底色（白色文字），如 "#8a1c1c"
    #[serde(default, skip_serializing_if = "blank")]
    #[schemars(extend("pattern" = "^#[0-9a-fA-F]{6}$"))]
    pub primary: Located<String>,
    /// 强调色：链接、卡片和“在线办理”按钮的颜色（在白底上），如 "#1d4f91"
    #[serde(default, skip_serializing_if = "blank")]
    #[schemars(extend("pattern" = "^#[0-9a-fA-F]{6}$"))]
    pub accent: Located<String>,
}

impl Colors {
    pub fn is_empty(&self) -> bool {
        self.primary.is_empty() && self.accent.is_empty()
    }
}

/// 往期版本
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PastEdition {
    /// 版本，如“2024”（不填则取该版本 jurisdiction.toml 中的 edition）
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub edition: String,
    /// git 版本：标签、分支或提交号
    pub rev: String,
    /// 公布日期（YYYY-MM-DD；不填则取该版本 jurisdiction.toml 中的日期，再不然取提交日期）
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub published: String,
    /// 公布文件文号
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub document: String,
}

/// 部门：`lists/departments/<部门>/department.toml`
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Department {
    /// 部门标识，必须与所在文件夹名相同（小写字母、数字、连字符）
    pub id: Located<String>,
    /// 部门全称，如“克拉玛依市人力资源和社会保障局”
    pub name: Located<String>,
    /// 简称，如“市人社局”
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub short_name: String,
    /// 部门编码：16 位职权编码的前 9 位（6 位区划代码 + 3 位主体代码），如“650200207”。
    /// 导入表格时据此认出本部门；不填时取本部门多数事项编码的前 9 位
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub code: String,
    /// 曾用名和其他名称（机构改革前的名称、挂牌的另一块牌子），导入表格时据此认出本部门
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub former_names: Vec<String>,
    /// 排序（小者在前）
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order: Option<i64>,
    /// 主要职责（每条一项，Markdown）
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub duties: Vec<String>,
    /// 工作事项（部门责任清单）
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub work_items: Vec<WorkItem>,
    /// 公共服务事项
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub public_services: Vec<WorkItem>,
    /// 咨询电话
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub phone: String,
    /// 办公地址
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub address: String,
    /// 网站
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub website: String,
    /// 本文件中有示例（非官方）内容
    #[serde(default, skip_serializing_if = "is_false")]
    pub sample: bool,
}

/// 工作事项或公共服务事项
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct WorkItem {
    /// 名称
    pub name: Located<String>,
    /// 内容（Markdown）
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// 依据
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub basis: String,
}

/// 权力事项：`lists/departments/<部门>/items/<编码>.toml`
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Item {
    /// 事项编码，在整个清单中唯一，必须与文件名相同
    pub id: Located<String>,
    /// 事项名称
    pub name: Located<String>,
    /// 职权类别：行政许可、行政处罚、行政强制、行政征收、行政给付、行政检查、行政确认、行政奖励、行政裁决、其他行政权力、公共服务
    #[schemars(extend("enum" = ["行政许可", "行政处罚", "行政强制", "行政征收", "行政给付", "行政检查", "行政确认", "行政奖励", "行政裁决", "其他行政权力", "公共服务"]))]
    pub category: Located<String>,
    /// 所属部门标识，必须与所在文件夹相同
    pub department: Located<String>,
    /// 原表中的职权编码或序号（导入时保留，便于核对）
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub code: String,
    /// 子项
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sub_items: Vec<SubItem>,
    /// 实施依据（设定依据）
    #[serde(default, skip_serializing_if = "Basis::is_empty")]
    pub basis: Basis,
    /// 行使主体（实施主体）
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub body: String,
    /// 承办机构（内设机构或下属单位）
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub unit: String,
    /// 实施层级：省级、市级、县级、乡镇级（可写多个，用“、”分隔）
    #[serde(default, skip_serializing_if = "blank")]
    pub level: Located<String>,
    /// 行使层级与权限划分说明
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub scope: String,
    /// 对应的部门职责
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub duty: String,
    /// 责任事项（按环节）
    #[serde(default, skip_serializing_if = "Responsibilities::is_empty")]
    pub responsibilities: Responsibilities,
    /// 追责
    #[serde(default, skip_serializing_if = "Accountability::is_empty")]
    pub accountability: Accountability,
    /// 下放（授权、委托、延伸服务、代办）
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delegation: Option<Box<Delegation>>,
    /// 承接上级下放的事项（多级清单）
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receives: Option<Box<Receives>>,
    /// 事中事后监管措施
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub supervision: Vec<Supervision>,
    /// 办事指南
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guide: Option<Box<Located<Guide>>>,
    /// 备注
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub remarks: String,
    /// 原表中没有对应字段的其他栏目（栏目名 = 内容），导入时原样保留
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub extra: std::collections::BTreeMap<String, String>,
    /// 导入来源（文件、工作表、行号）
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<SourceRef>,
    /// 整个事项是示例（非官方）内容
    #[serde(default, skip_serializing_if = "is_false")]
    pub sample: bool,
}

/// 子项
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SubItem {
    /// 子项名称
    pub name: Located<String>,
    /// 子项编码
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub code: String,
    /// 子项自己的实施依据（与事项不同时填写）
    #[serde(default, skip_serializing_if = "Basis::is_empty")]
    pub basis: Basis,
    /// 子项自己的责任事项（与事项不同时填写）
    #[serde(default, skip_serializing_if = "Responsibilities::is_empty")]
    pub responsibilities: Responsibilities,
    /// 子项自己的追责情形（与事项不同时填写）
    #[serde(default, skip_serializing_if = "Accountability::is_empty")]
    pub accountability: Accountability,
    /// 备注
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub remarks: String,
    /// 导入来源行号
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub row: Option<u32>,
}

/// 实施依据：原文与拆分后的条目
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Basis {
    /// 原文（导入时原样保留）
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub text: String,
    /// 逐条依据
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub entries: Vec<BasisEntry>,
}

impl Basis {
    pub fn is_empty(&self) -> bool {
        self.text.trim().is_empty() && self.entries.is_empty()
    }
}

/// 一条依据，如【法律】《中华人民共和国行政许可法》第二十九条：……
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct BasisEntry {
    /// 效力层级：法律、行政法规、部门规章、地方性法规、地方政府规章、规范性文件 等
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub kind: String,
    /// 文件名称（不含书名号）
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub title: String,
    /// 条款，如“第二十九条第一款”
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub article: String,
    /// 条文内容
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub text: String,
}

/// 责任事项
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Responsibilities {
    /// 原文（导入时原样保留）
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub text: String,
    /// 按环节拆分：受理、审查、决定、送达、事后监管……
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stages: Vec<Stage>,
    /// 责任事项依据
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub basis: String,
}

impl Responsibilities {
    pub fn is_empty(&self) -> bool {
        self.text.trim().is_empty() && self.stages.is_empty() && self.basis.trim().is_empty()
    }
}

/// 一个环节的责任
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Stage {
    /// 环节名称，如“受理”
    pub stage: String,
    /// 责任内容
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub content: String,
    /// 本环节依据
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub basis: String,
}

/// 追责
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Accountability {
    /// 追责对象范围
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub subjects: String,
    /// 追责情形
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub circumstances: String,
    /// 追责依据
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub basis: String,
}

impl Accountability {
    pub fn is_empty(&self) -> bool {
        self.subjects.trim().is_empty()
            && self.circumstances.trim().is_empty()
            && self.basis.trim().is_empty()
    }
}

/// 下放：向哪一级、以何种方式
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Delegation {
    /// 下放至：县级、乡镇级、园区……
    pub to_level: Located<String>,
    /// 方式：授权、委托、延伸服务、代办
    #[schemars(extend("enum" = ["授权", "委托", "延伸服务", "代办"]))]
    pub mode: Located<String>,
    /// 承接单位
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub recipient: String,
    /// 承接的下级区划（多级清单中 jurisdictions/ 下的文件夹名、区划代码或名称）：每个都必须有承接这一事项的事项
    /// （`receives`），否则 `check` 报错
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub receivers: Vec<Located<String>>,
    /// 批次，如“第一批”
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub batch: String,
    /// 下放依据
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub basis: String,
    /// 说明
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub note: String,
}

/// 承接：本事项承接的是哪一级区划下放的哪个事项
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Receives {
    /// 下放的区划：jurisdictions/ 下的文件夹路径（如“dsz”），区划代码或名称；根区划写它的代码或名称
    pub from: Located<String>,
    /// 下放的事项在该区划清单中的编码（id）
    pub item: Located<String>,
    /// 批次，如“第一批”
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub batch: String,
}

/// 下放方式
pub const DELEGATION_MODES: [&str; 4] = ["授权", "委托", "延伸服务", "代办"];

/// 一项事中事后监管措施
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Supervision {
    /// 监管方式：双随机一公开、信用监管、重点监管、“互联网+监管”、日常检查……
    pub method: Located<String>,
    /// 监管对象
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub object: String,
    /// 监管内容
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub content: String,
    /// 频次，如“每年不少于 1 次”
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub frequency: String,
    /// 责任单位
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub unit: String,
    /// 监管依据
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub basis: String,
    /// 示例（非官方）内容
    #[serde(default, skip_serializing_if = "is_false")]
    pub sample: bool,
}

/// 办事指南
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Guide {
    /// 服务对象：自然人、法人、其他组织
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub audience: String,
    /// 受理条件（Markdown）
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub conditions: String,
    /// 申请材料
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub materials: Vec<Material>,
    /// 原表中的申请材料原文
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub materials_text: String,
    /// 办理流程，按顺序
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub steps: Vec<Step>,
    /// 法定办结时限，如“20个工作日”
    #[serde(default, skip_serializing_if = "blank")]
    pub statutory_limit: Located<String>,
    /// 承诺办结时限，如“5个工作日”，不得长于法定时限
    #[serde(default, skip_serializing_if = "blank")]
    pub promised_limit: Located<String>,
    /// 是否收费
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub charged: Option<bool>,
    /// 收费项目
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fees: Vec<Fee>,
    /// 办理结果，如证照名称
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub result: String,
    /// 办理形式：窗口办理、网上办理、邮寄……
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub channels: String,
    /// 办理地点
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub place: String,
    /// 办理时间
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub hours: String,
    /// 咨询电话
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub consult_phone: String,
    /// 监督投诉电话
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub complaint_phone: String,
    /// 网上办理地址
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub online_url: String,
    /// 到现场次数
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visits: Option<u32>,
    /// 其他说明（Markdown）
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub notes: String,
    /// 示例（非官方）内容
    #[serde(default, skip_serializing_if = "is_false")]
    pub sample: bool,
}

/// 一项申请材料
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Material {
    /// 材料名称
    pub name: Located<String>,
    /// 形式：原件、复印件、原件和复印件、电子件
    #[serde(default, skip_serializing_if = "String::is_empty")]
    #[schemars(extend("enum" = ["原件", "复印件", "原件和复印件", "电子件", ""]))]
    pub form: String,
    /// 份数
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub copies: Option<u32>,
    /// 是否必需（默认必需）
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub required: bool,
    /// 来源或说明，如“申请人自备”“公安部门出具”
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub note: String,
}

fn yes() -> bool {
    true
}

fn is_true(b: &bool) -> bool {
    *b
}

/// 办理流程的一个环节
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// 环节名称：受理、审查、决定、送达……
    pub name: Located<String>,
    /// 本环节做什么
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// 本环节时限，如“1个工作日”“即时”
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub time_limit: String,
    /// 承办岗位或人员
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub actor: String,
    /// 分支：不符合条件时的去向，如“补正材料”“不予受理”
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub branches: Vec<Branch>,
}

/// 流程分支
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Branch {
    /// 条件，如“材料不齐全”
    pub when: String,
    /// 结果，如“一次性告知补正材料”“不予受理”
    pub outcome: String,
    /// 之后回到哪个环节（环节名称），不填表示流程结束
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub back_to: String,
}

/// 一项收费
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Fee {
    /// 收费项目
    pub name: String,
    /// 标准
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub amount: String,
    /// 收费依据
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub basis: String,
}

/// 导入来源
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SourceRef {
    /// 源文件名
    pub file: String,
    /// 工作表
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub sheet: String,
    /// 起始行（Excel 行号）
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub row: Option<u32>,
}

/// 职责边界：`lists/boundaries/<编号>.toml`
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Boundary {
    /// 编号，必须与文件名相同
    pub id: Located<String>,
    /// 边界事项名称
    pub name: Located<String>,
    /// 事项说明（Markdown）
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// 相关部门及各自职责（至少两个）
    #[serde(default)]
    pub parties: Vec<Party>,
    /// 协调配合机制
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub coordination: String,
    /// 依据
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub basis: String,
    /// 相关事项编码
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub items: Vec<Located<String>>,
    /// 示例（非官方）内容
    #[serde(default, skip_serializing_if = "is_false")]
    pub sample: bool,
}

/// 边界事项中的一方
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Party {
    /// 部门标识（departments/ 下的文件夹名）
    pub department: Located<String>,
    /// 该部门的职责
    pub duty: String,
}

/// 一个版本的动态调整声明：`lists/adjustments/<版本>.toml`
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Adjustments {
    /// 版本，必须与文件名相同
    pub edition: Located<String>,
    /// 调整日期（YYYY-MM-DD）
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub date: String,
    /// 调整文件文号
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub document: String,
    /// 说明
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// 本文件中有示例（非官方）内容
    #[serde(default, skip_serializing_if = "is_false")]
    pub sample: bool,
    /// 逐项调整
    #[serde(default)]
    pub changes: Vec<Change>,
}

/// 一项调整
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Change {
    /// 调整类型：取消、新增、下放、上收、划转、合并、拆分、更名、调整
    #[schemars(extend("enum" = ["取消", "新增", "下放", "上收", "划转", "合并", "拆分", "更名", "调整"]))]
    pub kind: Located<String>,
    /// 调整前的事项编码（取消、下放、上收、划转、合并、拆分、更名、调整）
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub old_ids: Vec<Located<String>>,
    /// 调整后的事项编码（新增、下放、上收、划转、合并、拆分、更名、调整），必须存在于本版清单
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub new_ids: Vec<Located<String>>,
    /// 依据文件名称
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub basis: String,
    /// 依据文号，如“国发〔2024〕X号”
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub document: String,
    /// 理由
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub reason: String,
}

/// 调整类型
pub const CHANGE_KINDS: [&str; 9] = [
    "取消", "新增", "下放", "上收", "划转", "合并", "拆分", "更名", "调整",
];

/// 同义词表：`lists/synonyms.toml`，把群众的说法对应到清单的用语，供搜索使用
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Synonyms {
    /// 一组同义词
    #[serde(default)]
    pub synonym: Vec<SynonymEntry>,
    /// 是否用内置的《同义词词林扩展版》为查询找相关说法（默认不用；true 开启）
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thesaurus: Option<bool>,
}

/// 一组：群众的说法 → 清单的用语
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SynonymEntry {
    /// 群众的说法，如 ["开饭店", "开餐馆"]
    pub words: Vec<String>,
    /// 清单中的用语，如 ["食品经营许可"]
    pub means: Vec<String>,
}

/// 指导目录事项：`catalogue/<基本编码>.toml`（多级清单）。上级区划为下级编制的权责清单指导目录中的一项：
/// 名称、类别、依据、责任事项、追责等全部由目录规定，下级认领时只写本地的内容
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct CatalogueItem {
    /// 基本编码，必须与文件名相同（字母、数字、连字符），如“XK-ZJ-0001”
    pub code: Located<String>,
    /// 事项名称
    pub name: Located<String>,
    /// 职权类别
    #[schemars(extend("enum" = ["行政许可", "行政处罚", "行政强制", "行政征收", "行政给付", "行政检查", "行政确认", "行政奖励", "行政裁决", "其他行政权力", "公共服务"]))]
    pub category: Located<String>,
    /// 主管部门（行业），如“住房和城乡建设”：认领时提示放进哪个部门
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub sector: String,
    /// 子项
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sub_items: Vec<SubItem>,
    /// 实施依据
    #[serde(default, skip_serializing_if = "Basis::is_empty")]
    pub basis: Basis,
    /// 对应的部门职责
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub duty: String,
    /// 责任事项
    #[serde(default, skip_serializing_if = "Responsibilities::is_empty")]
    pub responsibilities: Responsibilities,
    /// 追责
    #[serde(default, skip_serializing_if = "Accountability::is_empty")]
    pub accountability: Accountability,
    /// 备注
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub remarks: String,
    /// 各层级的实施：哪一级行使，行使主体、承办机构、权限划分和时限（一个事项在地州市级和县级都有时写两项）
    pub levels: Vec<CatalogueLevel>,
    /// 本文件中有示例（非官方）内容
    #[serde(default, skip_serializing_if = "is_false")]
    pub sample: bool,
}

/// 指导目录事项在一个层级的实施
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct CatalogueLevel {
    /// 层级：地州市级、县（市、区）级、乡镇（街道）级……
    pub level: Located<String>,
    /// 行使主体，如“县（市、区）住房和城乡建设主管部门”
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub body: String,
    /// 承办机构
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub unit: String,
    /// 权限划分
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub scope: String,
    /// 法定办结时限：认领的事项不能改
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub statutory_limit: String,
    /// 承诺办结时限的上限：认领的事项可以更短，不能更长
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub promised_limit: String,
}

/// 认领：`departments/<部门>/claims/<基本编码>.toml`（多级清单）。下级区划认领上级指导目录中的一项：
/// 名称、类别、依据、责任事项、追责取自目录，这里只写本地的内容；本级不适用时写 `not_applicable` 和理由
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Claim {
    /// 认领的目录事项的基本编码，必须与文件名相同
    pub catalogue: Located<String>,
    /// 本级不适用（不认领）的理由，如“本区没有民用机场”；写了它就不再写其他键
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_applicable: Option<Located<String>>,
    /// 行使主体（不写时为部门全称）
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub body: String,
    /// 承办机构
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub unit: String,
    /// 实施层级（不写时取目录中本级的层级）
    #[serde(default, skip_serializing_if = "blank")]
    pub level: Located<String>,
    /// 权限划分
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub scope: String,
    /// 下放
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delegation: Option<Box<Delegation>>,
    /// 承接上级下放的事项
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receives: Option<Box<Receives>>,
    /// 事中事后监管措施
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub supervision: Vec<Supervision>,
    /// 本地的办事指南（时限、收费、地点、电话……）；法定时限不写时取目录的
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guide: Option<Box<Located<Guide>>>,
    /// 备注
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub remarks: String,
    /// 本文件中有示例（非官方）内容
    #[serde(default, skip_serializing_if = "is_false")]
    pub sample: bool,
}
