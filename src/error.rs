//! Errors that stop a command (as opposed to diagnostics, which `check` reports and goes on).
//! Every variant names the file it is about and says what to do.

use std::path::PathBuf;

use miette::Diagnostic;
use thiserror::Error;

#[derive(Debug, Error, Diagnostic)]
pub enum Error {
    #[error("找不到清单文件夹 {0}")]
    #[diagnostic(
        code(qingdan::no_lists),
        help("用 --lists 指定清单文件夹，或先用 `qingdan import 表格.xlsx --into lists` 导入")
    )]
    NoLists(PathBuf),

    #[error("遍历 {path} 时出错")]
    #[diagnostic(code(qingdan::walk), help("检查该文件夹的权限"))]
    Walk {
        path: PathBuf,
        #[source]
        source: walkdir::Error,
    },

    #[error("无法读取 {path}")]
    #[diagnostic(code(qingdan::io), help("检查文件是否存在、是否有读取权限"))]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("无法写入 {path}")]
    #[diagnostic(code(qingdan::io), help("检查磁盘空间和该文件夹的写权限"))]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// Writing an export to a destination the exporter is not told the name of; whoever opened
    /// the destination names it with [`Error::written_to`].
    #[error("无法写出 {what}")]
    #[diagnostic(code(qingdan::io), help("检查磁盘空间和目标文件夹的写权限"))]
    Output {
        what: &'static str,
        #[source]
        source: std::io::Error,
    },

    #[error("无法打开表格 {path}：{message}")]
    #[diagnostic(
        code(qingdan::spreadsheet),
        help(
            "确认它是 xls、xlsx 或 CSV（UTF-8 或 GBK）文件且没有损坏；可用 Excel 或 WPS 打开后另存为 xlsx 再试"
        )
    )]
    Spreadsheet { path: PathBuf, message: String },

    #[error("{0}")]
    #[diagnostic(code(qingdan::usage))]
    Usage(String),

    #[error("模板 {name} 有错误：{message}")]
    #[diagnostic(
        code(qingdan::template),
        help("检查 --templates 指定的文件夹中同名模板的语法（Tera 模板，类似 Jinja2）")
    )]
    Template { name: String, message: String },

    /// Work given up because it is no longer wanted (`serve --watch` writing the whole-tree
    /// search index when the lists changed again meanwhile): nothing was put in place.
    #[error("已中止：清单又有改动")]
    #[diagnostic(code(qingdan::stopped))]
    Stopped,

    #[error("无法生成 JSON")]
    #[diagnostic(code(qingdan::json))]
    Json(#[from] serde_json::Error),

    #[error("无法生成 TOML：{0}")]
    #[diagnostic(code(qingdan::toml))]
    TomlWrite(#[from] toml::ser::Error),

    #[error("读取 git 版本 {rev} 时出错：{message}")]
    #[diagnostic(
        code(qingdan::git),
        help(
            "版本可以是标签、分支或提交号（如 v2024、HEAD~1），可写成 版本:路径 指定仓库中的清单文件夹；用 `git log --oneline` 或 `git tag` 查看可用的版本"
        )
    )]
    Git { rev: String, message: String },

    #[error("意见反馈数据库 {path} 出错：{message}")]
    #[diagnostic(
        code(qingdan::feedback_db),
        help(
            "检查该文件是否存在、是否有读写权限、磁盘是否已满；可用 sqlite3 该文件 \"PRAGMA integrity_check\" 检查它是否完好；用 --db（serve 用 --feedback-db）指定别的文件"
        )
    )]
    Database { path: PathBuf, message: String },

    #[error("{path} 不在 git 仓库中：{message}")]
    #[diagnostic(
        code(qingdan::not_git),
        help(
            "对比 git 版本需要清单文件夹在 git 仓库里；也可以直接对比两个清单文件夹：qingdan diff 旧文件夹 新文件夹"
        )
    )]
    NotGit { path: PathBuf, message: String },
}

impl Error {
    /// An error writing to a destination, named: `Output` becomes `Write` of `path`.
    pub fn written_to(self, path: &std::path::Path) -> Error {
        match self {
            Error::Output { source, .. } => Error::Write {
                path: path.to_path_buf(),
                source,
            },
            other => other,
        }
    }
}
