//! The generated types read and write the w3f JSON of the codec vectors unchanged (field names
//! and byte-string encoding come from the Lean declarations).

use jarkit::vectors::{read_json, vectors_for_test};
use jarkit_spec::jar::{Header, RefineContext};

fn round_trip<T: serde::de::DeserializeOwned + serde::Serialize>(file: &str) {
    let Some(root) = vectors_for_test() else { return };
    let json = read_json(&root.join("gp072/codec/tiny").join(file)).unwrap();
    let value: T = serde_json::from_value(json.clone()).unwrap_or_else(|e| panic!("{file}: {e}"));
    assert_eq!(serde_json::to_value(&value).unwrap(), json, "{file}");
}

#[test]
fn header_json_round_trips() {
    round_trip::<Header>("header_0.json");
    round_trip::<Header>("header_1.json");
}

#[test]
fn refine_context_json_round_trips() {
    round_trip::<RefineContext>("refine_context.json");
}

#[test]
fn variant_ids_parse_from_lean_names() {
    use jarkit_spec::jar::VariantId;
    for id in VariantId::ALL {
        assert_eq!(id.name().parse::<VariantId>(), Ok(id));
    }
    assert!("gp072_huge".parse::<VariantId>().unwrap_err().contains("jar080_tiny"));
}
