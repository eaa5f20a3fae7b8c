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
