//! `qingdan schema`: JSON Schemas of the list file kinds, generated from the types in `model`,
//! so editors get completion and checking (Taplo / Even Better TOML in VS Code).

use schemars::{JsonSchema, generate::SchemaSettings};

use crate::model::{
    Adjustments, Boundary, CatalogueItem, Claim, Department, Item, Jurisdiction, Synonyms,
};

/// File kinds, their schema, and the files they apply to (glob relative to the lists folder).
pub const KINDS: &[(&str, &str)] = &[
    ("item", "departments/*/items/*.toml"),
    ("department", "departments/*/department.toml"),
    ("boundary", "boundaries/*.toml"),
    ("adjustments", "adjustments/*.toml"),
    ("jurisdiction", "jurisdiction.toml"),
    ("synonyms", "synonyms.toml"),
    ("catalogue", "catalogue/*.toml"),
    ("claim", "departments/*/claims/*.toml"),
];

fn schema_of<T: JsonSchema>(title: &str) -> serde_json::Value {
    let generator = SchemaSettings::draft07().into_generator();
    let mut schema = generator.into_root_schema_for::<T>();
    schema.insert("title".into(), serde_json::Value::String(title.to_string()));
    schema.to_value()
}

/// The JSON Schema of one file kind, or `None` for an unknown kind.
pub fn schema(kind: &str) -> Option<serde_json::Value> {
    Some(match kind {
        "item" => schema_of::<Item>("qingdan 权力事项（departments/<部门>/items/<编码>.toml）"),
        "department" => {
            schema_of::<Department>("qingdan 部门（departments/<部门>/department.toml）")
        }
        "boundary" => schema_of::<Boundary>("qingdan 职责边界（boundaries/<编号>.toml）"),
        "adjustments" => {
            schema_of::<Adjustments>("qingdan 动态调整声明（adjustments/<版本>.toml）")
        }
        "jurisdiction" => schema_of::<Jurisdiction>("qingdan 行政区划（jurisdiction.toml）"),
        "synonyms" => schema_of::<Synonyms>("qingdan 搜索同义词（synonyms.toml）"),
        "catalogue" => {
            schema_of::<CatalogueItem>("qingdan 指导目录事项（catalogue/<基本编码>.toml）")
        }
        "claim" => schema_of::<Claim>(
            "qingdan 认领指导目录事项（departments/<部门>/claims/<基本编码>.toml）",
        ),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_a_schema_with_required_core_keys() {
        for (kind, _) in KINDS {
            assert!(schema(kind).is_some(), "{kind}");
        }
        let item = schema("item").unwrap();
        let required = item["required"].as_array().unwrap();
        for key in ["id", "name", "category", "department"] {
            assert!(required.iter().any(|v| v == key), "{key} not required");
        }
        assert_eq!(item["additionalProperties"], serde_json::Value::Bool(false));
        assert!(schema("nope").is_none());
    }

    /// The enums in the schema are written out in attributes: keep them equal to the code's.
    #[test]
    fn schema_enums_match_the_code() {
        use crate::model::{CHANGE_KINDS, Category, DELEGATION_MODES};
        let strings = |v: &serde_json::Value| -> Vec<String> {
            v.as_array()
                .unwrap()
                .iter()
                .map(|s| s.as_str().unwrap().to_string())
                .collect()
        };
        let item = schema("item").unwrap();
        let categories: Vec<String> = Category::ALL.iter().map(|c| c.name().to_string()).collect();
        assert_eq!(strings(&item["properties"]["category"]["enum"]), categories);
        let text = item.to_string();
        assert!(text.contains(&format!("{:?}", DELEGATION_MODES.to_vec()).replace(' ', "")));
        let adj = schema("adjustments").unwrap().to_string();
        assert!(adj.contains(&format!("{:?}", CHANGE_KINDS.to_vec()).replace(' ', "")));
    }
}
