//! `jarkit decode` / `jarkit encode`: any spec type between the JAM binary codec and JSON, by
//! its Rust name (`WorkReport`, `Header`, …). The type list comes from codegen, so a type added
//! to the spec is available here without a Rust edit.

use jarkit_spec::codec::Codec;
use jarkit_spec::jar::{Variant, VariantId};
use serde_json::Value;

fn names() -> Vec<&'static str> {
    macro_rules! list {
        ($($t:ident),*) => { vec![$(stringify!($t)),*] };
    }
    jarkit_spec::for_each_spec_type!(list)
}

fn unknown(type_name: &str) -> String {
    format!("unknown type `{type_name}`; the spec types are: {}", names().join(", "))
}

/// Decodes `bytes` as `type_name` under `variant` and returns its JSON.
pub fn decode(type_name: &str, variant: VariantId, bytes: &[u8]) -> Result<Value, String> {
    fn one<T: Codec + serde::Serialize, V: Variant>(bytes: &[u8]) -> Result<Value, String> {
        let v = T::decode::<V>(bytes).map_err(|e| e.to_string())?;
        Ok(serde_json::to_value(&v).expect("spec types serialize to JSON"))
    }
    jarkit_spec::with_variant!(variant, V => {
        macro_rules! dispatch {
            ($($t:ident),*) => {
                match type_name {
                    $(stringify!($t) => one::<jarkit_spec::jar::$t, V>(bytes),)*
                    _ => Err(unknown(type_name)),
                }
            };
        }
        jarkit_spec::for_each_spec_type!(dispatch)
    })
}

/// Encodes the JSON `value` as `type_name` in `variant`'s codec. The bytes are decoded again and
/// must give the same value: a number too wide for its fixed-width field is an error, not a
/// silently truncated encoding.
pub fn encode(type_name: &str, variant: VariantId, value: &Value) -> Result<Vec<u8>, String> {
    fn one<T: Codec + serde::de::DeserializeOwned + PartialEq, V: Variant>(value: &Value) -> Result<Vec<u8>, String> {
        let v: T = crate::vectors::from_json(value.clone()).map_err(|e| format!("JSON does not fit the type: {e}"))?;
        let bytes = v.encode::<V>();
        match T::decode::<V>(&bytes) {
            Ok(back) if back == v => Ok(bytes),
            _ => Err(format!("the value does not fit {}'s encoding (a number too wide for its field, or a sequence of the wrong length)", V::NAME)),
        }
    }
    jarkit_spec::with_variant!(variant, V => {
        macro_rules! dispatch {
            ($($t:ident),*) => {
                match type_name {
                    $(stringify!($t) => one::<jarkit_spec::jar::$t, V>(value),)*
                    _ => Err(unknown(type_name)),
                }
            };
        }
        jarkit_spec::for_each_spec_type!(dispatch)
    })
}
