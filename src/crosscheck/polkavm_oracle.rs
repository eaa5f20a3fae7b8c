//! PolkaVM as an independent oracle: the cross-check's random programs (under PolkaVM's rules:
//! JamV1 numbering, `ecalli` inside blocks, block gas from the full pipeline model) run on
//! PolkaVM 0.37's interpreter as well as on jarkit's three executors, and the end states must
//! agree. jarkit's spec, interpreter and recompiler are first held to each other
//! ([`super::compare`]); the agreed end is then held to PolkaVM's.
//!
//! The program goes into a `.polkavm` container of its code alone; PolkaVM runs it with dynamic
//! paging, so the host maps exactly the pages of the case (read-only ones protected) and a fault
//! on any other page comes back as a page fault, as in jarkit.

use polkavm::{CacheModel, CostModelKind, GasMeteringKind, InterruptKind, Module, ModuleConfig, ProgramBlob, ProgramCounter, Reg};
use proptest::test_runner::TestCaseError;

use super::{compare, gen, polkavm_rules};
use crate::reference::{Final, Setup};

/// A `.polkavm` container holding `code` (a code blob with compact lengths) and nothing else:
/// no data, no stack, one export `main` at pc 0.
pub fn container(code: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    let mut section = |id: u8, data: &[u8]| {
        body.push(id);
        javm::reader::encode_compact(data.len() as u64, &mut body);
        body.extend_from_slice(data);
    };
    section(5, &[1, 0, 4, b'm', b'a', b'i', b'n']);
    section(6, code);
    body.push(0);
    let mut out = b"PVM\0".to_vec();
    out.push(javm::polkavm_blob::JAM_V1_VERSION);
    out.extend_from_slice(&((13 + body.len()) as u64).to_le_bytes());
    out.extend_from_slice(&body);
    out
}

/// PolkaVM's interpreter with dynamic paging, as the oracle uses it.
pub fn engine() -> Result<polkavm::Engine, String> {
    let mut config = polkavm::Config::new();
    config.set_backend(Some(polkavm::BackendKind::Interpreter));
    config.set_allow_dynamic_paging(true);
    polkavm::Engine::new(&config).map_err(|e| e.to_string())
}

/// The blocks whose cost PolkaVM computes otherwise than jarkit lists in `setup` (PolkaVM's
/// `calculate_gas_cost_for` on each of jarkit's block starts): pc, jarkit's, PolkaVM's.
pub fn block_cost_differences(engine: &polkavm::Engine, setup: &Setup) -> Result<Vec<(u32, u32, i64)>, String> {
    let module = module(engine, setup)?;
    let ours = setup.block_costs.clone().unwrap_or_default();
    Ok(ours
        .into_iter()
        .filter_map(|(pc, cost)| {
            let theirs = module.calculate_gas_cost_for(ProgramCounter(pc))?;
            (theirs != i64::from(cost)).then_some((pc, cost, theirs))
        })
        .collect())
}

fn module(engine: &polkavm::Engine, setup: &Setup) -> Result<Module, String> {
    let blob = ProgramBlob::parse(container(&setup.program).into()).map_err(|e| format!("PolkaVM rejects the container: {e}"))?;
    let mut config = ModuleConfig::new();
    config.set_gas_metering(Some(GasMeteringKind::Sync));
    config.set_cost_model(Some(CostModelKind::Full(CacheModel::L2Hit)));
    config.set_dynamic_paging(true);
    Module::from_blob(engine, &config, blob).map_err(|e| format!("PolkaVM rejects the module: {e}"))
}

/// PolkaVM's instance of `setup`, ready to run: the case's pages mapped (read-only ones
/// protected), registers, gas and pc set.
pub fn instance(engine: &polkavm::Engine, setup: &Setup) -> Result<polkavm::RawInstance, String> {
    let mut vm = module(engine, setup)?.instantiate().map_err(|e| e.to_string())?;
    for (page, writable, data) in &setup.pages {
        let address = page * 4096;
        vm.zero_memory_with_memory_protection(address, 4096, polkavm::MemoryProtection::ReadWrite).map_err(|e| format!("mapping page {page:#x}: {e}"))?;
        if !data.is_empty() {
            vm.write_memory(address, data).map_err(|e| format!("filling page {page:#x}: {e}"))?;
        }
        if !writable {
            vm.protect_memory(address, 4096).map_err(|e| format!("protecting page {page:#x}: {e}"))?;
        }
    }
    for (reg, value) in Reg::ALL.iter().zip(setup.regs) {
        vm.set_reg(*reg, value);
    }
    vm.set_gas(i64::try_from(setup.gas).unwrap_or(i64::MAX));
    vm.set_next_program_counter(ProgramCounter(setup.pc));
    Ok(vm)
}

/// Runs `vm` to its next exit; `pages` are the pages to read back (those holding data count).
pub fn run_segment(vm: &mut polkavm::RawInstance, pages: &[u32]) -> Result<Final, String> {
    let exit = match vm.run().map_err(|e| e.to_string())? {
        InterruptKind::Finished => javm::Exit::Halt,
        InterruptKind::Trap => javm::Exit::Panic,
        InterruptKind::Ecalli(n) => javm::Exit::HostCall(n),
        InterruptKind::Segfault(s) => javm::Exit::PageFault(s.page_address),
        InterruptKind::NotEnoughGas => javm::Exit::OutOfGas,
        InterruptKind::Step => return Err("PolkaVM stopped for a step it was not asked to trace".into()),
    };
    let regs: [u64; 13] = std::array::from_fn(|i| vm.reg(Reg::ALL[i]));
    let mut read = Vec::new();
    for &page in pages {
        let bytes = vm.read_memory(page * 4096, 4096).map_err(|e| format!("reading page {page:#x}: {e}"))?;
        if bytes.iter().any(|&b| b != 0) {
            read.push((page, bytes));
        }
    }
    read.sort();
    Ok(Final { exit, pc: vm.program_counter().map_or(u32::MAX, |pc| pc.0), regs, gas: vm.gas().max(0) as u64, pages: read })
}

/// Runs `setup` on PolkaVM to its first exit. `Err` when PolkaVM refuses the program or the
/// state (which the caller counts apart: it is not an agreement).
pub fn run(engine: &polkavm::Engine, setup: &Setup) -> Result<Final, String> {
    let pages: Vec<u32> = setup.pages.iter().map(|p| p.0).collect();
    run_segment(&mut instance(engine, setup)?, &pages)
}

/// After agreeing first exits, continues both like a host, up to `RESUMPTIONS` times: a host
/// call is answered (φ7 = 3·id + 1), a page fault is served by mapping that page writable and
/// zeroed; every later end must agree too. `Err` describes the first that does not. (jarkit's
/// side is its interpreter: its three executors agree on single runs, and resumption is the
/// interpreter's.)
fn resumed_runs_agree(engine: &polkavm::Engine, setup: &Setup) -> Result<u32, String> {
    const RESUMPTIONS: u32 = 4;
    let mut ours = crate::reference::interpreter_session(setup)?;
    let mut theirs = instance(engine, setup)?;
    let mut pages: Vec<u32> = setup.pages.iter().map(|p| p.0).collect();
    let mut exit = ours.run();
    let mut theirs_end = run_segment(&mut theirs, &pages)?;
    for k in 0..=RESUMPTIONS {
        let ours_end = crate::reference::final_state(ours.as_ref(), exit);
        if !agree(&ours_end, &theirs_end) {
            return Err(format!("after {k} resumptions:\n{}", describe(setup, &ours_end, &theirs_end)));
        }
        match exit {
            javm::Exit::HostCall(id) if k < RESUMPTIONS => {
                let answer = u64::from(id) * 3 + 1;
                ours.set_reg(7, answer);
                theirs.set_reg(Reg::A0, answer);
            }
            // Not the guard zone, and not the last 64 KiB, which no PolkaVM layout maps: its
            // interpreter traps on any access that reaches 2^32 there (`address + length`
            // overflowing), where the GP wraps.
            // Only a page that is not mapped at all is served (a write to a read-only one stops).
            javm::Exit::PageFault(address) if k < RESUMPTIONS && (0x10000..0xFFFF_0000).contains(&address) && !pages.contains(&(address / 4096)) => {
                ours.memory_mut().map(address, 4096, javm::Access::ReadWrite);
                theirs.zero_memory_with_memory_protection(address, 4096, polkavm::MemoryProtection::ReadWrite).map_err(|e| e.to_string())?;
                pages.push(address / 4096);
            }
            _ => return Ok(k),
        }
        exit = ours.run();
        theirs_end = run_segment(&mut theirs, &pages)?;
    }
    Ok(RESUMPTIONS)
}

/// Whether jarkit's end and PolkaVM's agree. PolkaVM does not tell a `trap` from a panic, and
/// has no pc once a program has returned to the host (jarkit reports the jump's).
pub fn agree(jarkit: &Final, polkavm: &Final) -> bool {
    let seen = |f: &Final| {
        let exit = if f.exit == javm::Exit::Trap { javm::Exit::Panic } else { f.exit };
        let pc = if exit == javm::Exit::Halt { 0 } else { f.pc };
        Final { exit, pc, ..f.clone() }
    };
    seen(jarkit) == seen(polkavm)
}

/// The two ends side by side, with the program.
pub fn describe(setup: &Setup, jarkit: &Final, polkavm: &Final) -> String {
    let mut out = String::new();
    if let Ok(code) = javm::Code::parse(&setup.program, javm::LengthEncoding::Compact, javm::Numbering::PolkaVm, javm::BlockRules::GP) {
        out.push_str(&javm::disasm::listing(&code));
    }
    out.push_str(&format!("start: regs {:?}, gas {}\n", setup.regs, setup.gas));
    out.push_str(&format!("jarkit:  {:?} at pc {}, gas {}, regs {:?}\n", jarkit.exit, jarkit.pc, jarkit.gas, jarkit.regs));
    out.push_str(&format!("polkavm: {:?} at pc {}, gas {}, regs {:?}\n", polkavm.exit, polkavm.pc, polkavm.gas, polkavm.regs));
    if jarkit.pages != polkavm.pages {
        out.push_str("and the pages differ\n");
    }
    out
}

/// What `--against polkavm` found.
#[derive(Default)]
pub struct Summary {
    pub cases: u64,
    /// The first behaviour difference (with ample gas), shrunk.
    pub divergence: Option<String>,
    /// Cases whose ends differ only through gas (block costs), and the first of them (shrunk).
    pub gas_differences: u64,
    pub first_gas_difference: Option<String>,
    /// Host calls answered and page faults served after a first exit, over all cases.
    pub resumptions: u64,
    /// Cases PolkaVM refused to load (not counted as agreements).
    pub refused: u64,
    pub exits: std::collections::BTreeMap<&'static str, u64>,
}

/// Runs `cases` random programs under PolkaVM's rules on jarkit and on PolkaVM, stopping at the
/// first difference in behaviour, shrunk. A case whose ends differ only because the block costs
/// differ (it agrees when run again with gas to spare) is counted apart, and the first is kept.
pub fn run_cases(cases: u32, seed: u64) -> Result<Summary, String> {
    let mut s = run_cases_with(cases, seed, false)?;
    if s.divergence.is_none() && s.gas_differences > 0 {
        // Once more with gas differences failing, so that the first one is shrunk too.
        if let Some(shrunk) = run_cases_with(cases, seed, true)?.divergence {
            s.first_gas_difference = Some(shrunk);
        }
    }
    Ok(s)
}

fn run_cases_with(cases: u32, seed: u64, gas_fails: bool) -> Result<Summary, String> {
    let engine = engine()?;
    let rules = super::gen::Rules { valid_only: true, ..polkavm_rules() };
    let mut runner = super::seeded_runner(cases, seed, 4096);
    let summary = std::cell::RefCell::new(Summary { cases: cases.into(), ..Summary::default() });
    let result = runner.run(&gen::case(), |case| {
        let setup = gen::setup(&case, &rules);
        let (ours, _) = compare(&setup).map_err(TestCaseError::fail)?;
        match run(&engine, &setup) {
            Ok(f) if !agree(&ours, &f) => {
                // Block costs that differ change the gas left and where a run runs out. The same
                // run with more gas must then agree in everything but gas (or run out again).
                let ample = Setup { gas: setup.gas.saturating_mul(4).saturating_add(100_000), ..setup.clone() };
                let (ours_ample, _) = compare(&ample).map_err(TestCaseError::fail)?;
                let theirs_ample = run(&engine, &ample).map_err(TestCaseError::fail)?;
                let gasless = |f: &Final| Final { gas: 0, ..f.clone() };
                let out_of_gas = ours_ample.exit == javm::Exit::OutOfGas || theirs_ample.exit == javm::Exit::OutOfGas;
                if !out_of_gas && !agree(&gasless(&ours_ample), &gasless(&theirs_ample)) {
                    return Err(TestCaseError::fail(describe(&ample, &ours_ample, &theirs_ample)));
                }
                if gas_fails {
                    return Err(TestCaseError::fail(describe(&setup, &ours, &f)));
                }
                let mut s = summary.borrow_mut();
                s.gas_differences += 1;
                s.first_gas_difference.get_or_insert_with(|| describe(&setup, &ours, &f));
                return Ok(());
            }
            Ok(_) => {
                // The ends agree; the cost of every block must too, run or not.
                let blocks = block_cost_differences(&engine, &setup).map_err(TestCaseError::fail)?;
                match resumed_runs_agree(&engine, &setup) {
                    Ok(n) => summary.borrow_mut().resumptions += u64::from(n),
                    Err(d) => return Err(TestCaseError::fail(d)),
                }
                if !blocks.is_empty() {
                    let report = format!("{}block costs (pc, jarkit, PolkaVM): {blocks:?}\n", describe(&setup, &ours, &ours));
                    if gas_fails {
                        return Err(TestCaseError::fail(report));
                    }
                    let mut s = summary.borrow_mut();
                    s.gas_differences += 1;
                    s.first_gas_difference.get_or_insert(report);
                    return Ok(());
                }
            }
            Err(e) => {
                if std::env::var_os("JARKIT_ORACLE_DEBUG").is_some() {
                    let code = javm::Code::parse(&setup.program, javm::LengthEncoding::Compact, javm::Numbering::PolkaVm, javm::BlockRules::GP);
                    eprintln!("refused: {e}\n{}", code.map(|c| javm::disasm::listing(&c)).unwrap_or_default());
                }
                summary.borrow_mut().refused += 1;
                return Ok(());
            }
        };
        *summary.borrow_mut().exits.entry(ours.exit.status_name()).or_insert(0) += 1;
        Ok(())
    });
    let mut s = summary.into_inner();
    s.divergence = super::failure_of(result);
    Ok(s)
}
