//! Codegen tests: fixtures (expected Rust and expected diagnostics), the golden snapshot of the
//! whole spec, regeneration after a spec edit, and robustness against mutated input.

use std::path::{Path, PathBuf};

use jarkit_codegen::{generate, generate_sources, Options, SourceFile};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn bless() -> bool {
    std::env::var_os("JARKIT_BLESS").is_some()
}

/// Compares `actual` with the file at `expected`, or rewrites it under `JARKIT_BLESS=1`.
fn check_golden(expected: &Path, actual: &str) {
    if bless() {
        std::fs::write(expected, actual).unwrap();
        return;
    }
    let want = std::fs::read_to_string(expected)
        .unwrap_or_else(|_| panic!("{} is missing; run with JARKIT_BLESS=1 to create it", expected.display()));
    assert!(want == actual, "{} differs from the generated output; review and rerun with JARKIT_BLESS=1\n--- generated ---\n{actual}", expected.display());
}

fn fixture(path: &Path) -> Vec<SourceFile> {
    let name = format!("fixtures/{}/{}", path.parent().unwrap().file_name().unwrap().to_string_lossy(), path.file_name().unwrap().to_string_lossy());
    vec![SourceFile { display: name, text: std::fs::read_to_string(path).unwrap() }]
}

fn lean_files(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).filter(|p| p.extension().is_some_and(|x| x == "lean")).collect();
    v.sort();
    v
}

#[test]
fn pass_fixtures_generate_the_expected_rust() {
    let files = lean_files(&repo().join("tests/fixtures/pass"));
    assert!(!files.is_empty());
    for f in files {
        let out = generate_sources(fixture(&f)).unwrap_or_else(|d| panic!("{}: {d}", f.display()));
        check_golden(&f.with_extension("rs"), &out.files[0].1);
    }
}

#[test]
fn fail_fixtures_report_the_expected_diagnostics() {
    let files = lean_files(&repo().join("tests/fixtures/fail"));
    assert!(files.len() >= 6);
    for f in files {
        let d = match generate_sources(fixture(&f)) {
            Ok(_) => panic!("{} should not generate", f.display()),
            Err(d) => d,
        };
        check_golden(&f.with_extension("expected"), &format!("{d}\n"));
    }
}

#[test]
fn several_errors_are_reported_at_once() {
    let d = generate_sources(fixture(&repo().join("tests/fixtures/fail/several_errors.lean"))).unwrap_err();
    assert_eq!(d.items.len(), 3, "{d}");
}

#[test]
fn golden_snapshot_of_the_whole_spec() {
    let out = generate(&Options::for_repo(&repo())).unwrap_or_else(|d| panic!("{d}"));
    check_golden(&repo().join("generated/snapshot/jar.rs"), &out.files[0].1);
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let p = e.unwrap().path();
        let dest = to.join(p.file_name().unwrap());
        if p.is_dir() {
            copy_tree(&p, &dest);
        } else {
            std::fs::copy(&p, &dest).unwrap();
        }
    }
}

fn temp_spec(tag: &str) -> (PathBuf, Options) {
    let dir = std::env::temp_dir().join(format!("jarkit-codegen-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    copy_tree(&repo().join("spec"), &dir.join("spec"));
    copy_tree(&repo().join("variants"), &dir.join("variants"));
    let opts = Options::for_repo(&dir);
    (dir, opts)
}

#[test]
fn editing_a_variant_parameter_changes_the_generated_constant() {
    let (dir, opts) = temp_spec("edit");
    let file = dir.join("variants/jar080_tiny.lean");
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.contains("params := Params.tiny"));
    std::fs::write(&file, text.replace("params := Params.tiny", "params := { Params.tiny with R_ROTATION := 7 }")).unwrap();
    let out = generate(&opts).unwrap_or_else(|d| panic!("{d}"));
    let rust = &out.files[0].1;
    let section = rust.split("impl Variant for Jar080Tiny").nth(1).unwrap();
    let section = &section[..section.find('}').unwrap()];
    assert!(section.contains("const R_ROTATION: Nat = Nat(7);"), "{section}");
    // The other tiny variant keeps the spec's value.
    let other = rust.split("impl Variant for Gp072Tiny").nth(1).unwrap();
    assert!(other[..other.find('}').unwrap()].contains("const R_ROTATION: Nat = Nat(4);"));
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn an_unsupported_construct_is_reported_at_its_position() {
    let (dir, opts) = temp_spec("unsupported");
    let file = dir.join("spec/Jar/Shuffle.lean");
    let text = std::fs::read_to_string(&file).unwrap();
    let patched = text.replace("    remaining := remaining.pop\n", "    remaining := remaining.pop\n    while false do\n      break\n");
    assert_ne!(patched, text);
    std::fs::write(&file, &patched).unwrap();
    let d = generate(&opts).unwrap_err();
    let line = patched.lines().position(|l| l.trim_start().starts_with("while")).unwrap() + 1;
    let first = &d.items[0];
    assert_eq!(d.location(first), format!("spec/Jar/Shuffle.lean:{line}:5"), "{d}");
    assert!(first.message.contains("`while` is outside the extractable Lean subset"), "{d}");
    assert!(first.hint.as_deref().unwrap_or("").contains("for i in"), "{d}");
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn a_variant_missing_a_parameter_is_an_error() {
    let (dir, opts) = temp_spec("missing");
    let file = dir.join("variants/jar1.lean");
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&file, text.replace("  gasModel := .basicBlockSinglePass\n", "")).unwrap();
    let d = generate(&opts).unwrap_err();
    assert!(d.to_string().contains("variant `jar1`: missing field `gasModel` of `JarVariant`"), "{d}");
    assert!(d.to_string().contains("variants/jar1.lean:"), "{d}");
    std::fs::remove_dir_all(dir).ok();
}

mod robustness {
    use super::*;
    use proptest::prelude::*;

    fn spec_text() -> String {
        ["spec/Jar/Shuffle.lean", "spec/Jar/Params.lean", "variants/jar1.lean", "spec/Jar/Types.lean"]
            .iter()
            .map(|p| std::fs::read_to_string(repo().join(p)).unwrap())
            .collect::<Vec<_>>()
            .join("\n")
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

        /// Codegen returns output or diagnostics for any mutation of real spec text; it never panics.
        #[test]
        fn mutated_spec_text_never_panics(cut in 0usize..20_000, len in 0usize..40, insert in "[ -~\n\t⟨⟩→αλ]{0,12}") {
            let text = spec_text();
            let mut start = cut % text.len().max(1);
            while !text.is_char_boundary(start) { start -= 1; }
            let mut end = (start + len).min(text.len());
            while !text.is_char_boundary(end) { end -= 1; }
            let mutated = format!("{}{}{}", &text[..start], insert, &text[end..]);
            let files = vec![SourceFile { display: "mutated.lean".into(), text: mutated }];
            let _ = generate_sources(files);
        }
    }
}

/// Hostile sizes: nesting and operator chains past the limits are diagnostics (never a stack
/// overflow), a chain just under the limit generates, and an error on a multi-megabyte line
/// prints a window of it, not the line.
#[test]
fn oversized_expressions_are_diagnostics_not_crashes() {
    let source = |body: String| vec![SourceFile { display: "big.lean".into(), text: format!("namespace Big\n\ndef f (x : Nat) : Nat := {body}\n\nend Big\n") }];
    let deep = format!("{}x{}", "(".repeat(700), ")".repeat(700));
    let d = generate_sources(source(deep)).unwrap_err();
    assert!(d.to_string().contains("nest more than"), "{d}");
    let long = vec!["x"; 5000].join(" + ");
    let d = generate_sources(source(long)).unwrap_err();
    assert!(d.to_string().contains("operators"), "{d}");
    let under = vec!["x"; jarkit_codegen::syntax::MAX_OPERATORS].join(" + ");
    assert!(generate_sources(source(under)).is_ok());
    // A chain of 60 dot-notation calls: the receiver is lowered once per level (it used to be
    // lowered twice, 2^60 work; 22 levels took over a minute).
    let methods = vec![SourceFile {
        display: "methods.lean".into(),
        text: format!(
            "namespace M\n\nstructure Cell where\n  v : Nat\n  deriving BEq, Repr, Inhabited\n\ndef Cell.next (c : Cell) : Cell := {{ c with v := c.v + 1 }}\n\ndef f (s : Cell) : Cell := s{}\n\nend M\n",
            ".next".repeat(60)
        ),
    }];
    assert!(generate_sources(methods).is_ok());
    let huge = format!("{} + ) + x", vec!["x"; 200_000].join(" + "));
    let d = generate_sources(source(huge)).unwrap_err().to_string();
    assert!(d.contains("unexpected `)`"), "{}", &d[..d.len().min(500)]);
    assert!(d.lines().all(|l| l.chars().count() < 300), "a diagnostic line is not windowed");
    // The inputs: a 50-term chain generates; 10^5 nested parentheses and a 10 MB
    // expression are diagnostics (the file-size limit is checked before anything is parsed).
    assert!(generate_sources(source(vec!["x"; 50].join(" + "))).is_ok());
    let d = generate_sources(source(format!("{}x{}", "(".repeat(100_000), ")".repeat(100_000)))).unwrap_err();
    assert!(d.to_string().contains("nest more than"), "{d}");
    // Typing: an `if`, a `match` or an Option method as an operand, nested as deep as
    // brackets may go. Each level's type comes from typing its parts once (it was a quiet
    // lowering of the whole subtree, per level).
    let nested = |level: &dyn Fn(String, usize) -> String| (1..=95).fold("x".to_string(), |inner, k| level(inner, k));
    for body in [
        nested(&|inner, k| format!("(if x == {k} then {inner} + 1 else x)")),
        nested(&|inner, _| format!("(match x with | 0 => {inner} + 1 | _ => x)")),
        nested(&|inner, _| format!("(some ({inner} + 1)).getD x")),
    ] {
        assert!(generate_sources(source(body)).is_ok());
    }
    let d = generate_sources(source(vec!["x"; 2_500_000].join(" + "))).unwrap_err().to_string();
    assert!(d.contains("codegen reads Lean files of at most 1048576 bytes"), "{}", &d[..d.len().min(500)]);
}
