//! Every key problem of a file at once. serde stops at the first unknown key, missing key or
//! wrong type, so an editor who fixed one would meet the next only on the next `check`. When a
//! file fails that way, it is read again as plain TOML (with positions) and walked against the
//! JSON Schema of its kind (`crate::schema`, made from the same types), reporting each problem
//! with the rule names and messages of the first.

use serde_json::Value;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

use crate::diag::{Diagnostic, Severity, SourceFile};
use crate::model::Span;

/// The problems of `text` against the schema of file kind `kind`; empty when the text is not
/// TOML or nothing is found (the caller then keeps serde's message).
pub fn problems(source: &SourceFile, text: &str, kind: &str) -> Vec<Diagnostic> {
    let Some(schema) = schema(kind) else {
        return Vec::new();
    };
    let Ok(root) = DeTable::parse(text) else {
        return Vec::new();
    };
    let mut w = Walk {
        root: schema,
        source,
        out: Vec::new(),
    };
    w.table(root.get_ref(), Span::NONE, schema, "");
    w.out
}

/// The schema of a kind, made once.
fn schema(kind: &str) -> Option<&'static Value> {
    use std::collections::HashMap;
    use std::sync::{Mutex, OnceLock};
    static CACHE: OnceLock<Mutex<HashMap<String, &'static Value>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    let mut map = cache
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(v) = map.get(kind) {
        return Some(v);
    }
    let v: &'static Value = Box::leak(Box::new(crate::schema::schema(kind)?));
    map.insert(kind.to_string(), v);
    Some(v)
}

struct Walk<'a> {
    root: &'a Value,
    source: &'a SourceFile,
    out: Vec<Diagnostic>,
}

fn span_of<T>(s: &Spanned<T>) -> Span {
    Span::new(s.span())
}

/// What a JSON Schema type is called in messages.
fn type_name(t: &str) -> &'static str {
    match t {
        "string" => "文字（字符串）",
        "integer" => "整数",
        "number" => "数字",
        "boolean" => "true 或 false",
        "array" => "列表",
        "object" => "表",
        _ => "其他",
    }
}

fn help_for(t: &str) -> &'static str {
    match t {
        "string" => "文字要用英文双引号 \" 包起来；多行文字用三个双引号 \"\"\" 包起来",
        "boolean" => "写 true 或 false，不加引号",
        "integer" | "number" => "数字不加引号，如 copies = 1",
        "array" => "列表写成 [\"甲\", \"乙\"]；表的数组写成 [[表名]]",
        _ => "核对该键应有的类型（文字、数字、true/false、列表或表），见 docs/format.md",
    }
}

fn kind_of(v: &DeValue) -> &'static str {
    match v {
        DeValue::String(_) | DeValue::Datetime(_) => "string",
        DeValue::Integer(_) => "integer",
        DeValue::Float(_) => "number",
        DeValue::Boolean(_) => "boolean",
        DeValue::Array(_) => "array",
        DeValue::Table(_) => "object",
    }
}

impl<'a> Walk<'a> {
    fn push(&mut self, rule: &'static str, span: Span, message: String, help: String) {
        let mut d = Diagnostic::at(rule, Severity::Error, self.source, span, message);
        d.help = Some(help);
        self.out.push(d);
    }

    /// A schema with its `$ref` followed and `Option`'s null alternative dropped.
    fn resolve(&self, mut s: &'a Value) -> &'a Value {
        for _ in 0..16 {
            if let Some(r) = s.get("$ref").and_then(Value::as_str) {
                let name = r.rsplit('/').next().unwrap_or("");
                match self
                    .root
                    .get("definitions")
                    .or_else(|| self.root.get("$defs"))
                    .and_then(|d| d.get(name))
                {
                    Some(t) => s = t,
                    None => return s,
                }
                continue;
            }
            if let Some(alts) = s
                .get("anyOf")
                .or_else(|| s.get("oneOf"))
                .and_then(Value::as_array)
            {
                let real: Vec<&Value> = alts
                    .iter()
                    .filter(|a| a.get("type").and_then(Value::as_str) != Some("null"))
                    .collect();
                if let [one] = real.as_slice() {
                    s = one;
                    continue;
                }
            }
            return s;
        }
        s
    }

    fn value(&mut self, v: &Spanned<DeValue>, schema: &'a Value, path: &str) {
        let schema = self.resolve(schema);
        let allowed: Vec<&str> = match schema.get("type") {
            Some(Value::String(t)) => vec![t.as_str()],
            Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        let kind = kind_of(v.get_ref());
        let fits = allowed.is_empty()
            || allowed.contains(&kind)
            || (kind == "integer" && allowed.contains(&"number"));
        if !fits {
            let want = allowed
                .iter()
                .find(|t| **t != "null")
                .copied()
                .unwrap_or("string");
            self.push(
                "wrong-type",
                span_of(v),
                format!("值的类型不对：{}，应为{}", type_name(kind), type_name(want)),
                help_for(want).to_string(),
            );
            return;
        }
        match v.get_ref() {
            DeValue::Table(t) => self.table(t, span_of(v), schema, path),
            DeValue::Array(items) => {
                if let Some(item) = schema.get("items") {
                    for x in items.iter() {
                        self.value(x, item, path);
                    }
                }
            }
            _ => {}
        }
    }

    fn table(&mut self, t: &DeTable, at: Span, schema: &'a Value, path: &str) {
        let schema = self.resolve(schema);
        let props = schema.get("properties").and_then(Value::as_object);
        let closed = schema.get("additionalProperties") == Some(&Value::Bool(false));
        // Keys an unknown key is taken for (catgory → category): not reported missing too.
        let mut suggested: Vec<String> = Vec::new();
        for (k, v) in t.iter() {
            let key = k.get_ref().as_ref();
            match props.and_then(|p| p.get(key)) {
                Some(s) => {
                    let sub = if path.is_empty() {
                        key.to_string()
                    } else {
                        format!("{path}.{key}")
                    };
                    self.value(v, s, &sub);
                }
                None if closed => {
                    let keys: Vec<&str> =
                        props.map_or(Vec::new(), |p| p.keys().map(String::as_str).collect());
                    let closest = keys
                        .iter()
                        .min_by_key(|c| crate::diag::edit_distance(c, key))
                        .filter(|c| crate::diag::edit_distance(c, key) <= 2);
                    let place = if path.is_empty() {
                        String::new()
                    } else {
                        format!("（位于 [{path}] 表中）")
                    };
                    if let Some(c) = closest {
                        suggested.push(c.to_string());
                    }
                    let help = match closest {
                        Some(c) => format!("是否应为 {c}？"),
                        None => format!("检查拼写；此处可用的键：{}", keys.join(" ")),
                    };
                    self.push(
                        "unknown-key",
                        span_of(k),
                        format!("未知的键 {key}{place}"),
                        help,
                    );
                }
                None => {}
            }
        }
        if let Some(required) = schema.get("required").and_then(Value::as_array) {
            for r in required.iter().filter_map(Value::as_str) {
                if !t.iter().any(|(k, _)| k.get_ref().as_ref() == r)
                    && !suggested.iter().any(|x| x == r)
                {
                    let place = if path.is_empty() {
                        String::new()
                    } else {
                        format!("（[{path}] 表中）")
                    };
                    self.push(
                        "missing-key",
                        at,
                        format!("缺少必填的键 {r}{place}"),
                        format!("在此表中加上一行 {r} = \"…\"（格式见 docs/format.md）"),
                    );
                }
            }
        }
    }
}
