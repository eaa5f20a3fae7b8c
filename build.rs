//! Embeds the Lean spec, the variants and the known vector differences in the `jarkit` binary,
//! so `jarkit gen` and `jarkit vectors pvm` work from any directory after `cargo install`
//! without reading the build machine's source tree.

use std::path::{Path, PathBuf};

fn lean_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for p in paths {
        if p.is_dir() {
            lean_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "lean") {
            out.push(p);
        }
    }
}

fn main() {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let mut entries = String::new();
    for dir in ["spec", "variants"] {
        let base = root.join(dir);
        println!("cargo:rerun-if-changed={}", base.display());
        let mut files = Vec::new();
        lean_files(&base, &mut files);
        for f in files {
            let rel = f.strip_prefix(&root).expect("under the root").to_string_lossy().replace('\\', "/");
            entries.push_str(&format!("    ({rel:?}, include_str!({:?})),\n", f.display().to_string()));
        }
    }
    let known = root.join("tests/known-differences/w3f-pvm.txt");
    println!("cargo:rerun-if-changed={}", known.display());
    let text = format!(
        "/// The Lean sources (`spec/…`, `variants/…`) as the binary was built with them.\npub const SPEC_FILES: &[(&str, &str)] = &[\n{entries}];\n\n/// `tests/known-differences/w3f-pvm.txt`.\npub const W3F_PVM_KNOWN: &str = include_str!({:?});\n",
        known.display().to_string()
    );
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("embedded.rs");
    std::fs::write(&out, text).expect("OUT_DIR is writable");
}
