//! A short run of every fuzz target (the long runs are `jarkit fuzz TARGET --cases N`).

#[test]
fn no_parser_panics_on_arbitrary_or_mutated_input() {
    for target in jarkit::fuzz::TARGETS {
        let s = jarkit::fuzz::run(target, 1500, 3).unwrap();
        if let Some((bytes, why)) = s.finding {
            panic!("{target} panicked on {bytes:02x?}: {why}");
        }
    }
    assert!(jarkit::fuzz::run("nope", 1, 0).is_err());
}

/// `jarkit fuzz` runs every batch in a worker process: a panic, an abort, a stack overflow and
/// a hang (planted with `JARKIT_FUZZ_PLANT`, on inputs holding the byte AB) are each reported
/// as a finding, shrunk to that one byte, saved in the corpus directory and replayable.
#[test]
fn crashes_and_hangs_are_findings_shrunk_and_saved() {
    let corpus = std::env::temp_dir().join(format!("jarkit-fuzz-corpus-{}", std::process::id()));
    for (plant, says) in [("panic", "panic: planted panic"), ("abort", "crash: the worker died (signal 6"), ("overflow", "crash: the worker died (signal 6"), ("hang", "hang: no end within 0.5 s")] {
        let _ = std::fs::remove_dir_all(&corpus);
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_jarkit"))
            .args(["fuzz", "codec", "--cases", "3000", "--case-timeout", "0.5", "--corpus"])
            .arg(&corpus)
            .env("JARKIT_FUZZ_PLANT", plant)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(1), "{plant}: {text}");
        assert!(text.contains(says) && text.contains("on 1 bytes (shrunk) [ab]"), "{plant}: {text}");
        let saved: Vec<_> = std::fs::read_dir(corpus.join("codec")).unwrap().filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.extension().is_some_and(|x| x == "bin")).collect();
        assert_eq!(saved.len(), 1, "{plant}: {saved:?}");
        assert_eq!(std::fs::read(&saved[0]).unwrap(), [0xAB]);
    }
    // Without the plant the saved input passes, and it is mutated as a seed of the next run.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_jarkit")).args(["fuzz", "codec", "--cases", "200", "--corpus"]).arg(&corpus).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
    let saved = std::fs::read_dir(corpus.join("codec")).unwrap().next().unwrap().unwrap().path();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_jarkit")).args(["fuzz", "codec", "--replay"]).arg(&saved).output().unwrap();
    assert!(out.status.success() && String::from_utf8_lossy(&out.stdout).contains("1 bytes pass"));
    let _ = std::fs::remove_dir_all(&corpus);
}

/// A hang that a fresh worker does not repeat (a starved or stopped worker, say) is reported as
/// not counted, and the run goes on to its end with no finding.
#[test]
fn a_hang_that_does_not_repeat_is_not_a_finding() {
    let dir = std::env::temp_dir().join(format!("jarkit-fuzz-once-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_jarkit"))
        .args(["fuzz", "codec", "--cases", "2000", "--case-timeout", "0.5", "--corpus"])
        .arg(dir.join("corpus"))
        .env("JARKIT_FUZZ_PLANT", "hang-once")
        .env("JARKIT_FUZZ_PLANT_ONCE", dir.join("marker"))
        .output()
        .unwrap();
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{stdout}{stderr}");
    assert!(stdout.contains("0 findings") && stderr.contains("not counted: hang"), "{stdout}{stderr}");
    let _ = std::fs::remove_dir_all(&dir);
}
