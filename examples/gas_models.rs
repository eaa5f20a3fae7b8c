//! Compares the spec's block-cost models with the costs the polkavm-spectool vectors list:
//! the full pipeline model (which the vectors use) and the single-pass model (JAR's consensus
//! approximation).
use jarkit_spec::jar;
use jarkit_spec::prelude::{ByteArray, Nat};

fn main() {
    let root = jarkit::vectors::vectors_root().expect("vectors");
    type Model = fn(&jar::Program, Nat) -> Nat;
    let models: [(&str, Model); 2] = [("full pipeline", jar::block_cost_pipeline), ("single-pass", jar::block_cost_single_pass)];
    for (name, model) in models {
        let (mut same, mut total, mut cases_all_same, mut cases) = (0, 0, 0, 0);
        let mut examples = Vec::new();
        for path in jarkit::vectors::json_files(&root.join("polkavm-spectool/programs")).unwrap() {
            let v = jarkit::vectors::read_json(&path).unwrap();
            let program: Vec<u8> = serde_json::from_value(v["program"].clone()).unwrap();
            let p = jar::parse_program(&ByteArray::new(program), jar::Numbering::JamV1, false).unwrap();
            cases += 1;
            let mut all = true;
            for c in v["block-gas-costs"].as_array().unwrap() {
                let (pc, cost) = (c["pc"].as_u64().unwrap(), c["cost"].as_u64().unwrap());
                total += 1;
                let ours = model(&p, Nat(pc)).0;
                if ours == cost {
                    same += 1
                } else {
                    all = false;
                    if examples.len() < 15 {
                        examples.push(format!("{} pc {pc}: listed {cost}, {name} {ours}", path.file_stem().unwrap().to_string_lossy()));
                    }
                }
            }
            cases_all_same += all as u32;
        }
        println!("{name}: blocks {same}/{total} equal; cases with every block equal: {cases_all_same}/{cases}");
        for e in examples {
            println!("  {e}");
        }
    }
}
