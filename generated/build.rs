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
            // Once, on stderr: cargo shows a failing build script's stderr; `cargo:warning`
            // lines would appear a second time as warnings and a third in its stdout.
            eprintln!("{d}");
            std::process::exit(1);
        }
    };
    for p in &out.inputs {
        println!("cargo:rerun-if-changed={}", p.display());
    }
    let out_dir = PathBuf::from(std::env::var("OUT_DIR").unwrap());
    locate_ring_srs();
    for (name, text) in &out.files {
        std::fs::write(out_dir.join(name), text).unwrap();
        if let Some(dump) = std::env::var_os("JARKIT_DUMP_DIR") {
            let dump = PathBuf::from(dump);
            std::fs::create_dir_all(&dump).unwrap();
            std::fs::write(dump.join(name), text).unwrap();
        }
    }
}

/// The SRS file ark-vrf ships (`data/srs/`, the Zcash BLS12-381 powers of tau, 2^11 of them) is
/// embedded in the library: `cargo metadata` says where the ark-vrf package's files are, and
/// `JARKIT_RING_SRS` carries the file's path to `include_bytes!`.
fn locate_ring_srs() {
    const SRS: &str = "data/srs/bls12-381-srs-2-11-uncompressed-zcash.bin";
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap()).join("Cargo.toml");
    let out = std::process::Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--manifest-path"])
        .arg(&manifest)
        .output()
        .expect("cargo metadata runs");
    if !out.status.success() {
        panic!("cargo metadata failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout).expect("cargo metadata prints JSON");
    let package = meta["packages"]
        .as_array()
        .and_then(|ps| ps.iter().find(|p| p["name"] == "ark-vrf"))
        .expect("ark-vrf is a dependency");
    let dir = PathBuf::from(package["manifest_path"].as_str().expect("a manifest path")).parent().unwrap().to_path_buf();
    let srs = dir.join(SRS);
    assert!(srs.is_file(), "ark-vrf's SRS is not at {}", srs.display());
    println!("cargo:rustc-env=JARKIT_RING_SRS={}", srs.display());
}
