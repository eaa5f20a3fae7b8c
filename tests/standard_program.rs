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
    assert!(text.contains("exit: halt"), "{text}");
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
    assert!(text.contains("exit: halt") && text.contains("output: 0xabcd"), "{text}");
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
        assert!(text.contains("exit: halt"), "{engine:?}: {text}");
        // φ7 = the first new page: stack and heap were 2 pages.
        assert!(text.contains(&format!("registers: [4294901760, 4096, 0, 0, 0, 0, 0, {}", 2 * 4096)), "{engine:?}: {text}");
    }
    // A JAR v1 program is jar080's format: a GP variant refuses it and names the one that takes it.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_jarkit")).args(["run", "--variant", "gp072_tiny"]).arg(&path).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("variant gp072_tiny takes GP standard program blobs") && err.contains("jar080_tiny"), "{err}");
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

/// The spec's standard-program loader (`spec/Jar/JAVM/Standard.lean`, GP A.7) against javm's:
/// the same blobs parse (or fail) alike, and the machine each lays out has the same registers,
/// the same mapped pages with the same access, the same contents and the same heap top, for
/// random layouts and arguments, and for every benchmark guest's sections.
mod spec_loader {
    use javm::StandardProgram;
    use jarkit_spec::jar;
    use jarkit_spec::prelude::{ByteArray, Nat};
    use proptest::prelude::*;

    type Canonical = (Vec<u64>, Vec<(u64, bool)>, Vec<(u64, Vec<u8>)>, Option<u64>, u64);

    fn canonical(m: &jar::Memory, regs: &[u64]) -> Canonical {
        let mut mapped = Vec::new();
        for r in &m.regions {
            for k in 0..r.count.0 {
                mapped.push((r.first.0 + k, r.writable));
            }
        }
        mapped.sort();
        let mut pages: Vec<(u64, Vec<u8>)> = m.pages.iter().filter(|p| p.data.0.iter().any(|&b| b != 0)).map(|p| (p.index.0, p.data.0.to_vec())).collect();
        pages.sort();
        (regs.to_vec(), mapped, pages, m.heap_top.as_ref().map(|t| t.0), m.guard.0)
    }

    fn check(program: &StandardProgram, args: &[u8]) -> Result<(), TestCaseError> {
        let blob = program.encode();
        let spec = jar::parse_standard(&ByteArray::new(blob.clone()));
        let fast = StandardProgram::parse(&blob);
        prop_assert_eq!(spec.is_some(), fast.is_ok());
        let Some(spec) = spec else { return Ok(()) };
        prop_assert_eq!(&*spec.code.0, &program.code);
        let machine = jar::standard_machine(&spec, &ByteArray::new(args.to_vec()), Nat(0), Nat(100));
        let instance = program.instantiate(args);
        prop_assert_eq!(machine.is_some(), instance.is_ok());
        if let (Some(m), Ok(i)) = (machine, instance) {
            let fast = jarkit::seam::spec_memory(&i.memory);
            prop_assert_eq!(canonical(&m.memory, &m.regs), canonical(&fast, &i.regs));
        }
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

        #[test]
        fn the_spec_lays_out_standard_programs_as_javm_does(
            ro in proptest::collection::vec(any::<u8>(), 0..9000),
            rw in proptest::collection::vec(any::<u8>(), 0..9000),
            heap_pages in 0u16..40,
            stack_bytes in 0u32..70000,
            args in proptest::collection::vec(any::<u8>(), 0..5000),
        ) {
            let code = javm::Code::encode(&[], &[0], &[true], javm::LengthEncoding::Compact);
            check(&StandardProgram { ro_data: ro, rw_data: rw, heap_pages, stack_bytes, code }, &args)?;
        }

        /// Truncated or extended blobs: the spec and javm agree on which parse.
        #[test]
        fn the_spec_and_javm_reject_the_same_blobs(cut in 0usize..40, extra in proptest::collection::vec(any::<u8>(), 0..3)) {
            let code = javm::Code::encode(&[], &[0], &[true], javm::LengthEncoding::Compact);
            let mut blob = StandardProgram { ro_data: vec![1; 7], rw_data: vec![2; 5], heap_pages: 1, stack_bytes: 10, code }.encode();
            blob.truncate(blob.len().saturating_sub(cut));
            blob.extend(extra);
            prop_assert_eq!(jar::parse_standard(&ByteArray::new(blob.clone())).is_some(), StandardProgram::parse(&blob).is_ok());
        }
    }

    #[test]
    fn every_guest_lays_out_alike() {
        for g in jarkit_bench::GUESTS {
            let p = javm::PolkaVmBlob::parse(g.blob).unwrap();
            let program = StandardProgram { ro_data: p.ro_data, rw_data: p.rw_data, heap_pages: 4, stack_bytes: 65536, code: p.code };
            check(&program, b"arguments").unwrap();
        }
    }

    /// A service's code preimage: the metadata, then the program.
    #[test]
    fn service_code_preimages_split_into_metadata_and_program() {
        let code = javm::Code::encode(&[], &[0], &[true], javm::LengthEncoding::Compact);
        let program = StandardProgram { ro_data: vec![9], rw_data: vec![], heap_pages: 0, stack_bytes: 4096, code }.encode();
        let blob = [vec![3, b'a', b'b', b'c'], program.clone()].concat();
        let (meta, parsed) = jar::parse_service_code(&ByteArray::new(blob.clone())).unwrap();
        assert_eq!(meta.0.as_slice(), b"abc");
        assert_eq!(*parsed.ro_data.0, vec![9]);
        assert_eq!(javm::StandardProgram::parse_with_metadata(&blob).unwrap().0, b"abc");
        assert!(jar::parse_service_code(&ByteArray::new(vec![9, 1, 2])).is_none());
    }
}
