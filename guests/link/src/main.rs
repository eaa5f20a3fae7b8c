//! `jarkit-guest-link IN.elf OUT.polkavm`: link a guest ELF into a PolkaVM program blob for the
//! JamV1 instruction set (the GP's numbering, which both jarkit and PolkaVM run).

use polkavm_linker::{program_from_elf, Config, TargetInstructionSet};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, input, output] = args.as_slice() else {
        eprintln!("usage: jarkit-guest-link IN.elf OUT.polkavm");
        std::process::exit(2);
    };
    let elf = std::fs::read(input).unwrap_or_else(|e| {
        eprintln!("{input}: {e}");
        std::process::exit(2)
    });
    let mut config = Config::default();
    config.set_strip(true);
    match program_from_elf(config, TargetInstructionSet::JamV1, &elf) {
        Ok(blob) => std::fs::write(output, blob).unwrap_or_else(|e| {
            eprintln!("{output}: {e}");
            std::process::exit(2)
        }),
        Err(e) => {
            eprintln!("{input}: {e}");
            std::process::exit(1);
        }
    }
}
