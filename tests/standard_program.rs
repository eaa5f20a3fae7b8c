//! `jarkit run --standard`: a GP 0.7.2 standard program is laid out in the segmented memory map
//! and its output (φ₇..φ₇+φ₈ on halt) is printed.

use javm::{Code, LengthEncoding, StandardProgram};

#[test]
fn a_standard_program_echoes_its_input() {
    // `jump_ind φ0` with φ0 = 0xFFFF0000 halts at once; φ7/φ8 still point at the input.
    let code = Code::encode(&[], &[50, 0x00], &[true, false], LengthEncoding::Compact);
    let program = StandardProgram { ro_data: vec![1], rw_data: vec![2], heap_pages: 1, stack_bytes: 4096, code };
    let path = std::env::temp_dir().join(format!("jarkit-standard-{}.bin", std::process::id()));
    std::fs::write(&path, program.encode()).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_jarkit"))
        .args(["run", "--standard", "--input", "0xc0ffee"])
        .arg(&path)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(text.contains("exit: Halt"), "{text}");
    assert!(text.contains("output: 0xc0ffee"), "{text}");
    assert!(text.contains("gas used: 1"), "{text}");
    // The same on the recompiler.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_jarkit"))
        .args(["run", "--standard", "--compiler", "--input", "0xc0ffee"])
        .arg(&path)
        .output()
        .unwrap();
    let compiled = String::from_utf8_lossy(&out.stdout);
    assert_eq!(compiled, text);

    std::fs::write(&path, &program.encode()[..10]).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_jarkit")).args(["run", "--standard"]).arg(&path).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("truncated"));
}

#[test]
fn a_jar_v1_program_runs_in_the_linear_layout_with_block_gas() {
    let blob = javm::JarV1Program::encode(&[1, 2], &[3; 10], 1, 4, 2, &[], &[50, 0x00], &[true, false]);
    let path = std::env::temp_dir().join(format!("jarkit-jarv1-{}.bin", std::process::id()));
    std::fs::write(&path, &blob).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_jarkit"))
        .args(["run", "--variant", "jar080_tiny", "--input", "abcd"])
        .arg(&path)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(text.contains("exit: Halt") && text.contains("output: 0xabcd"), "{text}");
    // One block holding `jump_ind`: 22 cycles under the single-pass model, minus 3.
    assert!(text.contains("gas used: 19"), "{text}");
}

#[test]
fn jarkit_run_serves_jar080_heap_growth() {
    // Stack 1 page, heap 1 page of at most 3. `load_imm φ7, 2; ecalli 0` (grow by 2 pages);
    // `store_ind_u8 [φ7] = φ7` into the first new page; `jump_ind φ0` (halt).
    let code = [51, 0x07, 2, 10, 0, 120, 0x77, 50, 0x00];
    let starts = [true, false, false, true, false, true, false, true, false];
    let blob = javm::JarV1Program::encode(&[], &[], 1, 3, 1, &[], &code, &starts);
    let path = std::env::temp_dir().join(format!("jarkit-grow-{}.bin", std::process::id()));
    std::fs::write(&path, &blob).unwrap();
    let run = |variant: &str, engine: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_jarkit")).args(["run", "--variant", variant]).args(engine).arg(&path).output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    // The interpreter, and the recompiler (whose view of the region must follow the growth).
    for engine in [&[][..], &["--compiler"][..]] {
        let text = run("jar080_tiny", engine);
        assert!(text.contains("exit: Halt"), "{engine:?}: {text}");
        // φ7 = the first new page: stack and heap were 2 pages.
        assert!(text.contains(&format!("registers: [4294901760, 4096, 0, 0, 0, 0, 0, {}", 2 * 4096)), "{engine:?}: {text}");
        // gp072_tiny's host interface has no heap host call: the call is the guest's exit.
        let text = run("gp072_tiny", engine);
        assert!(text.contains("exit: HostCall(0)"), "{engine:?}: {text}");
    }
}

#[test]
fn inspect_recognises_every_program_format() {
    let dir = std::env::temp_dir().join(format!("jarkit-inspect-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let code = Code::encode(&[], &[0], &[true], LengthEncoding::U32);
    let e = |slot, kind, base_page, page_count, access, bytes| javm::manifest::EntrySpec { slot, kind, base_page, page_count, access, bytes };
    let manifest = javm::manifest::encode(8, 64, &[e(64, 0, 0, 0, 0, &code), e(65, 1, 0, 2, 1, &[])]);
    let standard = StandardProgram { ro_data: vec![], rw_data: vec![], heap_pages: 0, stack_bytes: 0, code: Code::encode(&[], &[0], &[true], LengthEncoding::Compact) }.encode();
    let guest = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/guests/bin/fib.polkavm")).unwrap();
    for (name, bytes, expect) in [
        ("m.bin", manifest, "JAR v2 capability manifest"),
        ("s.bin", standard, "GP standard program"),
        ("g.polkavm", guest, "PolkaVM container"),
    ] {
        let path = dir.join(name);
        std::fs::write(&path, &bytes).unwrap();
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_jarkit")).arg("inspect").arg(&path).output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success() && text.contains(expect), "{name}: {text}");
    }
    let broken = dir.join("broken.bin");
    std::fs::write(&broken, b"JAR\x02\x00").unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_jarkit")).arg("inspect").arg(&broken).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}
