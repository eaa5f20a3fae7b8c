//! Runs codegen over the repository's Lean spec and writes `$OUT_DIR/jar.rs`.
//! `JARKIT_DUMP_DIR=dir` also writes a readable copy there.

use std::path::PathBuf;

fn main() {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap()).join("..");
    let opts = jarkit_codegen::Options::for_repo(&root);
    println!("cargo:rerun-if-changed={}", opts.spec_dir.display());
    println!("cargo:rerun-if-changed={}", opts.variants_dir.display());
    println!("cargo:rerun-if-env-changed=JARKIT_DUMP_DIR");
    let out = match jarkit_codegen::generate(&opts) {
        Ok(o) => o,
        Err(d) => {
            eprintln!("{d}");
            for line in d.to_string().lines() {
                println!("cargo:warning={line}");
            }
            std::process::exit(1);
        }
    };
    for p in &out.inputs {
        println!("cargo:rerun-if-changed={}", p.display());
    }
    let out_dir = PathBuf::from(std::env::var("OUT_DIR").unwrap());
    for (name, text) in &out.files {
        std::fs::write(out_dir.join(name), text).unwrap();
        if let Some(dump) = std::env::var_os("JARKIT_DUMP_DIR") {
            let dump = PathBuf::from(dump);
            std::fs::create_dir_all(&dump).unwrap();
            std::fs::write(dump.join(name), text).unwrap();
        }
    }
}
