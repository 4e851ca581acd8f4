//! `Located<T>`: a value together with the byte range it came from in its source file.
//!
//! The loader deserialises list files through `toml::Spanned`, so every located value knows where
//! it was written; values made in code (by the importer or the generator) carry an empty span.
//! Serialising writes the bare value, so `Located` is invisible in TOML, JSON and the JSON Schema.

use std::borrow::Cow;
use std::fmt;
use std::ops::{Deref, Range};

use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A byte range in a source file. `Span::NONE` marks a value that was not read from a file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Span {
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub const NONE: Span = Span { start: 0, end: 0 };

    pub fn new(range: Range<usize>) -> Span {
        let clamp = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        Span {
            start: clamp(range.start),
            end: clamp(range.end),
        }
    }

    pub fn is_none(&self) -> bool {
        self.start == 0 && self.end == 0
    }

    pub fn range(&self) -> Range<usize> {
        self.start as usize..self.end as usize
    }
}

/// A value and where it was written.
#[derive(Clone, Default)]
pub struct Located<T> {
    pub value: T,
    pub span: Span,
}

impl<T> Located<T> {
    /// A value made in code, not read from a file.
    pub fn new(value: T) -> Self {
        Located {
            value,
            span: Span::NONE,
        }
    }

    pub fn get(&self) -> &T {
        &self.value
    }
}

impl<T> From<T> for Located<T> {
    fn from(value: T) -> Self {
        Located::new(value)
    }
}

impl From<&str> for Located<String> {
    fn from(value: &str) -> Self {
        Located::new(value.to_string())
    }
}

impl<T> Deref for Located<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.value
    }
}

impl<T: fmt::Debug> fmt::Debug for Located<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.value.fmt(f)
    }
}

impl<T: fmt::Display> fmt::Display for Located<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.value.fmt(f)
    }
}

/// Equality ignores where a value was written: two editions with the same text are equal.
impl<T: PartialEq> PartialEq for Located<T> {
    fn eq(&self, other: &Self) -> bool {
        self.value == other.value
    }
}

impl<T: Eq> Eq for Located<T> {}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Located<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let spanned = toml::Spanned::<T>::deserialize(deserializer)?;
        let span = Span::new(spanned.span());
        Ok(Located {
            value: spanned.into_inner(),
            span,
        })
    }
}

impl<T: Serialize> Serialize for Located<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.value.serialize(serializer)
    }
}

impl<T: JsonSchema> JsonSchema for Located<T> {
    fn inline_schema() -> bool {
        T::inline_schema()
    }

    fn schema_name() -> Cow<'static, str> {
        T::schema_name()
    }

    fn schema_id() -> Cow<'static, str> {
        T::schema_id()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        T::json_schema(generator)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct Doc {
        name: Located<String>,
    }

    #[test]
    fn keeps_the_span_of_a_value() {
        let text = "name = \"行政许可\"\n";
        let doc: Doc = toml::from_str(text).unwrap();
        assert_eq!(&text[doc.name.span.range()], "\"行政许可\"");
        assert_eq!(doc.name.as_str(), "行政许可");
    }

    #[test]
    fn serialises_as_the_bare_value() {
        let v = Located::new("x".to_string());
        assert_eq!(serde_json::to_string(&v).unwrap(), "\"x\"");
    }
}
