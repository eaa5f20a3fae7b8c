//! The command line as a user meets it: `run`'s exit codes, `--reg`/`--mem`, `--json` and
//! `--trace` on every format, formats refused with the same reason everywhere, innermost JSON
//! error paths, closed pipes, the variants table and codegen's summary.

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use javm::{Code, LengthEncoding, StandardProgram};

fn jarkit() -> Command {
    Command::new(env!("CARGO_BIN_EXE_jarkit"))
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A scratch directory of this test process.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("jarkit-cli-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A GP code blob (compact lengths) of `code`, every byte in `starts` an instruction start.
fn code_blob(dir: &std::path::Path, name: &str, code: &[u8], starts: &[bool]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, Code::encode(&[], code, starts, LengthEncoding::Compact)).unwrap();
    path
}

const HALT: &str = "0=0xffff0000";

#[test]
fn run_exits_with_a_code_per_outcome() {
    let dir = scratch("codes");
    // `store_ind_u8 [φ7 + 0] = φ7; jump_ind φ0`.
    let store = code_blob(&dir, "store.blob", &[120, 0x77, 50, 0x00], &[true, false, true, false]);
    let trap = code_blob(&dir, "trap.blob", &[0], &[true]);
    let ecalli = code_blob(&dir, "ecalli.blob", &[10, 3], &[true, false]);
    let cases: [(&PathBuf, &[&str], i32, &str); 7] = [
        // --mem maps the page the store writes; --reg points φ0 at the halt address.
        (&store, &["--reg", HALT, "--reg", "7=0x20000", "--mem", "0x20000=00"], 0, "halt"),
        (&trap, &[], 10, "trap"),
        // Below the guard zone (64 KiB).
        (&store, &["--reg", HALT, "--reg", "r7=256"], 11, "panic"),
        (&store, &["--reg", HALT, "--gas", "1", "--reg", "7=0x20000", "--mem", "0x20000=00"], 12, "out of gas"),
        (&store, &["--reg", HALT, "--reg", "7=0x20000"], 13, "page fault at 0x20000"),
        (&ecalli, &[], 14, "host call 3"),
        (&ecalli, &["--compiler"], 14, "host call 3"),
    ];
    for (path, extra, code, says) in cases {
        let o = jarkit().arg("run").arg(path).args(extra).output().unwrap();
        assert_eq!(o.status.code(), Some(code), "{extra:?}: {}{}", stdout(&o), stderr(&o));
        assert!(stdout(&o).contains(&format!("exit: {says}")), "{extra:?}: {}", stdout(&o));
        // The same end as JSON, and the same end traced through the spec.
        let o = jarkit().arg("run").arg(path).args(extra).arg("--json").output().unwrap();
        assert_eq!(o.status.code(), Some(code));
        let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
        assert_eq!(v["exit_code"], code, "{v}");
        assert_eq!(v["format"], "code blob");
        if !extra.contains(&"--compiler") {
            let o = jarkit().arg("run").arg(path).args(extra).arg("--trace").output().unwrap();
            assert_eq!(o.status.code(), Some(code), "{}", stdout(&o));
            assert!(stdout(&o).contains(&format!("exit: {says}")), "{}", stdout(&o));
        }
    }
    // The stored byte is in the registers' account: φ7 kept, and the store ran.
    let o = jarkit().arg("run").arg(&store).args(["--reg", HALT, "--reg", "7=0x20000", "--mem", "0x20000=00", "--json"]).output().unwrap();
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["registers"][7], 0x20000);
    assert_eq!(v["gas_used"], 2);
    // Bad --reg and --mem values are errors (2) with the expected form.
    for bad in [&["--reg", "13=1"][..], &["--reg", "7"], &["--mem", "0x20000=zz"], &["--mem", "0xffffffff=0000"]] {
        let o = jarkit().arg("run").arg(&store).args(bad).output().unwrap();
        assert_eq!(o.status.code(), Some(2), "{bad:?}");
        assert!(stderr(&o).contains("expected"), "{bad:?}: {}", stderr(&o));
    }
    // The help documents the codes.
    let o = jarkit().args(["run", "--help"]).output().unwrap();
    assert!(stdout(&o).contains("12 out of gas"), "{}", stdout(&o));
}

#[test]
fn trace_and_json_work_for_standard_programs_jar_v1_and_jar_v2() {
    let dir = scratch("formats");
    // A standard program that halts at once with its input as output.
    let code = Code::encode(&[], &[50, 0x00], &[true, false], LengthEncoding::Compact);
    let standard = dir.join("s.bin");
    std::fs::write(&standard, StandardProgram { ro_data: vec![1], rw_data: vec![2], heap_pages: 1, stack_bytes: 4096, code }.encode()).unwrap();
    let o = jarkit().args(["run", "--standard", "--trace", "--input", "c0ffee"]).arg(&standard).output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("jump_ind") && stdout(&o).contains("exit: halt"), "{}", stdout(&o));
    let o = jarkit().args(["run", "--standard", "--json", "--input", "c0ffee"]).arg(&standard).output().unwrap();
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["output"], "0xc0ffee");
    assert_eq!(v["variant"], "gp072_tiny");

    // A JAR v1 program: no --variant needed (its format names jar080), traced in the linear layout.
    let v1 = dir.join("v1.bin");
    std::fs::write(&v1, javm::JarV1Program::encode(&[1, 2], &[3; 10], 1, 4, 2, &[], &[50, 0x00], &[true, false])).unwrap();
    let o = jarkit().args(["run", "--trace", "--input", "abcd"]).arg(&v1).output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("jump_ind") && stdout(&o).contains("gas used: 19"), "{}", stdout(&o));
    let o = jarkit().args(["run", "--json", "--input", "abcd"]).arg(&v1).output().unwrap();
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!((v["variant"].as_str(), v["output"].as_str(), v["gas_used"].as_u64()), (Some("jar080_tiny"), Some("0xabcd"), Some(19)));

    // A JAR v2 manifest whose root VM halts: traced through the spec's kernel, and as JSON.
    let root = Code::encode(&[], &[51, 0x07, 42, 10, 0], &[true, false, false, true, false], LengthEncoding::U32);
    let e = |slot, kind, base_page, page_count, access, bytes| javm::manifest::EntrySpec { slot, kind, base_page, page_count, access, bytes };
    let manifest = dir.join("m.jar");
    std::fs::write(&manifest, javm::manifest::encode(8, 64, &[e(64, 0, 0, 0, 0, &root)])).unwrap();
    let o = jarkit().args(["run", "--trace"]).arg(&manifest).output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("-- a VM runs") && stdout(&o).contains("load_imm") && stdout(&o).contains("exit: halt, φ7 = 0x2a"), "{}", stdout(&o));
    let o = jarkit().args(["run", "--json"]).arg(&manifest).output().unwrap();
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["exit"]["kind"], "halt", "{v}");
    assert_eq!(v["registers"][7], 42, "{v}");
    assert_eq!(v["vms"].as_array().map(Vec::len), Some(1), "{v}");
    // --reg and --mem do not apply to a manifest, --args only to .polkavm files.
    for extra in [&["--reg", "7=1"][..], &["--args", "1"]] {
        let o = jarkit().arg("run").arg(&manifest).args(extra).output().unwrap();
        assert_eq!(o.status.code(), Some(2), "{extra:?}");
    }
}

#[test]
fn formats_are_detected_before_parsing_and_refused_alike() {
    let dir = scratch("detect");
    let e = |slot, kind, base_page, page_count, access, bytes| javm::manifest::EntrySpec { slot, kind, base_page, page_count, access, bytes };
    let code = Code::encode(&[], &[0], &[true], LengthEncoding::U32);
    let manifest = dir.join("m.jar");
    std::fs::write(&manifest, javm::manifest::encode(8, 64, &[e(64, 0, 0, 0, 0, &code)])).unwrap();
    // A manifest is never parsed as a standard program or a code blob.
    let o = jarkit().args(["run", "--standard"]).arg(&manifest).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("this is a JAR v2 capability manifest, not a GP standard program"), "{}", stderr(&o));
    // Nor run under a variant without the kernel.
    let o = jarkit().args(["run", "--variant", "gp072_tiny"]).arg(&manifest).output().unwrap();
    assert!(stderr(&o).contains("the variants that run it: jar1"), "{}", stderr(&o));
    // A file that is neither GP format: `run --standard` and `inspect` give the same reason.
    let junk = dir.join("junk.bin");
    std::fs::write(&junk, [0x41, 0x05, 0x00]).unwrap();
    let run = jarkit().args(["run", "--standard"]).arg(&junk).output().unwrap();
    let inspect = jarkit().arg("inspect").arg(&junk).output().unwrap();
    assert_eq!((run.status.code(), inspect.status.code()), (Some(2), Some(2)));
    let reason = stderr(&run).split("not a GP standard program: ").nth(1).map(str::trim).unwrap_or_default().to_string();
    assert!(!reason.is_empty(), "{}", stderr(&run));
    assert!(stderr(&inspect).contains(&format!("as a GP standard program: {reason}")), "{}\n{}", stderr(&run), stderr(&inspect));
    // A .polkavm container takes no variant: it runs under PolkaVM's rules.
    let guest = concat!(env!("CARGO_MANIFEST_DIR"), "/guests/bin/fib.polkavm");
    let o = jarkit().args(["run", "--variant", "jar1", guest]).output().unwrap();
    assert!(o.status.code() == Some(2) && stderr(&o).contains("PolkaVM's rules"), "{}", stderr(&o));
}

#[test]
fn json_errors_name_the_innermost_path() {
    let dir = scratch("json");
    // A header whose parent hash is one byte.
    let header = dir.join("header.json");
    std::fs::write(&header, r#"{"parent": "0x12"}"#).unwrap();
    let o = jarkit().args(["encode", "Header"]).arg(&header).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("`parent`"), "{}", stderr(&o));
    // Deep inside a work report.
    let report = dir.join("report.json");
    std::fs::write(&report, r#"{"package_spec": {"hash": "0x12"}}"#).unwrap();
    let o = jarkit().args(["encode", "WorkReport"]).arg(&report).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("`package_spec.hash`: expected 32 bytes"), "{}", stderr(&o));
    // Inside a sub-transition's input, past an array index.
    if let Some(root) = jarkit::vectors::vectors_for_test() {
        let vectors = jarkit::vectors::json_files(&root.join("gp072/stf/reports/tiny")).unwrap();
        let with_guarantee = vectors.iter().find_map(|p| {
            let v = jarkit::vectors::read_json(p).ok()?;
            (!v["input"]["guarantees"].as_array()?.is_empty()).then_some(v)
        });
        let mut case = with_guarantee.expect("a reports vector with a guarantee");
        case["input"]["guarantees"][0]["report"]["package_spec"]["hash"] = serde_json::json!("0x12");
        let file = dir.join("reports.json");
        std::fs::write(&file, case.to_string()).unwrap();
        let o = jarkit().args(["stf", "reports"]).arg(&file).output().unwrap();
        assert_eq!(o.status.code(), Some(2));
        assert!(stderr(&o).contains("`input.guarantees[0].report.package_spec.hash`: expected 32 bytes"), "{}", stderr(&o));
    }
}

/// A pipe whose reader has already gone.
fn closed_pipe() -> Stdio {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    writer.into()
}

#[test]
fn a_closed_stdout_or_stderr_ends_quietly() {
    let o = jarkit().arg("variants").stdout(closed_pipe()).stderr(Stdio::piped()).output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(o.stderr.is_empty(), "{}", stderr(&o));
    // An error with nowhere to report it still exits 2, not 101.
    let o = jarkit().args(["run", "/nonexistent/x.blob"]).stderr(closed_pipe()).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    let o = jarkit().args(["gen", "--stdout"]).stdout(closed_pipe()).output().unwrap();
    assert_eq!(o.status.code(), Some(0));
}

#[test]
fn variants_and_gen_tell_a_newcomer_what_there_is() {
    let o = jarkit().arg("variants").output().unwrap();
    let text = stdout(&o);
    let header = text.lines().find(|l| l.contains("parameter")).unwrap_or_default();
    for column in ["gp072_full", "gp072_tiny", "jar080_tiny", "jar1", "unit", "meaning"] {
        assert!(header.contains(column), "{header}");
    }
    // V differs between variants, H does not; rows carry their unit and meaning.
    let row = |name: &str| text.lines().find(|l| l.get(1..).is_some_and(|rest| rest.trim_start().starts_with(&format!("{name} ")))).unwrap_or_default().to_string();
    assert!(row("V").starts_with('*') && row("V").contains("validators"), "{}", row("V"));
    assert!(row("H_RECENT").starts_with(' ') && row("H_RECENT").contains("recent blocks"), "{}", row("H_RECENT"));
    assert!(text.contains("next:") && text.contains("jarkit vectors"), "{text}");

    // `gen` summarises instead of printing thousands of lines; it works from any directory.
    let o = jarkit().arg("gen").current_dir(std::env::temp_dir()).output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(text.lines().count() < 20 && text.contains("functions") && text.contains("built-in spec"), "{text}");
    let o = jarkit().args(["gen", "--stdout"]).output().unwrap();
    assert!(stdout(&o).lines().count() > 5000);
}

#[test]
fn crosscheck_and_vectors_speak_json() {
    let o = jarkit().args(["crosscheck", "--cases", "20", "--json"]).output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!((v["cases"].as_u64(), v["divergences"].as_u64()), (Some(20), Some(0)), "{v}");
    let o = jarkit().args(["crosscheck", "--variant", "jar1", "--kernel", "--cases", "5", "--json"]).output().unwrap();
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["checked"], "jar1 kernel", "{v}");

    let dir = scratch("vectors");
    let empty = dir.join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    // An empty directory is an error, never a pass.
    let o = jarkit().args(["vectors", "--json", "codec"]).arg(&empty).output().unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", stdout(&o));
    if let Some(root) = jarkit::vectors::vectors_for_test() {
        let o = jarkit().args(["vectors", "--json", "shuffle"]).arg(root.join("gp072/shuffle")).output().unwrap();
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
        assert!(v["passed"].as_u64() > Some(0) && v["failed"] == 0, "{v}");
        assert_eq!(v["cases"][0]["result"], "passed");
    }
}

#[test]
fn bench_speaks_json() {
    let o = jarkit().args(["bench", "--guest", "fib", "--seconds", "0.02", "--interpreters-only", "--json"]).output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let g = &v["guests"][0];
    assert_eq!(g["guest"], "fib");
    assert!(g["results"][0]["execute_ms"]["median"].as_f64().is_some(), "{v}");
    assert!(g["ratios"]["interpreter_execute"].as_f64().is_some(), "{v}");
}
