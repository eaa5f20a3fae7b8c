//! Fuzzing every parser that reads untrusted input, with a case budget the user chooses
//! (`jarkit fuzz TARGET --cases N`): cargo-fuzz needs a nightly toolchain, so this drives
//! proptest's generators instead, from random bytes and from mutations of valid inputs. A panic
//! anywhere is a finding; hangs are excluded by gas and fuel limits.
//!
//! Targets: `code` (code blobs, decoded and run), `compiler` (code blobs compiled and run on
//! the recompiler, which must end exactly as the interpreter does), `standard` (GP standard programs, laid out
//! and run), `jarv1` (JAR v1 blobs, laid out linearly and run), `manifest` (JAR v2 capability
//! manifests, validated), `polkavm` (program containers, imported and
//! run), `codec` (JAM codec bytes as every spec type), `reference` (code blobs on the reference
//! executor), `lean` (mutated spec text through codegen), `stf` (mutated state-transition
//! vectors through `jarkit stf`'s interface), `trace` (mutated block-trace steps: the step
//! decoded, its pre-state typed, its block imported), `target` (mutated fuzzer-protocol messages
//! answered by the target on a chain started from a trace's genesis).

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

use proptest::prelude::*;


/// Every fuzz target by name.
pub const TARGETS: [&str; 13] = ["code", "compiler", "standard", "jarv1", "manifest", "polkavm", "codec", "reference", "lean", "stf", "accumulate", "trace", "target"];

/// Valid inputs to mutate, per target.
fn seeds(target: &str) -> Vec<Vec<u8>> {
    let guests: Vec<Vec<u8>> = jarkit_bench::GUESTS.iter().map(|g| g.blob.to_vec()).collect();
    match target {
        "polkavm" => guests,
        "jarv1" => guests
            .iter()
            .filter_map(|b| javm::PolkaVmBlob::parse(b).ok())
            .filter_map(|p| javm::Code::parse(&p.code, javm::LengthEncoding::Compact, javm::Numbering::PolkaVm, javm::BlockRules::GP).ok().map(|c| (p, c)))
            .map(|(p, c)| javm::JarV1Program::encode(&p.ro_data, &p.rw_data, 1, 2, 2, &c.jump_table, &c.code, &c.starts))
            .collect(),
        "manifest" => {
            use crate::kernel::programs;
            let mut seeds = vec![programs::checkpoint(), programs::fib_vms(6), programs::round_trips(10), programs::wrapped(5), programs::gas_ceiling(1000)];
            seeds.extend(guests
            .iter()
            .filter_map(|b| javm::PolkaVmBlob::parse(b).ok())
            .filter_map(|p| javm::Code::parse(&p.code, javm::LengthEncoding::Compact, javm::Numbering::PolkaVm, javm::BlockRules::GP).ok().map(|c| (p, c)))
            .map(|(p, c)| {
                let code = javm::Code::encode(&c.jump_table, &c.code, &c.starts, javm::LengthEncoding::U32);
                let e = |slot, kind, base_page, page_count, access, bytes| javm::manifest::EntrySpec { slot, kind, base_page, page_count, access, bytes };
                javm::manifest::encode(16, 64, &[e(64, 0, 0, 0, 0, &code), e(65, 1, 0, 2, 1, &[]), e(66, 1, 2, 4, 0, &p.ro_data)])
            }));
            seeds
        }
        "standard" => guests
            .iter()
            .filter_map(|b| javm::PolkaVmBlob::parse(b).ok())
            .map(|p| javm::StandardProgram { ro_data: p.ro_data, rw_data: p.rw_data, heap_pages: 1, stack_bytes: 8192, code: p.code }.encode())
            .collect(),
        // The code section of each guest is a code blob.
        "code" | "compiler" | "reference" => guests.iter().filter_map(|b| javm::PolkaVmBlob::parse(b).ok()).map(|p| p.code).collect(),
        "codec" => {
            let mut v = [jarkit_spec::jar::WorkReport::default(), jarkit_spec::jar::WorkReport { auth_output: jarkit_spec::prelude::ByteArray::new(vec![1, 2, 3]), ..Default::default() }]
                .iter()
                .map(jarkit_spec::codec::Codec::encode::<jarkit_spec::jar::Gp072Tiny>)
                .collect::<Vec<_>>();
            v.push(jarkit_spec::codec::Codec::encode::<jarkit_spec::jar::Jar1>(&jarkit_spec::jar::Header::default()));
            v
        }
        // Each w3f STF vector as `SUB` newline JSON (none without the vectors).
        "stf" => {
            let Some(root) = crate::vectors::vectors_root() else { return vec![] };
            let mut out = Vec::new();
            for sub in crate::stf::SUB_TRANSITIONS {
                for path in crate::vectors::json_files(&root.join(format!("gp072/stf/{sub}/tiny"))).unwrap_or_default() {
                    if let Ok(text) = std::fs::read(&path) {
                        out.push([sub.as_bytes(), b"\n", &text].concat());
                    }
                }
            }
            out
        }
        // The service code preimages of the accumulate vectors (none without the vectors).
        "accumulate" => {
            let Some(root) = crate::vectors::vectors_root() else { return vec![] };
            let mut out: Vec<Vec<u8>> = Vec::new();
            for path in crate::vectors::json_files(&root.join("gp072/stf/accumulate/tiny")).unwrap_or_default() {
                let Ok(case) = crate::vectors::read_json(&path) else { continue };
                for account in case["pre_state"]["accounts"].as_array().into_iter().flatten() {
                    for blob in account["data"]["preimage_blobs"].as_array().into_iter().flatten() {
                        if let Some(bytes) = blob["blob"].as_str().and_then(|h| crate::vectors::parse_hex(h).ok()) {
                            if !out.contains(&bytes) {
                                out.push(bytes);
                            }
                        }
                    }
                }
            }
            out
        }
        // Trace steps with and without service code (none without the vectors).
        "trace" => trace_files().into_iter().filter_map(|p| std::fs::read(p).ok()).collect(),
        // A session's messages: PeerInfo, Initialize with a genesis, and the blocks after it.
        "target" => {
            use crate::node::target::{Message, PeerInfo};
            let Some(root) = crate::vectors::vectors_root() else { return vec![] };
            let dir = root.join("gp072/traces/fallback");
            let Ok(genesis) = crate::vectors::trie::read_codec::<jarkit_spec::jar::Genesis>(&dir.join("genesis.bin")) else { return vec![] };
            let mut out = vec![
                Message::PeerInfo(PeerInfo::jarkit()).encode::<jarkit_spec::jar::Gp072Tiny>(),
                Message::Initialize { header: genesis.header, state: genesis.state.keyvals, ancestry: vec![] }.encode::<jarkit_spec::jar::Gp072Tiny>(),
            ];
            for p in trace_files() {
                if let Ok(step) = crate::vectors::trie::read_codec::<jarkit_spec::jar::TraceStep>(&p) {
                    out.push(Message::ImportBlock(step.block).encode::<jarkit_spec::jar::Gp072Tiny>());
                }
            }
            out
        }
        _ => vec![],
    }
}

/// Trace steps the `trace` and `target` targets start from.
fn trace_files() -> Vec<std::path::PathBuf> {
    let Some(root) = crate::vectors::vectors_root() else { return vec![] };
    let mut files = Vec::new();
    for trace in ["fallback", "safrole"] {
        for i in 1..=3 {
            files.push(root.join(format!("gp072/traces/{trace}/{i:08}.bin")));
        }
    }
    // Steps whose blocks make services accumulate: mutations reach Ψ_A and its host calls.
    for trace in ["storage_light", "preimages_light"] {
        for i in [4, 5, 6, 20] {
            files.push(root.join(format!("gp072/traces/{trace}/{i:08}.bin")));
        }
    }
    files.retain(|p| p.is_file());
    files
}

fn run_trace(bytes: &[u8]) {
    use jarkit_spec::codec::Codec;
    use jarkit_spec::jar::{Gp072Tiny, TraceStep};
    let Ok(step) = TraceStep::decode::<Gp072Tiny>(bytes) else { return };
    let Ok(state) = crate::node::state::decode_state::<Gp072Tiny>(&step.pre_state.keyvals) else { return };
    let Ok(root) = crate::node::state::state_root(&step.pre_state.keyvals) else { return };
    if let Ok(next) = jarkit_spec::jar::import_block::<Gp072Tiny>(&state, &step.block, root) {
        let entries = crate::node::state::encode_state::<Gp072Tiny>(&next);
        let _ = crate::node::state::state_root(&entries);
    }
}

fn run_target(bytes: &[u8]) {
    use crate::node::target::{answer, Chain, Message};
    use jarkit_spec::jar::Gp072Tiny;
    thread_local! {
        // One chain started from the fallback genesis, reused across cases.
        static CHAIN: std::cell::RefCell<Option<Chain>> = const { std::cell::RefCell::new(None) };
    }
    let Ok(msg) = Message::decode::<Gp072Tiny>(bytes) else { return };
    CHAIN.with(|c| {
        let mut c = c.borrow_mut();
        let chain = c.get_or_insert_with(|| {
            let mut chain = Chain::default();
            if let Some(init) = seeds("target").get(1).and_then(|b| Message::decode::<Gp072Tiny>(b).ok()) {
                let _ = answer::<Gp072Tiny>(&mut chain, init);
            }
            chain
        });
        // An Initialize would replace the chain; answer it on a copy-free fresh chain instead.
        if matches!(msg, Message::Initialize { .. }) {
            let _ = answer::<Gp072Tiny>(&mut Chain::default(), msg);
        } else {
            let _ = answer::<Gp072Tiny>(chain, msg);
        }
    });
}

fn input(seeds: Vec<Vec<u8>>) -> BoxedStrategy<Vec<u8>> {
    let random = proptest::collection::vec(any::<u8>(), 0..512).boxed();
    if seeds.is_empty() {
        return random;
    }
    let mutated = (
        prop::sample::select(seeds),
        proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..8),
        proptest::option::weighted(0.2, any::<prop::sample::Index>()),
        any::<bool>(),
    )
        .prop_map(|(mut bytes, flips, cut, fix_length)| {
            for (i, b) in flips {
                if !bytes.is_empty() {
                    let at = i.index(bytes.len());
                    bytes[at] = b;
                }
            }
            if let Some(cut) = cut {
                let keep = bytes.len() - cut.index(bytes.len() / 8 + 1);
                bytes.truncate(keep);
            }
            // A `.polkavm` container states its own length: keep it consistent half the time so
            // that mutations reach the sections behind it.
            if fix_length && bytes.starts_with(b"PVM\0") && bytes.len() >= 13 {
                let n = bytes.len() as u64;
                bytes[5..13].copy_from_slice(&n.to_le_bytes());
            }
            bytes
        })
        .boxed();
    prop_oneof![1 => random, 3 => mutated].boxed()
}

/// The memory arbitrary code runs in: three writable pages above the guard zone (the first
/// with data), a read-only page with data, and the last page of the address space (so accesses
/// wrap around 2^32 into the guard zone).
fn fuzz_memory() -> javm::PagedMemory {
    let mut memory = javm::PagedMemory::new();
    memory.guard = 0x10000;
    memory.map(0x10000, 0x3000, javm::Access::ReadWrite);
    memory.map(0x13000, 0x1000, javm::Access::ReadOnly);
    memory.map(0xFFFF_F000, 0x1000, javm::Access::ReadWrite);
    let data: Vec<u8> = (0..4096u32).map(|i| (i * 7 + 3) as u8).collect();
    let _ = javm::Memory::write_bytes(&mut memory, 0x10000, &data);
    let _ = javm::Memory::write_bytes(&mut memory, 0x13000, &data);
    memory
}

/// Register values for arbitrary code: addresses in and at the edges of every page of
/// [`fuzz_memory`], the guard zone, the wrap-around, and 64-bit values whose low 32 bits are
/// such addresses; which register gets which depends on the input.
fn hostile_registers(bytes: &[u8]) -> [u64; javm::REGISTER_COUNT] {
    const VALUES: [u64; 16] = [
        0x10000,
        0x10FFC,
        0x12FF9,
        0x12FFF,
        0x13000,
        0x13FFE,
        0x14000,
        0xFFFF_FFFC,
        0xFFFF_F000,
        0,
        0xFFF8,
        0x1_0001_0000,
        0xFFFF_FFFF_0001_2000,
        u64::MAX,
        0x8000_0000,
        0x11000,
    ];
    let seed = bytes.iter().fold(0u32, |h, &b| h.wrapping_mul(31).wrapping_add(u32::from(b)));
    let mut regs = [0u64; javm::REGISTER_COUNT];
    for (r, slot) in regs.iter_mut().enumerate() {
        *slot = VALUES[(seed as usize).wrapping_add(r * 5) % VALUES.len()];
    }
    regs
}

fn run_code(bytes: &[u8]) {
    use javm::{BlockRules, Code, GasCosts, LengthEncoding, Numbering, Predecoded, Vm};
    for numbering in [Numbering::Gp, Numbering::PolkaVm] {
        for rules in [BlockRules::GP, BlockRules::JAR] {
            if let Ok(code) = Code::parse(bytes, LengthEncoding::Compact, numbering, rules) {
                // Every gas model sees arbitrary code: single-pass under JAR's rules, the full
                // pipeline model under PolkaVM's numbering, one per instruction otherwise.
                let costs = match (rules.strict, numbering) {
                    (true, _) => GasCosts::single_pass(&code),
                    (false, Numbering::PolkaVm) => {
                        // javm's pipeline simulation and the spec's agree on every block.
                        let (fast, spec) = (GasCosts::pipeline(&code), GasCosts::pipeline_spec(&code));
                        if let (GasCosts::PerBlock(a), GasCosts::PerBlock(b)) = (&fast, &spec) {
                            assert_eq!(a, b, "pipeline models disagree");
                        }
                        fast
                    }
                    (false, Numbering::Gp) => GasCosts::PerInstruction,
                };
                let mut vm = Vm::new(Arc::new(Predecoded::new(code, &costs)), fuzz_memory(), 5_000);
                let _ = vm.run();
            }
        }
    }
}

/// Arbitrary code on the recompiler and the interpreter, under each numbering and gas model: a
/// crash, or any difference in exit, pc, registers, gas or memory, is a finding.
#[cfg(all(target_arch = "x86_64", unix))]
fn run_compiler(bytes: &[u8]) {
    use javm::machine::{start, Engine};
    use javm::{BlockRules, Code, GasCosts, LengthEncoding, Memory, Numbering, Predecoded};
    for (numbering, costs_of) in [(Numbering::Gp, None), (Numbering::PolkaVm, Some(GasCosts::pipeline as fn(&Code) -> GasCosts))] {
        let Ok(code) = Code::parse(bytes, LengthEncoding::Compact, numbering, BlockRules::GP) else { continue };
        let costs = costs_of.map_or(GasCosts::PerInstruction, |f| f(&code));
        let program = Arc::new(Predecoded::new(code, &costs));
        let mut interpreter = start(Engine::Interpreter, program.clone(), fuzz_memory(), 5_000).expect("the interpreter takes any program");
        let mut vm = start(Engine::Compiler, program, fuzz_memory(), 5_000).expect("this host runs the recompiler");
        for (r, v) in hostile_registers(bytes).into_iter().enumerate() {
            interpreter.set_reg(r, v);
            vm.set_reg(r, v);
        }
        // Several exits in a row: host calls and page faults resume.
        for _ in 0..4 {
            let (a, b) = (interpreter.run(), vm.run());
            assert_eq!((a, interpreter.exit_pc(), interpreter.regs(), interpreter.gas()), (b, vm.exit_pc(), vm.regs(), vm.gas()), "{numbering:?}");
            if !matches!(a, javm::Exit::HostCall(_) | javm::Exit::PageFault(_)) {
                break;
            }
        }
        for (at, len) in [(0x10000, 0x4000), (0xFFFF_F000, 0x1000)] {
            assert_eq!(interpreter.memory().read_bytes(at, len), vm.memory().read_bytes(at, len), "{numbering:?}: memory at {at:#x}");
        }
    }
}

#[cfg(not(all(target_arch = "x86_64", unix)))]
fn run_compiler(_bytes: &[u8]) {}

fn run_standard(bytes: &[u8]) {
    use javm::{BlockRules, Code, GasCosts, LengthEncoding, Numbering, Predecoded, StandardProgram, Vm};
    let Ok(p) = StandardProgram::parse(bytes) else { return };
    let Ok(instance) = p.instantiate(b"input") else { return };
    let Ok(code) = Code::parse(&p.code, LengthEncoding::Compact, Numbering::Gp, BlockRules::GP) else { return };
    let mut vm = Vm::new(Arc::new(Predecoded::new(code, &GasCosts::PerInstruction)), instance.memory, 5_000);
    for (i, r) in instance.regs.iter().enumerate() {
        vm.set_reg(i, *r);
    }
    let _ = vm.run();
}

fn run_jar_v1(bytes: &[u8]) {
    use javm::{BlockRules, GasCosts, JarV1Program, Predecoded, Vm};
    let Ok(p) = JarV1Program::parse(bytes, BlockRules { ecalli_ends_block: true, strict: false }) else { return };
    let Ok(instance) = p.instantiate(b"input") else { return };
    let costs = GasCosts::single_pass(&p.code);
    let mut vm = Vm::new(Arc::new(Predecoded::new(p.code, &costs)), instance.memory, 5_000);
    for (i, r) in instance.regs.iter().enumerate() {
        vm.set_reg(i, *r);
    }
    let _ = vm.run();
}

/// A manifest that parses is also run by javm's capability kernel (each engine, bounded gas,
/// a few protocol calls answered): bad cap references, faults and nesting must come back as
/// kernel results, never a panic.
fn run_manifest(bytes: &[u8]) {
    let Ok(m) = javm::manifest::Manifest::parse(bytes) else { return };
    let _ = m.init_gas();
    for engine in [javm::Engine::Interpreter, javm::Engine::Compiler] {
        let Ok(Ok(mut k)) = javm::kernel::Kernel::new(&m, &bytes[..bytes.len().min(16)], 0, 200_000, engine) else { continue };
        let mut exit = k.run();
        for _ in 0..4 {
            match exit {
                Ok(javm::kernel::KernelExit::ProtocolCall(id)) => exit = k.answer(id.into(), 0),
                _ => break,
            }
        }
    }
}

fn run_polkavm(bytes: &[u8]) {
    if let Ok(mut g) = jarkit_bench::jarkit_vm::JarkitGuest::load(bytes, "run") {
        let _ = g.call(7, 20_000);
    }
}

/// Structured mutations of STF vectors: byte flips rarely leave JSON valid, so the mutations
/// act on the JSON values instead: numbers set to edge values, hex strings with a changed
/// digit, array items dropped or repeated, values replaced by `null`.
fn stf_input(seeds: Vec<Vec<u8>>) -> BoxedStrategy<Vec<u8>> {
    if seeds.is_empty() {
        return proptest::collection::vec(any::<u8>(), 0..64).boxed();
    }
    (prop::sample::select(seeds), proptest::collection::vec((any::<prop::sample::Index>(), 0u8..6, any::<u64>()), 1..6))
        .prop_map(|(seed, edits)| {
            let split = seed.iter().position(|&b| b == b'\n').unwrap_or(0);
            let Ok(mut json) = serde_json::from_slice::<serde_json::Value>(&seed[split + 1..]) else { return seed };
            for (at, kind, value) in edits {
                mutate_json(&mut json, at, kind, value);
            }
            [&seed[..split + 1], json.to_string().as_bytes()].concat()
        })
        .boxed()
}

/// Applies one mutation to the `at`-th value (in a depth-first walk) of `json`.
fn mutate_json(json: &mut serde_json::Value, at: prop::sample::Index, kind: u8, value: u64) {
    fn count(v: &serde_json::Value) -> usize {
        1 + match v {
            serde_json::Value::Array(a) => a.iter().map(count).sum(),
            serde_json::Value::Object(o) => o.values().map(count).sum(),
            _ => 0,
        }
    }
    fn nth<'a>(v: &'a mut serde_json::Value, n: &mut usize) -> Option<&'a mut serde_json::Value> {
        if *n == 0 {
            return Some(v);
        }
        *n -= 1;
        match v {
            serde_json::Value::Array(a) => a.iter_mut().find_map(|x| nth(x, n)),
            serde_json::Value::Object(o) => o.values_mut().find_map(|x| nth(x, n)),
            _ => None,
        }
    }
    let mut n = at.index(count(json));
    let Some(target) = nth(json, &mut n) else { return };
    const EDGES: [u64; 7] = [0, 1, 0xffff, 0xffff_ffff, 1 << 32, 1 << 63, u64::MAX];
    match (kind, &mut *target) {
        (0, serde_json::Value::Number(_)) => *target = serde_json::json!(EDGES[(value % 7) as usize]),
        (1, serde_json::Value::Number(_)) => *target = serde_json::json!(value % 100),
        (2, serde_json::Value::String(s)) if s.len() > 2 => {
            let i = 2 + (value as usize) % (s.len() - 2);
            let digit = b"0123456789abcdef"[(value >> 32) as usize % 16] as char;
            s.replace_range(i..i + 1, &digit.to_string());
        }
        (3, serde_json::Value::Array(a)) if !a.is_empty() => {
            a.remove((value as usize) % a.len());
        }
        (4, serde_json::Value::Array(a)) if !a.is_empty() => {
            let x = a[(value as usize) % a.len()].clone();
            a.push(x);
        }
        (5, _) => *target = serde_json::Value::Null,
        _ => {}
    }
}

/// `SUB` newline JSON: the sub-transition must answer (an output or an error), never panic.
fn run_stf(bytes: &[u8]) {
    let Some(split) = bytes.iter().position(|&b| b == b'\n') else { return };
    let sub = String::from_utf8_lossy(&bytes[..split]).into_owned();
    let Ok(case) = serde_json::from_slice::<serde_json::Value>(&bytes[split + 1..]) else { return };
    let _ = crate::stf::run(jarkit_spec::jar::VariantId::Gp072Tiny, &sub, &case);
}

/// The accumulate case hostile service code runs in: a vector in which a report for the first
/// account becomes accumulatable at once.
fn accumulate_base() -> Option<&'static serde_json::Value> {
    static BASE: std::sync::OnceLock<Option<serde_json::Value>> = std::sync::OnceLock::new();
    BASE.get_or_init(|| {
        let root = crate::vectors::vectors_root()?;
        crate::vectors::read_json(&root.join("gp072/stf/accumulate/tiny/process_one_immediate_report-1.json")).ok()
    })
    .as_ref()
}

/// `bytes` as the code of an accumulating service (its preimage and code hash replaced): the
/// reference executor, the interpreter and the recompiler behind the seam must give the same
/// output and post-state, and none may panic.
fn run_accumulate(bytes: &[u8]) {
    use crate::seam::{with_engine, SeamEngine};
    let Some(base) = accumulate_base() else { return };
    let mut case = base.clone();
    let hash = jarkit_spec::prims::blake2b256(jarkit_spec::prelude::ByteArray::new(bytes.to_vec()));
    let hex = jarkit_spec::prelude::to_hex;
    let account = &mut case["pre_state"]["accounts"][0]["data"];
    account["service"]["code_hash"] = serde_json::json!(hex(&hash.0));
    account["preimage_blobs"] = serde_json::json!([{ "hash": hex(&hash.0), "blob": hex(bytes) }]);
    for report in case["input"]["reports"].as_array_mut().into_iter().flatten() {
        for result in report["results"].as_array_mut().into_iter().flatten() {
            result["code_hash"] = serde_json::json!(hex(&hash.0));
        }
    }
    let run = |engine| with_engine(engine, || crate::stf::run(jarkit_spec::jar::VariantId::Gp072Tiny, "accumulate", &case).map_err(|e| e.to_string()));
    let reference = run(SeamEngine::Reference);
    for engine in [SeamEngine::Interpreter, SeamEngine::Compiler] {
        assert!(run(engine) == reference, "{engine:?} and the reference disagree on this service code");
    }
}

fn run_codec(bytes: &[u8]) {
    use jarkit_spec::codec::Codec;
    macro_rules! all {
        ($($t:ident),*) => {$(
            // Both codecs: the GP's (tiny lengths) and JAR's fixed-width one (jar1).
            if let Ok(v) = jarkit_spec::jar::$t::decode::<jarkit_spec::jar::Gp072Tiny>(bytes) {
                assert_eq!(v.encode::<jarkit_spec::jar::Gp072Tiny>(), bytes, "{} re-encodes differently", stringify!($t));
            }
            if let Ok(v) = jarkit_spec::jar::$t::decode::<jarkit_spec::jar::Jar1>(bytes) {
                assert_eq!(v.encode::<jarkit_spec::jar::Jar1>(), bytes, "{} re-encodes differently under jar1", stringify!($t));
            }
        )*};
    }
    jarkit_spec::for_each_spec_type!(all);
}

fn run_reference(bytes: &[u8]) {
    let setup = crate::reference::Setup {
        program: bytes.to_vec(),
        numbering: javm::Numbering::Gp,
        ecalli_ends_block: false,
        block_costs: None,
        regs: [0; 13],
        pc: 0,
        gas: 2_000,
        pages: vec![(0x10, true, vec![0; 4096])],
        guard: 0x10000,
        heap_top: None,
    };
    let _ = crate::reference::run(&setup, 4_000);
}

/// Lean source written by the fuzzer's bytes: each byte picks the next grammar choice, so
/// random input is mostly well-formed Lean of growing size and depth, with ill-formed pieces
/// (stray tokens, cut text) and, on request, constructs past codegen's limits (deep brackets,
/// long operator chains, a long line). Shrinking the bytes shrinks the program.
struct LeanWriter<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl LeanWriter<'_> {
    fn next(&mut self) -> u8 {
        let b = self.bytes.get(self.at).copied().unwrap_or(0);
        self.at += 1;
        b
    }

    fn expr(&mut self, depth: usize) -> String {
        if depth > 6 || self.at >= self.bytes.len() {
            return ["x", "y", "1", "(x + 2)"][self.next() as usize % 4].to_string();
        }
        let ops = ["+", "-", "*", "/", "%", "==", "<", "&&&", "|||", "^^^", "<<<", "&&", "++"];
        match self.next() % 12 {
            0 => ["x", "y", "i", "true", "0", "255", "18446744073709551615", "\"s\""][self.next() as usize % 8].to_string(),
            1 => format!("({})", self.expr(depth + 1)),
            2 => {
                let n = 1 + self.next() as usize % 6;
                let mut e = self.expr(depth + 1);
                for _ in 0..n {
                    e = format!("{e} {} {}", ops[self.next() as usize % ops.len()], self.expr(depth + 1));
                }
                e
            }
            3 => format!("if {} then {} else {}", self.expr(depth + 1), self.expr(depth + 1), self.expr(depth + 1)),
            4 => format!("g ({})", self.expr(depth + 1)),
            5 => format!("match {} with\n  | 0 => {}\n  | _ => {}", self.expr(depth + 1), self.expr(depth + 1), self.expr(depth + 1)),
            6 => format!("#[{}, {}].size", self.expr(depth + 1), self.expr(depth + 1)),
            7 => format!("Id.run do\n    let mut z := {}\n    for i in [:3] do\n      z := z + {}\n    return z", self.expr(depth + 1), self.expr(depth + 1)),
            8 => format!("(fun a => a + {}) {}", self.expr(depth + 1), self.expr(depth + 1)),
            // A stray token: the text stops being Lean here.
            9 => [")", "]", "=>", ":=", "|", "@[", "⟨", "λ", "·", "where", "end", "\n\n"][self.next() as usize % 12].to_string(),
            // Deep brackets, up to 1020 (the limit is 200).
            10 => {
                let n = 4 * self.next() as usize;
                format!("{}x{}", "(".repeat(n), ")".repeat(n))
            }
            // Long chains: up to 381 terms, or past the limit of 2000 (up to 7080); the range
            // just under the limit is left to the tests, as codegen takes about a second there.
            _ => {
                let b = self.next() as usize;
                let n = if b < 128 { 3 * b } else { 2000 + 40 * (b - 128) };
                vec!["x"; n.max(1)].join(" + ")
            }
        }
    }
}

fn run_lean(bytes: &[u8]) {
    let mut w = LeanWriter { bytes, at: 0 };
    let body = w.expr(0);
    let mut text = format!("namespace Fx\n\ndef g (a : Nat) : Nat := a\n\ndef f (x : Nat) (y : Nat) : Nat :=\n  {body}\n\nend Fx\n");
    // Sometimes cut the text short, anywhere (on a character boundary).
    if let Some(&b) = bytes.first() {
        if b % 7 == 0 {
            let mut cut = text.len() * usize::from(bytes.get(1).copied().unwrap_or(0)) / 256;
            while !text.is_char_boundary(cut) {
                cut -= 1;
            }
            text.truncate(cut);
        }
    }
    let _ = jarkit_codegen::generate_sources(vec![jarkit_codegen::SourceFile { display: "fuzz.lean".into(), text }]);
}

/// The outcome of a fuzzing run.
pub struct FuzzSummary {
    pub cases: u32,
    /// The first input that made the target panic, with the panic message.
    pub finding: Option<(Vec<u8>, String)>,
}

/// The function behind `target`.
fn target_fn(target: &str) -> Result<fn(&[u8]), String> {
    Ok(match target {
        "code" => run_code,
        "compiler" => run_compiler,
        "standard" => run_standard,
        "jarv1" => run_jar_v1,
        "manifest" => run_manifest,
        "polkavm" => run_polkavm,
        "codec" => run_codec,
        "reference" => run_reference,
        "lean" => run_lean,
        "stf" => run_stf,
        "accumulate" => run_accumulate,
        "trace" => run_trace,
        "target" => run_target,
        _ => return Err(format!("unknown fuzz target `{target}`; the targets are: {}", TARGETS.join(", "))),
    })
}

/// `JARKIT_FUZZ_PLANT=panic|abort|hang|overflow|hang-once` makes every target fail that way on inputs
/// holding the byte `AB`, so the tests can show that each kind of failure is found, shrunk
/// and saved (a planted bug for the fuzzer itself, as `planted-bugs` is for the engines).
fn planted(bytes: &[u8]) {
    static PLANT: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
    let Some(kind) = PLANT.get_or_init(|| std::env::var("JARKIT_FUZZ_PLANT").ok()) else { return };
    if !bytes.contains(&0xAB) {
        return;
    }
    fn deep(n: u64) -> u64 {
        // Every frame holds a page the optimiser cannot drop, so the stack runs out quickly.
        let pad = std::hint::black_box([n as u8; 4096]);
        if n == 0 {
            u64::from(pad[0])
        } else {
            deep(n - 1) + u64::from(pad[n as usize % 4096])
        }
    }
    match kind.as_str() {
        "panic" => panic!("planted panic"),
        "abort" => std::process::abort(),
        "hang" => loop {
            std::thread::sleep(std::time::Duration::from_millis(50));
        },
        // Hangs the first time only (the marker file `JARKIT_FUZZ_PLANT_ONCE` names is made
        // then): a hang that a fresh worker does not repeat.
        "hang-once" => {
            let marker = std::env::var_os("JARKIT_FUZZ_PLANT_ONCE").map(std::path::PathBuf::from);
            if let Some(m) = marker.filter(|m| !m.exists()) {
                let _ = std::fs::write(&m, b"hung");
                loop {
                    std::thread::sleep(std::time::Duration::from_millis(50));
                }
            }
        }
        "overflow" => {
            std::hint::black_box(deep(u64::MAX));
        }
        _ => {}
    }
}

/// Runs one input through `target`; a panic is the error, with its message.
pub fn run_one(target: &str, bytes: &[u8]) -> Result<Result<(), String>, String> {
    let f = target_fn(target)?;
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let result = catch_unwind(AssertUnwindSafe(|| {
        planted(bytes);
        f(bytes)
    }));
    std::panic::set_hook(hook);
    Ok(result.map_err(|e| panic_message(&e)))
}

fn panic_message(e: &Box<dyn std::any::Any + Send>) -> String {
    e.downcast_ref::<String>().cloned().or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string())).unwrap_or_default()
}

/// What a fuzzing run reports as it goes: an input is about to run, or has run.
pub enum Event<'a> {
    Start(&'a [u8]),
    Done,
}

/// Runs `cases` inputs through `target` from `seed`.
pub fn run(target: &str, cases: u32, seed: u64) -> Result<FuzzSummary, String> {
    run_observed(target, cases, seed, vec![], &mut |_| {})
}

/// [`run`], with `extra` inputs to mutate beside the built-in seeds (a corpus), telling
/// `observe` about every input before and after it runs (so a supervisor in another process
/// knows which input an abort or a hang belongs to).
pub fn run_observed(target: &str, cases: u32, seed: u64, extra: Vec<Vec<u8>>, observe: &mut dyn FnMut(Event)) -> Result<FuzzSummary, String> {
    let f = target_fn(target)?;
    let mut runner = crate::crosscheck::seeded_runner(cases, seed, 2048);
    // Findings are reported through the result; keep the default hook from printing each one.
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let mut seeds = seeds(target);
    seeds.extend(extra);
    let strategy = if target == "stf" { stf_input(seeds) } else { input(seeds) };
    let observe = std::cell::RefCell::new(observe);
    let result = runner.run(&strategy, |bytes| {
        (observe.borrow_mut())(Event::Start(&bytes));
        let r = catch_unwind(AssertUnwindSafe(|| {
            planted(&bytes);
            f(&bytes)
        }));
        (observe.borrow_mut())(Event::Done);
        r.map_err(|e| proptest::test_runner::TestCaseError::fail(panic_message(&e)))
    });
    std::panic::set_hook(hook);
    let finding = match result {
        Ok(()) => None,
        Err(proptest::test_runner::TestError::Fail(why, bytes)) => Some((bytes, why.to_string())),
        Err(proptest::test_runner::TestError::Abort(why)) => Some((vec![], why.to_string())),
    };
    Ok(FuzzSummary { cases, finding })
}
