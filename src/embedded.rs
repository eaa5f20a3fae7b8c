//! The Lean spec and the known vector differences as the binary was built with them (written
//! by `build.rs`), so an installed `jarkit` needs no source tree.

include!(concat!(env!("OUT_DIR"), "/embedded.rs"));

/// The embedded Lean files as codegen reads them, named as in the repository (`spec/Jar/…`).
pub fn sources() -> Vec<jarkit_codegen::SourceFile> {
    SPEC_FILES.iter().map(|(path, text)| jarkit_codegen::SourceFile { display: path.to_string(), text: text.to_string() }).collect()
}
