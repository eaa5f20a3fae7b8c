//! jarkit-spec: the Rust generated from the Lean spec (variants, constants, types, functions),
//! plus the small hand-written prelude and primitives it links against.

pub mod bandersnatch;
pub mod codec;
pub mod prelude;
pub mod prims;
pub mod profile;
pub mod seam;

/// Everything generated from `spec/` and `variants/` (see `$OUT_DIR/jar.rs`, or set
/// `JARKIT_DUMP_DIR` to get a copy).
#[allow(clippy::all, non_snake_case, dead_code, unused_parens, unused_braces)]
pub mod jar {
    include!(concat!(env!("OUT_DIR"), "/jar.rs"));
}
