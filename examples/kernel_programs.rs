//! Writes jar1's example programs as manifests into a directory (`guests/build.sh` runs it into
//! `guests/bin/jar1/`, so each can be run with `jarkit run FILE.jar`): the JAVM-code programs of
//! `src/kernel/programs.rs`, the frame-feeding program of `src/kernel/feed.rs` (its renderer is
//! `guests/src/frame_inner.c`), and each benchmark guest transpiled to a manifest.
//! `cargo run --release --example kernel_programs -- DIR`.

fn main() {
    let dir = std::path::PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| "guests/bin/jar1".into()));
    std::fs::create_dir_all(&dir).expect("the output directory can be made");
    use jarkit::kernel::{feed, programs};
    let mut out: Vec<(String, Vec<u8>)> = vec![
        ("fib_vms.jar".into(), programs::fib_vms(10)),
        ("round_trips.jar".into(), programs::round_trips(1000)),
        ("gas_ceiling.jar".into(), programs::gas_ceiling(10_000)),
        ("checkpoint.jar".into(), programs::checkpoint()),
        ("policy_wrapper.jar".into(), programs::wrapped(5)),
        ("frame_feeding.jar".into(), feed::manifest().expect("the frame-feeding manifest builds")),
    ];
    for g in jarkit_bench::GUESTS.iter().filter(|g| g.name != "hostcall") {
        let t = jarkit::transpile::polkavm_to_manifest(g.blob, Some("run")).expect("every guest transpiles");
        out.push((format!("{}.jar", g.name), t.manifest));
    }
    for (name, bytes) in out {
        let path = dir.join(&name);
        std::fs::write(&path, bytes).expect("the manifest can be written");
        println!("{}", path.display());
    }
}
