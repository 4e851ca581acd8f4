//! The `qingdan` command line: parses arguments and hands over to the stage modules.
//! Exit codes: 0 success, 1 the lists (or an import) are invalid, 2 usage or I/O error.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};
use miette::Report;

use qingdan::{Error, Snapshot, atomic, check, export, feedback, generate, import, render, schema};

/// mimalloc instead of the system allocator: loading, diffing and rendering 100,000 items make
/// millions of small allocations from several threads, where glibc's malloc spent about 15% of
/// the time (arena growth, `mprotect`, freeing across threads).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "qingdan",
    version,
    about = "清单：权责清单的校验、导入与发布",
    long_about = "qingdan 把权责清单保存为一项一文件的 TOML，校验它、从表格导入它，并发布为网站。\n\
                  文档见 docs/；文件格式见 docs/format.md。"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    Text,
    Json,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum DiffFormat {
    Text,
    Json,
    Markdown,
    Html,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ClaimsFormat {
    Text,
    Json,
    Markdown,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ExportFormat {
    Csv,
    Json,
    Xlsx,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum FeedbackFormat {
    Text,
    Json,
    Csv,
    Xlsx,
}

#[derive(Subcommand)]
enum Command {
    /// 校验清单：语法、必填项、类别、编码重复、依据、时限、边界与调整声明
    Check {
        /// 清单文件夹
        #[arg(long, default_value = "lists")]
        lists: PathBuf,
        /// 输出格式
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
        /// 与该版本（git 版本或清单文件夹）对比：有未声明的变化、或声明的变化没有发生，即为错误
        #[arg(long, value_name = "REV")]
        against: Option<String>,
    },
    /// 对比清单的两个版本：取消、新增、下放、上收、划转、合并、拆分、更名、调整，并对照调整声明
    Diff {
        /// 旧版本：清单文件夹，或 git 版本（标签、分支、提交号；可写成 版本:路径）
        old: String,
        /// 新版本：清单文件夹，或 git 版本
        new: String,
        /// 清单文件夹（用来找到 git 仓库和其中清单的路径）
        #[arg(long, default_value = "lists")]
        lists: PathBuf,
        /// 输出格式：终端文字、JSON、Markdown（用于合并请求的评论）、HTML 网页
        #[arg(long, value_enum, default_value = "text")]
        format: DiffFormat,
        /// 多级清单：对比其中一个下级区划的两个版本（jurisdictions/ 下的文件夹、区划代码或名称），认领的事项按上级目录展开
        #[arg(long, value_name = "区划")]
        jurisdiction: Option<String>,
    },
    /// 多级清单：下级区划的清单对照上级的指导目录——认领了哪些、哪些不适用（理由）、哪些未认领、
    /// 本地与目录有哪些不同、有哪些自设事项
    Claims {
        /// 区划：jurisdictions/ 下的文件夹（如 dszq）、区划代码或名称；不写则列出全部下级区划
        jurisdictions: Vec<String>,
        /// 清单文件夹（根区划）
        #[arg(long, default_value = "lists")]
        lists: PathBuf,
        /// 输出格式：终端文字、JSON、Markdown
        #[arg(long, value_enum, default_value = "text")]
        format: ClaimsFormat,
    },
    /// 从表格（xls、xlsx、CSV：UTF-8 或 GBK）导入权责清单
    Import {
        /// 要导入的表格文件
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// 写入的清单文件夹
        #[arg(long, default_value = "lists")]
        into: PathBuf,
        /// 覆盖已有的、内容不同的文件（不加时只报告将会改变什么）
        #[arg(long)]
        force: bool,
        /// 只分析并报告，不写任何文件
        #[arg(long)]
        dry_run: bool,
        /// 更新表格所属部门的已有事项：对应上的事项保留编码和文件，表格中没有的删除，新的新增
        #[arg(long)]
        update: bool,
        /// 表格所属的已有部门（departments/ 下的文件夹名）：表格中的部门名称对不上、或可能是几个部门之一时用
        #[arg(long, value_name = "ID")]
        department: Option<String>,
        /// 表格是指导目录（每级一个工作表，或有层级栏）：写入 catalogue/，同一事项的各级合为一个目录事项
        #[arg(long)]
        catalogue: bool,
        /// 输出格式
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// 校验清单并生成网站（网页、开放数据、网站地图）
    Build {
        /// 清单文件夹
        #[arg(long, default_value = "lists")]
        lists: PathBuf,
        /// 输出文件夹（构建完成后整体替换）
        #[arg(long, default_value = "site")]
        out: PathBuf,
        /// 网站的公开地址，如 https://example.gov.cn/qingdan（用于网站地图和规范链接）
        #[arg(long)]
        base_url: Option<String>,
        /// 自定义模板所在的文件夹（同名文件替换内置模板）
        #[arg(long)]
        templates: Option<PathBuf>,
        /// 意见反馈数据库：事项页显示其中“N 人认为有帮助”（不写则不显示）
        #[arg(long, value_name = "PATH")]
        feedback_db: Option<PathBuf>,
        /// 输出格式
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// 在生成的网站索引中搜索事项
    Search {
        /// 要搜的话，如“开饭店要办什么证”
        query: String,
        /// 网站文件夹（读取其中的 _index/）
        #[arg(long, default_value = "site")]
        site: PathBuf,
        /// 最多显示几条
        #[arg(long, default_value_t = 10)]
        limit: usize,
        /// 只搜这个部门（部门标识）
        #[arg(long)]
        department: Option<String>,
        /// 只搜这个职权类别，如 行政许可
        #[arg(long)]
        category: Option<String>,
        /// 多级清单：只搜这个区划（j/ 下的路径，如 dszq；. 为最上一级）；不加 --all 时用该区划自己的索引，与它网站上的搜索结果相同
        #[arg(long, value_name = "PATH")]
        jurisdiction: Option<String>,
        /// 多级清单：搜索全部区划（整个区划树的索引 _index/tree/），结果注明所属区划
        #[arg(long)]
        all: bool,
        /// 与 --all 一起用：只搜这一层级的区划，如 县级
        #[arg(long)]
        level: Option<String>,
        /// 输出格式
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// 导出开放数据（一条清单条目一行，栏目可被 import 重新导入）
    Export {
        /// 格式
        #[arg(long, value_enum)]
        to: ExportFormat,
        /// 写到该文件（csv、json 不填则输出到标准输出；xlsx 默认 qingdan.xlsx；- 或 /dev/stdout 为标准输出）
        #[arg(long)]
        out: Option<PathBuf>,
        /// 清单文件夹
        #[arg(long, default_value = "lists")]
        lists: PathBuf,
        /// 只导出该部门（部门标识）
        #[arg(long)]
        department: Option<String>,
    },
    /// 打印清单文件的 JSON Schema（供编辑器补全与校验）
    Schema {
        /// 文件种类：item、department、boundary、adjustments、jurisdiction；不填则全部
        kind: Option<String>,
        /// 写到该文件夹（每种一个 <种类>.schema.json），而不是打印
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// 生成指定规模的模拟清单（用于基准测试）
    Gen {
        /// 事项数
        #[arg(long, default_value_t = 1000)]
        items: usize,
        /// 部门数
        #[arg(long, default_value_t = 40)]
        departments: usize,
        /// 随机种子（同一种子生成同样的清单）
        #[arg(long, default_value_t = 2024)]
        seed: u64,
        /// 输出文件夹（必须不存在或为空）
        #[arg(long)]
        out: PathBuf,
        /// 生成同一种子清单的下一版：调整其中该百分比的事项（九类调整都有），并写出调整声明
        #[arg(long, default_value_t = 0.0)]
        adjust: f64,
        /// 生成多级清单：一个省（含指导目录）、其下的市、县、乡镇，各自认领目录；--items 为全树的事项数
        #[arg(long)]
        tree: bool,
        /// 多级清单：市的个数
        #[arg(long, default_value_t = 14)]
        prefectures: usize,
        /// 多级清单：每个市的县（市、区）数
        #[arg(long, default_value_t = 7)]
        counties: usize,
        /// 多级清单：每个县的乡镇（街道）数
        #[arg(long, default_value_t = 10)]
        townships: usize,
    },
    /// 生成网站（清单有改动时）并在本机提供网页服务
    Serve {
        /// 清单文件夹
        #[arg(long, default_value = "lists")]
        lists: PathBuf,
        /// 网站输出文件夹
        #[arg(long, default_value = "site")]
        out: PathBuf,
        /// 监听地址
        #[arg(long, default_value = "127.0.0.1:8080")]
        addr: String,
        /// 监视清单文件夹：有改动时重新生成网站，并让打开的网页自动刷新
        #[arg(long)]
        watch: bool,
        /// 没有结果、结果可能不对的搜索记到这个文件（默认：清单文件夹旁的 .qingdan/search-log.jsonl）
        #[arg(long, value_name = "PATH", conflicts_with = "no_search_log")]
        search_log: Option<PathBuf>,
        /// 不记录搜索
        #[arg(long)]
        no_search_log: bool,
        /// 意见反馈数据库（SQLite）；默认是网站输出文件夹旁的 qingdan-feedback.sqlite（不在网站文件夹里，重新生成网站不会删除它）
        #[arg(long, value_name = "PATH")]
        feedback_db: Option<PathBuf>,
        /// 每个访问者（IP 地址；IPv6 按 /64）每分钟最多提交几条反馈（也是连续提交的上限）
        #[arg(long, value_name = "N", default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..))]
        feedback_rate: u32,
        /// 反馈数据库最多保存几条反馈，满了就拒收（不删除旧的）
        #[arg(long, value_name = "N", default_value_t = 200_000)]
        feedback_max_rows: u64,
        /// 反馈数据库文件最大多少 MiB，满了就拒收
        #[arg(long, value_name = "MIB", default_value_t = 256)]
        feedback_max_mib: u64,
    },
    /// 汇总 serve 记下的搜索：群众搜了、没找到（或结果可能不对）的查询，供编辑增补同义词
    SearchReport {
        /// 搜索记录文件（连同它的 .1 .2 .3 轮换文件；默认：清单文件夹旁的 .qingdan/search-log.jsonl）
        #[arg(long, value_name = "PATH")]
        log: Option<PathBuf>,
        /// 清单文件夹（用来找到默认的搜索记录）
        #[arg(long, default_value = "lists")]
        lists: PathBuf,
        /// 网站文件夹：给出每个查询名称最接近的事项（读取其中的 _index/）
        #[arg(long)]
        site: Option<PathBuf>,
        /// 只汇总这一天（年-月-日，UTC）及以后的记录
        #[arg(long, value_name = "DATE")]
        since: Option<String>,
        /// 每类最多列出几个查询
        #[arg(long, default_value_t = 20)]
        limit: usize,
        /// 输出格式
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// 列出或导出 qingdan serve 收到的意见反馈（有帮助、没帮助、纠错、投诉）
    Feedback {
        /// 反馈数据库（qingdan serve 的 --feedback-db）
        #[arg(long, value_name = "PATH", default_value = "qingdan-feedback.sqlite")]
        db: PathBuf,
        /// 只列这个部门的（departments/ 下的文件夹名）
        #[arg(long, value_name = "ID")]
        department: Option<String>,
        /// 只列这个事项的（事项标识）
        #[arg(long, value_name = "ID")]
        item: Option<String>,
        /// 只列这一天（UTC，YYYY-MM-DD）及以后的
        #[arg(long, value_name = "DATE")]
        since: Option<String>,
        /// 输出格式（json 还给出每个事项的“有帮助”“没帮助”票数）
        #[arg(long, value_enum, default_value = "text")]
        format: FeedbackFormat,
        /// 写入这个文件（写完整后才替换原文件）；不写则输出到终端（xlsx 默认写入 qingdan-feedback.xlsx）
        #[arg(long, value_name = "PATH")]
        out: Option<PathBuf>,
    },
}

/// Is `path` (which may not exist yet) inside the folder `dir`?
fn inside(path: &std::path::Path, dir: &std::path::Path) -> bool {
    let abs = |p: &std::path::Path| {
        let p = std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
        // The nearest existing ancestor, resolved, with the rest appended.
        let mut existing = p.as_path();
        let mut rest = Vec::new();
        while !existing.exists() {
            match (existing.parent(), existing.file_name()) {
                (Some(parent), Some(name)) => {
                    rest.push(name.to_owned());
                    existing = parent;
                }
                _ => break,
            }
        }
        let mut resolved = std::fs::canonicalize(existing).unwrap_or(existing.to_path_buf());
        resolved.extend(rest.iter().rev());
        resolved
    };
    abs(path).starts_with(abs(dir))
}

/// Where serve keeps feedback when not told: beside the site folder, never inside it (a build
/// replaces the site folder whole).
fn default_feedback_db(out: &std::path::Path) -> PathBuf {
    let parent = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    parent.join("qingdan-feedback.sqlite")
}

fn main() -> ExitCode {
    no_huge_pages();
    quiet_xlsx_panics();
    let cli = match localized(Cli::command())
        .try_get_matches()
        .and_then(|m| Cli::from_arg_matches(&m))
    {
        Ok(cli) => cli,
        Err(e) => return usage_error(&e),
    };
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("{:?}", Report::new(e));
            ExitCode::from(2)
        }
    }
}

/// The command line in Chinese: clap's own headings ("Usage:", "Options:") and its `--help`,
/// `--version` and `help` texts are English.
fn localized(cmd: clap::Command) -> clap::Command {
    use clap::{Arg, ArgAction};
    const TEMPLATE: &str = "{about-with-newline}\n用法：{usage}\n\n{all-args}{after-help}";
    let cmd = cmd
        .help_template(TEMPLATE)
        .disable_help_flag(true)
        .disable_help_subcommand(true)
        .mut_args(|a| {
            if a.is_positional() {
                a.help_heading("位置参数")
            } else {
                a.help_heading("选项")
            }
        })
        .subcommand_help_heading("命令")
        .subcommand_value_name("命令")
        .arg(
            Arg::new("help")
                .short('h')
                .long("help")
                .action(ArgAction::Help)
                .help("显示帮助")
                .help_heading("选项"),
        );
    let cmd = if cmd.get_version().is_some() {
        cmd.disable_version_flag(true).arg(
            Arg::new("version")
                .short('V')
                .long("version")
                .action(ArgAction::Version)
                .help("显示版本")
                .help_heading("选项"),
        )
    } else {
        cmd
    };
    cmd.mut_subcommands(localized)
}

/// A command line clap cannot take, said in Chinese (clap's own messages are English), with
/// the usage line and where to look; `--help` and `--version` are printed as they are.
fn usage_error(e: &clap::Error) -> ExitCode {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    if matches!(
        e.kind(),
        ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    ) {
        let text = e.render().to_string();
        print!("{text}");
        if !text.ends_with('\n') {
            println!();
        }
        return ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(2));
    }
    let text = |kind: ContextKind| -> String {
        match e.get(kind) {
            Some(ContextValue::String(s)) => s.clone(),
            Some(ContextValue::Strings(v)) => v.join("、"),
            Some(ContextValue::StyledStr(s)) => s.to_string(),
            Some(ContextValue::StyledStrs(v)) => v
                .iter()
                .map(|s| s.to_string())
                .collect::<Vec<_>>()
                .join("、"),
            Some(ContextValue::Number(n)) => n.to_string(),
            _ => String::new(),
        }
    };
    let arg = text(ContextKind::InvalidArg);
    let value = text(ContextKind::InvalidValue);
    let suggested = [ContextKind::SuggestedArg, ContextKind::SuggestedSubcommand]
        .into_iter()
        .map(text)
        .find(|s| !s.is_empty());
    let message = match e.kind() {
        ErrorKind::UnknownArgument => format!("不认识的参数 {arg}"),
        ErrorKind::InvalidSubcommand => {
            format!("没有 {} 这个命令", text(ContextKind::InvalidSubcommand))
        }
        ErrorKind::InvalidValue if value.is_empty() => format!("参数 {arg} 后面要写一个值"),
        ErrorKind::InvalidValue => format!(
            "参数 {arg} 的值“{value}”不对；可用的值：{}",
            text(ContextKind::ValidValue)
        ),
        ErrorKind::ValueValidation => format!("参数 {arg} 的值“{value}”不对"),
        ErrorKind::MissingRequiredArgument => format!("缺少必填的参数 {arg}"),
        ErrorKind::MissingSubcommand => "缺少命令（如 check、build、serve）".to_string(),
        ErrorKind::ArgumentConflict
            if text(ContextKind::PriorArg) == arg || text(ContextKind::PriorArg).is_empty() =>
        {
            format!("参数 {arg} 只能写一次")
        }
        ErrorKind::ArgumentConflict => {
            format!("参数 {arg} 与 {} 不能同时用", text(ContextKind::PriorArg))
        }
        ErrorKind::TooManyValues | ErrorKind::WrongNumberOfValues => {
            format!("参数 {arg} 的值太多或太少（“{value}”）")
        }
        ErrorKind::InvalidUtf8 => "命令行参数不是有效的 UTF-8 文字".to_string(),
        _ => "命令行参数不对".to_string(),
    };
    let mut out = format!("错误：{message}\n");
    if let Some(s) = suggested {
        out.push_str(&format!("  是否应为 {s}？\n"));
    }
    let usage = text(ContextKind::Usage);
    if !usage.is_empty() {
        let usage = usage.trim().trim_start_matches("Usage:").trim();
        out.push_str(&format!("\n用法：{usage}\n"));
    }
    out.push_str("全部命令和参数见 qingdan --help；某个命令的参数见 qingdan <命令> --help\n");
    eprint!("{out}");
    ExitCode::from(2)
}

/// rust_xlsxwriter panics when it cannot write its temporary file (a full disk); `export::
/// write_xlsx` catches that panic and reports it as an error with what to do, so the default
/// hook's "thread panicked" (which reads as a crash) is left out for that panic alone. Every
/// other panic, in rust_xlsxwriter or not, is printed as before (and not caught).
fn quiet_xlsx_panics() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let in_xlsxwriter = info
            .location()
            .is_some_and(|l| l.file().contains("rust_xlsxwriter"));
        let message = info
            .payload()
            .downcast_ref::<&str>()
            .copied()
            .or_else(|| info.payload().downcast_ref::<String>().map(String::as_str));
        if !(in_xlsxwriter && message.is_some_and(export::is_xlsx_write_panic)) {
            default(info);
        }
    }));
}

/// Turns transparent huge pages off for this process. mimalloc asks for them on the memory it
/// maps; loading 100,000 items frees and reuses that memory many times, and each first touch
/// of a huge page zeroes 2 MiB where a few kilobytes were needed: a third of the system time
/// of a 100k diff (1.1 s of CPU, ~0.5 s wall on two cores, medians of seven runs). The call only
/// sets a flag of the process; it cannot fail in a way that matters, so its result is ignored.
/// `QINGDAN_THP=1` leaves them on, to measure the difference again.
fn no_huge_pages() {
    if std::env::var_os("QINGDAN_THP").is_some() {
        return;
    }
    #[cfg(target_os = "linux")]
    // SAFETY: prctl with PR_SET_THP_DISABLE takes integer arguments and touches no memory of ours.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}

/// Snippets are HTML; a terminal wants the text.
fn unescape(html: &str) -> String {
    html.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&amp;", "&")
}

fn print(text: &str) -> Result<(), Error> {
    let mut out = std::io::stdout().lock();
    // A closed pipe (`qingdan check | head`) is not an error worth reporting.
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
    Ok(())
}

fn run(cli: Cli) -> Result<ExitCode, Error> {
    match cli.command {
        Command::Check {
            lists,
            format,
            against,
        } => {
            // A repository of several jurisdictions (or with a catalogue) is checked whole.
            let tree = if qingdan::snapshot::tree::is_tree(&lists) {
                qingdan::snapshot::tree::Tree::load(&lists)?
            } else {
                let snapshot = Snapshot::load_dir(&lists)?;
                qingdan::snapshot::tree::Tree::single(snapshot)
            };
            let snap = &tree.nodes[0].snapshot;
            let multi =
                tree.nodes.len() > 1 || !snap.catalogue.is_empty() || !snap.claims.is_empty();
            let mut report = if multi {
                check::check_tree(&tree)
            } else {
                check::check(snap)
            };
            if let Some(rev) = &against {
                let old = Snapshot::load_version(&lists, rev)?;
                let diff = qingdan::diff::diff(&old, snap);
                check::against(&mut report, snap, &diff);
            }
            match format {
                Format::Json => print(&(check::render_json(&report)? + "\n"))?,
                Format::Text => {
                    let color = std::io::stdout().is_terminal();
                    let files = tree.nodes.iter().flat_map(|n| &n.snapshot.files);
                    print(&check::render_text_files(&report, files, color))?
                }
            }
            let ok = report.ok;
            // The process ends here: freeing 100,000 parsed items one by one only costs time.
            std::mem::forget(tree);
            Ok(if ok {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        Command::Diff {
            old,
            new,
            lists,
            format,
            jurisdiction,
        } => {
            let (a, b) = match &jurisdiction {
                None => Snapshot::load_pair(&lists, &old, &new)?,
                Some(j) => {
                    let load = |spec: &str| -> Result<qingdan::snapshot::tree::Tree, Error> {
                        if std::path::Path::new(spec).is_dir() {
                            qingdan::snapshot::tree::Tree::load(std::path::Path::new(spec))
                        } else {
                            let (raw, label) = qingdan::snapshot::git::raw_rev(&lists, spec)?;
                            Ok(qingdan::snapshot::tree::Tree::from_raw(&label, raw))
                        }
                    };
                    let take = |mut tree: qingdan::snapshot::tree::Tree, spec: &str| {
                        let Some(i) = tree.find(j) else {
                            return Err(Error::Usage(format!(
                                "{spec} 中没有区划“{j}”（写 jurisdictions/ 下的文件夹、区划代码或名称）"
                            )));
                        };
                        let mut snap = tree.nodes.swap_remove(i).snapshot;
                        snap.label = format!("{spec}（{j}）");
                        Ok(snap)
                    };
                    (take(load(&old)?, &old)?, take(load(&new)?, &new)?)
                }
            };
            let diff = qingdan::diff::diff(&a, &b);
            let text = qingdan::progress::timed("diff: output", || -> Result<String, Error> {
                Ok(match format {
                    DiffFormat::Json => serde_json::to_string_pretty(&diff)? + "\n",
                    DiffFormat::Markdown => qingdan::diff::output::markdown(&diff),
                    DiffFormat::Html => render::adjustment_page(&diff, None)?,
                    DiffFormat::Text => {
                        qingdan::diff::output::text(&diff, std::io::stdout().is_terminal())
                    }
                })
            })?;
            print(&text)?;
            // The process ends here: freeing 200,000 parsed items one by one only costs time.
            std::mem::forget((a, b));
            Ok(ExitCode::SUCCESS)
        }
        Command::Claims {
            jurisdictions,
            lists,
            format,
        } => {
            if !qingdan::snapshot::tree::is_tree(&lists) {
                return Err(Error::Usage(format!(
                    "{} 不是多级清单（没有 jurisdictions/ 和 catalogue/ 文件夹）：没有下级区划可以对照指导目录",
                    lists.display()
                )));
            }
            let tree = qingdan::snapshot::tree::Tree::load(&lists)?;
            let nodes: Vec<usize> = if jurisdictions.is_empty() {
                (1..tree.nodes.len()).collect()
            } else {
                jurisdictions
                    .iter()
                    .map(|j| {
                        tree.find(j).ok_or_else(|| {
                            let known: Vec<String> = tree.nodes[1..]
                                .iter()
                                .map(|n| {
                                    format!(
                                        "{}（{}）",
                                        n.path.replace("jurisdictions/", ""),
                                        n.name()
                                    )
                                })
                                .collect();
                            Error::Usage(format!("没有区划“{j}”；已有：{}", known.join("、")))
                        })
                    })
                    .collect::<Result<_, _>>()?
            };
            let reports = qingdan::diff::levels::claims(&tree, &nodes);
            match format {
                ClaimsFormat::Json => print(
                    &(serde_json::to_string_pretty(
                        &serde_json::json!({ "jurisdictions": reports }),
                    )? + "\n"),
                )?,
                ClaimsFormat::Text => print(&qingdan::diff::levels::text(&reports, false))?,
                ClaimsFormat::Markdown => print(&qingdan::diff::levels::text(&reports, true))?,
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Import {
            files,
            into,
            force,
            dry_run,
            update,
            department,
            catalogue,
            format,
        } => {
            let options = import::Options {
                into,
                force,
                update,
                dry_run,
                quiet: format == Format::Json,
                department,
                catalogue,
            };
            let report = import::run(&files, &options)?;
            match format {
                Format::Json => print(&(serde_json::to_string_pretty(&report)? + "\n"))?,
                Format::Text => print(&import::render_text(&report))?,
            }
            Ok(if report.ok() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        Command::Build {
            lists,
            out,
            base_url,
            templates,
            feedback_db,
            format,
        } => {
            let votes = match &feedback_db {
                Some(db) => {
                    Some(feedback::Store::open(db, feedback::Limits::default(), false)?.votes()?)
                }
                None => None,
            };
            let mut site = render::Site::load(render::Options {
                lists,
                out,
                base_url,
                templates,
                feedback_served: false,
                votes,
            })?;
            site.default_base_url();
            if !site.report.ok {
                match format {
                    Format::Json => print(&(check::render_json(&site.report)? + "\n"))?,
                    Format::Text => {
                        let color = std::io::stdout().is_terminal();
                        print(&check::render_text(&site.report, site.snap(), color))?;
                        eprintln!("清单未通过校验，没有生成网站；原有的输出文件夹未改动。");
                    }
                }
                return Ok(ExitCode::from(1));
            }
            let built = site.build()?;
            // The process ends after the report: the loaded lists are left to the operating
            // system instead of freed piece by piece (about 0.2 s of CPU at 100,000 items).
            std::mem::forget(site);
            for w in &built.warnings {
                eprintln!("警告：{w}");
            }
            match format {
                Format::Json => print(&(serde_json::to_string_pretty(&built)? + "\n"))?,
                Format::Text => {
                    let mut text = String::new();
                    for (step, secs) in &built.steps {
                        text.push_str(&format!("  {step:<10} {:>8.1} ms\n", secs * 1000.0));
                    }
                    let total: f64 = built.steps.iter().map(|s| s.1).sum();
                    text.push_str(&format!(
                        "已生成 {}：{} 个网页，共 {} 个文件，用时 {:.2} 秒。\n",
                        built.out.display(),
                        built.pages,
                        built.files,
                        total
                    ));
                    if built.reused > 0 {
                        text.push_str(&format!(
                            "其中 {} 个事项页与上次生成时相同，直接沿用。\n",
                            built.reused
                        ));
                    }
                    print(&text)?
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Search {
            query,
            site,
            limit,
            department,
            category,
            jurisdiction,
            all,
            level,
            format,
        } => {
            if level.is_some() && !all {
                return Err(Error::Usage(
                    "--level 只能与 --all 一起用（按层级筛选全部区划的结果）".into(),
                ));
            }
            let searcher = qingdan::index::tree::open(&site, jurisdiction.as_deref(), all)?;
            let response = searcher.search(&qingdan::index::Request {
                q: query,
                department,
                category,
                limit,
                offset: 0,
                level,
                jurisdiction: jurisdiction.filter(|_| all),
            })?;
            match format {
                Format::Json => print(&(serde_json::to_string_pretty(&response)? + "\n"))?,
                Format::Text => {
                    let mut text = format!("共 {} 条结果", response.total);
                    if !response.expanded.is_empty() {
                        text.push_str(&format!("（也搜了：{}）", response.expanded.join("、")));
                    }
                    text.push('\n');
                    for (i, h) in response.hits.iter().enumerate() {
                        let snippet = h.snippet.replace("<b>", "【").replace("</b>", "】");
                        let place = h
                            .jurisdiction
                            .as_ref()
                            .map_or(String::new(), |j| format!("{} · ", j.name));
                        text.push_str(&format!(
                            "{:>3}. {}  [{place}{} · {}]  {}\n     {}\n",
                            i + 1,
                            h.name,
                            h.department,
                            h.category,
                            h.url,
                            unescape(&snippet)
                        ));
                    }
                    if let Some(s) = &response.did_you_mean {
                        text.push_str(&format!("没有找到。您是不是要找：{s}\n"));
                    }
                    print(&text)?
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Export {
            to,
            out,
            lists,
            department,
        } => {
            let snap = Snapshot::load_dir(&lists)?;
            let report = check::check(&snap);
            if !report.ok {
                eprint!("{}", check::render_text(&report, &snap, false));
                eprintln!("清单未通过校验，没有导出。");
                return Ok(ExitCode::from(1));
            }
            if let Some(d) = &department
                && snap.department(d).is_none()
            {
                return Err(Error::Usage(format!(
                    "没有部门 {d}；可用：{}",
                    snap.department_folders.join("、")
                )));
            }
            let items = || {
                snap.items
                    .iter()
                    .filter(|i| department.as_ref().is_none_or(|d| &i.folder == d))
                    .map(|i| &*i.value)
            };
            let depts = || {
                snap.departments
                    .iter()
                    .filter(|d| department.as_ref().is_none_or(|x| &d.folder == x))
                    .map(|d| &d.value)
            };
            let heading = export::heading(&snap, department.as_deref());
            // `-` and `/dev/stdout` are standard output, written as such: opened as a file,
            // `/dev/stdout` redirected to a file would be truncated or replaced, losing what
            // came before (`{ echo 表头; qingdan export --out /dev/stdout; } > f`).
            let out = match out {
                Some(p) if p.as_os_str() == "-" || p.as_os_str() == "/dev/stdout" => None,
                None if to == ExportFormat::Xlsx => Some(PathBuf::from("qingdan.xlsx")),
                out => out,
            };
            match out {
                // Into the file as it is made (the whole list at 100,000 items is 200 MB), through
                // a temporary file renamed over it when complete (`atomic`): a failed export
                // leaves the file that was there.
                Some(path) => {
                    let io = |source| Error::Write {
                        path: path.clone(),
                        source,
                    };
                    let written = |e: Error| e.written_to(&path);
                    let mut file =
                        std::io::BufWriter::with_capacity(1 << 20, atomic::create(&path)?);
                    match to {
                        ExportFormat::Csv => {
                            export::write_csv(&snap, items(), &mut file).map_err(written)?;
                        }
                        // A pipe cannot seek, as the zip inside an xlsx needs: made in memory.
                        ExportFormat::Xlsx if file.get_ref().streams() => {
                            let bytes = export::xlsx(&heading, export::rows(&snap, items()))?;
                            file.write_all(&bytes).map_err(io)?;
                        }
                        ExportFormat::Xlsx => {
                            export::write_xlsx(&heading, export::rows(&snap, items()), &mut file)
                                .map_err(written)?
                        }
                        ExportFormat::Json => {
                            export::write_json(&snap, depts(), items(), &mut file)
                                .map_err(written)?;
                        }
                    }
                    file.into_inner()
                        .map_err(|e| io(e.into_error()))?
                        .finish()?;
                }
                // Made first, then written: a reader that goes away (`| head`) ends the output
                // quietly instead of with an error.
                None => {
                    let bytes = match to {
                        ExportFormat::Csv => export::csv(&snap, items())?,
                        ExportFormat::Xlsx => export::xlsx(&heading, export::rows(&snap, items()))?,
                        ExportFormat::Json => export::json(&snap, depts(), items())?,
                    };
                    let mut stdout = std::io::stdout().lock();
                    let _ = stdout.write_all(&bytes);
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Schema { kind, out } => {
            let kinds: Vec<&str> = match &kind {
                Some(k) => vec![k.as_str()],
                None => schema::KINDS.iter().map(|(k, _)| *k).collect(),
            };
            let mut all = serde_json::Map::new();
            for k in &kinds {
                let s = schema::schema(k).ok_or_else(|| {
                    Error::Usage(format!(
                        "没有 {k} 这种文件；可用：{}",
                        schema::KINDS
                            .iter()
                            .map(|(k, _)| *k)
                            .collect::<Vec<_>>()
                            .join("、")
                    ))
                })?;
                all.insert(k.to_string(), s);
            }
            match out {
                Some(dir) => {
                    std::fs::create_dir_all(&dir).map_err(|source| Error::Write {
                        path: dir.clone(),
                        source,
                    })?;
                    for (k, s) in &all {
                        let path = dir.join(format!("{k}.schema.json"));
                        let text = serde_json::to_string_pretty(s)? + "\n";
                        std::fs::write(&path, text)
                            .map_err(|source| Error::Write { path, source })?;
                    }
                }
                None if kind.is_some() => {
                    let only = all.into_iter().next().map(|(_, v)| v).unwrap_or_default();
                    print(&(serde_json::to_string_pretty(&only)? + "\n"))?
                }
                None => print(&(serde_json::to_string_pretty(&all)? + "\n"))?,
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Gen {
            items,
            departments,
            seed,
            out,
            adjust,
            tree,
            prefectures,
            counties,
            townships,
        } => {
            if tree {
                let summary = qingdan::generate_tree::generate(&qingdan::generate_tree::Options {
                    items,
                    prefectures,
                    counties,
                    townships,
                    departments: departments.min(20),
                    seed,
                    out,
                    quiet: false,
                })?;
                eprintln!("{summary}");
                return Ok(ExitCode::SUCCESS);
            }
            let summary = generate::generate(&generate::Options {
                items,
                departments,
                seed,
                out,
                quiet: false,
                adjust,
            })?;
            eprintln!("{summary}");
            Ok(ExitCode::SUCCESS)
        }
        Command::Serve {
            lists,
            out,
            addr,
            watch,
            search_log,
            no_search_log,
            feedback_db,
            feedback_rate,
            feedback_max_rows,
            feedback_max_mib,
        } => {
            let watched = watch.then(|| lists.clone());
            let search_log = (!no_search_log)
                .then(|| search_log.unwrap_or_else(|| qingdan::searchlog::default_path(&lists)));
            let store = {
                let db = feedback_db.unwrap_or_else(|| default_feedback_db(&out));
                if inside(&db, &out) {
                    return Err(Error::Usage(format!(
                        "反馈数据库 {} 在网站输出文件夹 {} 里，重新生成网站会删除它；请用 --feedback-db 放到别处",
                        db.display(),
                        out.display()
                    )));
                }
                let limits = feedback::Limits {
                    max_rows: feedback_max_rows,
                    max_bytes: feedback_max_mib.saturating_mul(1 << 20),
                };
                let store = feedback::Store::open(&db, limits, true)?;
                eprintln!(
                    "意见反馈保存在 {}（已有 {} 条）。",
                    db.display(),
                    store.rows()
                );
                store
            };
            let mut built_site = None;
            if qingdan::serve::needs_build(&lists, &out) {
                let votes = Some(store.votes()?);
                let mut site = render::Site::load(qingdan::serve::options(&lists, &out, votes))?;
                if !site.report.ok {
                    let color = std::io::stdout().is_terminal();
                    print(&check::render_text(&site.report, site.snap(), color))?;
                    eprintln!(
                        "清单未通过校验，没有生成网站；改正上面的错误后再运行 qingdan serve。"
                    );
                    return Ok(ExitCode::from(1));
                }
                let built = site.build()?;
                // As `build` says them (e.g. editions that cannot be shown outside git).
                for w in &built.warnings {
                    eprintln!("警告：{w}");
                }
                let total: f64 = built.steps.iter().map(|s| s.1).sum();
                eprintln!(
                    "已生成 {}：{} 个网页，用时 {total:.2} 秒。",
                    built.out.display(),
                    built.pages
                );
                // Kept for `--watch`: an edit inside one jurisdiction then rebuilds only its part.
                built_site = watch.then_some(site);
            } else {
                eprintln!("{} 已是最新，直接提供服务。", out.display());
            }
            let feedback = qingdan::serve::Feedback::new(&out, store, feedback_rate, feedback_rate);
            qingdan::serve::run(out, &addr, watched, search_log, Some(feedback), built_site)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::SearchReport {
            log,
            lists,
            site,
            since,
            limit,
            format,
        } => {
            use qingdan::searchlog;
            let since = since.as_deref().map(searchlog::parse_since).transpose()?;
            let path = log.unwrap_or_else(|| searchlog::default_path(&lists));
            let (entries, unreadable, files) = searchlog::read(&path)?;
            let searcher = site
                .map(|s| qingdan::index::Searcher::open(&s.join(qingdan::index::DIR)))
                .transpose()?;
            let report = searchlog::report(
                &entries,
                unreadable,
                &files,
                &searchlog::ReportOptions {
                    since,
                    limit,
                    searcher: searcher.as_ref(),
                },
            );
            match format {
                Format::Json => print(&(serde_json::to_string_pretty(&report)? + "\n"))?,
                Format::Text => print(&searchlog::render_text(&report))?,
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Feedback {
            db,
            department,
            item,
            since,
            format,
            out,
        } => {
            let store = feedback::Store::open(&db, feedback::Limits::default(), false)?;
            let filter = feedback::Filter {
                department,
                item,
                since: since.as_deref().map(feedback::since).transpose()?,
            };
            let records = store.list(&filter)?;
            let votes = store.votes()?;
            let format = match format {
                FeedbackFormat::Text => feedback::Format::Text,
                FeedbackFormat::Json => feedback::Format::Json,
                FeedbackFormat::Csv => feedback::Format::Csv,
                FeedbackFormat::Xlsx => feedback::Format::Xlsx,
            };
            let bytes = feedback::write(&records, &votes, format)?;
            let out = match out {
                Some(p) if p.as_os_str() == "-" || p.as_os_str() == "/dev/stdout" => None,
                None if format == feedback::Format::Xlsx => {
                    Some(PathBuf::from("qingdan-feedback.xlsx"))
                }
                out => out,
            };
            match out {
                Some(path) => {
                    atomic::write(&path, &bytes)?;
                    eprintln!("已写出 {} 条反馈到 {}。", records.len(), path.display());
                }
                None => {
                    let mut stdout = std::io::stdout().lock();
                    let _ = stdout.write_all(&bytes);
                    let _ = stdout.flush();
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
