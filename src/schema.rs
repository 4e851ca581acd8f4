//! `qingdan schema`: JSON Schemas of the list file kinds, generated from the types in `model`,
//! so editors get completion and checking (Taplo / Even Better TOML in VS Code).

use schemars::{JsonSchema, generate::SchemaSettings};

use crate::model::{Adjustments, Boundary, Department, Item, Jurisdiction};

/// File kinds, their schema, and the files they apply to (glob relative to the lists folder).
pub const KINDS: &[(&str, &str)] = &[
    ("item", "departments/*/items/*.toml"),
    ("department", "departments/*/department.toml"),
    ("boundary", "boundaries/*.toml"),
    ("adjustments", "adjustments/*.toml"),
    ("jurisdiction", "jurisdiction.toml"),
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
}
