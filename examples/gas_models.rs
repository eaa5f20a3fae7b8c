//! Compares the spec's single-pass block costs with the costs the polkavm-spectool vectors list.
use jarkit_spec::jar;
use jarkit_spec::prelude::ByteArray;

fn main() {
    let root = jarkit::vectors::vectors_root().expect("vectors");
    let (mut same, mut total, mut cases_all_same, mut cases) = (0, 0, 0, 0);
    let mut examples = Vec::new();
    for path in jarkit::vectors::json_files(&root.join("polkavm-spectool/programs")).unwrap() {
        let v = jarkit::vectors::read_json(&path).unwrap();
        let program: Vec<u8> = serde_json::from_value(v["program"].clone()).unwrap();
        let listed: Vec<(u64, u64)> = v["block-gas-costs"].as_array().unwrap().iter().map(|c| (c["pc"].as_u64().unwrap(), c["cost"].as_u64().unwrap())).collect();
        let p = jar::parse_program(&ByteArray(program), jar::Numbering::JamV1, false).unwrap();
        let ours: std::collections::HashMap<u64, u64> = jar::block_costs_single_pass(&p).into_iter().map(|(a, b)| (a.0, b.0)).collect();
        cases += 1;
        let mut all = true;
        for (pc, cost) in listed {
            total += 1;
            let o = ours.get(&pc).copied().unwrap_or(0);
            if o == cost { same += 1 } else { all = false; if examples.len() < 15 { examples.push(format!("{} pc {pc}: listed {cost}, single-pass {o}", path.file_stem().unwrap().to_string_lossy())); } }
        }
        cases_all_same += all as u32;
    }
    println!("blocks: {same}/{total} equal; cases with every block equal: {cases_all_same}/{cases}");
    for e in examples { println!("  {e}"); }
}
