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
