//! The page templates: built into the binary from `templates/`, each replaceable by a file of the
//! same name in a folder the user names (`qingdan build --templates DIR`).

use std::path::Path;

use crate::Error;

/// (name, built-in text)
const BUILT_IN: &[(&str, &str)] = &[
    ("base.html", include_str!("../../templates/base.html")),
    ("header.html", include_str!("../../templates/header.html")),
    ("footer.html", include_str!("../../templates/footer.html")),
    ("index.html", include_str!("../../templates/index.html")),
    ("item.html", include_str!("../../templates/item.html")),
    (
        "feedback.html",
        include_str!("../../templates/feedback.html"),
    ),
    (
        "department.html",
        include_str!("../../templates/department.html"),
    ),
    (
        "departments.html",
        include_str!("../../templates/departments.html"),
    ),
    (
        "categories.html",
        include_str!("../../templates/categories.html"),
    ),
    ("listing.html", include_str!("../../templates/listing.html")),
    (
        "life_index.html",
        include_str!("../../templates/life_index.html"),
    ),
    (
        "boundaries.html",
        include_str!("../../templates/boundaries.html"),
    ),
    (
        "boundary.html",
        include_str!("../../templates/boundary.html"),
    ),
    (
        "supervision.html",
        include_str!("../../templates/supervision.html"),
    ),
    ("data.html", include_str!("../../templates/data.html")),
    (
        "tombstone.html",
        include_str!("../../templates/tombstone.html"),
    ),
    (
        "accessibility.html",
        include_str!("../../templates/accessibility.html"),
    ),
    ("404.html", include_str!("../../templates/404.html")),
    ("search.html", include_str!("../../templates/search.html")),
    (
        "editions.html",
        include_str!("../../templates/editions.html"),
    ),
    (
        "adjustment.html",
        include_str!("../../templates/adjustment.html"),
    ),
    (
        "adjustment_body.html",
        include_str!("../../templates/adjustment_body.html"),
    ),
    ("diff.html", include_str!("../../templates/diff.html")),
    (
        "jurisdictions.html",
        include_str!("../../templates/jurisdictions.html"),
    ),
    (
        "catalogue_item.html",
        include_str!("../../templates/catalogue_item.html"),
    ),
];

/// The filter script of adjustment pages.
pub const ADJUST_JS: &str = include_str!("../../templates/assets/adjust.js");

const STYLE: &str = include_str!("../../templates/assets/style.css");
const SCRIPT: &str = include_str!("../../templates/assets/search.js");

fn read_override(dir: Option<&Path>, name: &str) -> Result<Option<String>, Error> {
    let Some(dir) = dir else {
        return Ok(None);
    };
    let path = dir.join(name);
    if !path.exists() {
        return Ok(None);
    }
    std::fs::read_to_string(&path)
        .map(Some)
        .map_err(|source| Error::Read { path, source })
}

/// One Tera instance with every template, user overrides first.
pub fn load(dir: Option<&Path>) -> Result<tera::Tera, Error> {
    if let Some(d) = dir
        && !d.is_dir()
    {
        return Err(Error::Usage(format!("模板文件夹 {} 不存在", d.display())));
    }
    let mut tera = tera::Tera::new();
    let mut all = Vec::with_capacity(BUILT_IN.len());
    for (name, text) in BUILT_IN {
        let text = read_override(dir, name)?.unwrap_or_else(|| text.to_string());
        all.push((*name, text));
    }
    tera.add_raw_templates(all).map_err(|e| Error::Template {
        name: "templates".into(),
        message: describe(&e),
    })?;
    Ok(tera)
}

/// Make `view` the `site` every template sees, and render the parts of every page that depend
/// on it alone, `header.html` and `footer.html`, once: base.html puts their HTML in as
/// `site_header` and `site_footer`. The header lists the jurisdictions of a tree; made again
/// for each of a province's half a million pages it was a sixth of their rendering.
pub fn set_site<T: serde::Serialize + ?Sized>(
    tera: &mut tera::Tera,
    view: &T,
) -> Result<(), Error> {
    tera.global_context().insert("site", view);
    let page = tera::Context::new();
    for (name, var) in [
        ("header.html", "site_header"),
        ("footer.html", "site_footer"),
    ] {
        let html = tera.render(name, &page).map_err(|e| Error::Template {
            name: name.into(),
            message: describe(&e),
        })?;
        tera.global_context().insert(var, &html);
    }
    Ok(())
}

/// A key of every template, the stylesheet and the scripts as they will be used (for reusing
/// pages of the previous build only when none of them changed).
pub fn fingerprint(dir: Option<&Path>) -> Result<u64, Error> {
    let mut key = super::reuse::Key::new();
    for (name, text) in BUILT_IN {
        let text = read_override(dir, name)?.unwrap_or_else(|| text.to_string());
        key = key.add(name.as_bytes()).add(text.as_bytes());
    }
    Ok(key
        .add(style(dir)?.as_bytes())
        .add(ADJUST_JS.as_bytes())
        .finish())
}

/// The stylesheet (a user's `assets/style.css` replaces the built-in one).
pub fn style(dir: Option<&Path>) -> Result<String, Error> {
    Ok(read_override(dir, "assets/style.css")?.unwrap_or_else(|| STYLE.to_string()))
}

/// The search script (a user's `assets/search.js` replaces the built-in one).
pub fn script(dir: Option<&Path>) -> Result<String, Error> {
    Ok(read_override(dir, "assets/search.js")?.unwrap_or_else(|| SCRIPT.to_string()))
}

/// A Tera error with its causes, for a person.
pub fn describe(e: &tera::Error) -> String {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        text.push_str(&format!("\n{s}"));
        source = s.source();
    }
    text
}
