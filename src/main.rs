use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let dir = std::env::args().nth(1).map(PathBuf::from).unwrap();
    let report = jarkit::vectors::pvm::run_dir(&dir, &Default::default()).unwrap();
    print!("{}", report.render());
    ExitCode::SUCCESS
}
