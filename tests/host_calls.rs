//! The accumulate host calls of `spec/Jar/HostCalls.lean`, one by one, through the generated
//! `accumulate_host_call`: each call's gas comes first, then its checks in the GP's order — a
//! memory range that is not accessible panics the guest before any existence or privilege check
//! answers with an error code in φ₇. The order is the contract; these tests pin it.

use jarkit_spec::jar::{self, Gp072Tiny, HostOutcome, HostStep};
use jarkit_spec::prelude::{Nat, OctetSeq};

const NONE: u64 = u64::MAX;
const WHAT: u64 = u64::MAX - 1;
const WHO: u64 = u64::MAX - 3;
const FULL: u64 = u64::MAX - 4;
const CORE: u64 = u64::MAX - 5;
const CASH: u64 = u64::MAX - 6;
const LOW: u64 = u64::MAX - 7;
const HUH: u64 = u64::MAX - 8;
const OK: u64 = 0;

/// Writable guest memory (three pages).
const RW: u64 = 0x10000;
/// Read-only guest memory (one page).
const RO: u64 = 0x20000;
/// Not mapped.
const BAD: u64 = 0x40000;

const SELF: u32 = 100;
const OTHER: u32 = 200;
const MANAGER: u32 = 1;
const ASSIGNER: u32 = 2;
const DESIGNATOR: u32 = 3;

fn machine(gas: u64, regs: &[(usize, u64)]) -> jar::Machine {
    let mut m = jar::Machine { regs: vec![0; 13], pc: Nat(0), gas: Nat(gas), ..Default::default() };
    m.memory.regions = vec![
        jar::Region { first: Nat(RW / 4096), count: Nat(3), writable: true },
        jar::Region { first: Nat(RO / 4096), count: Nat(1), writable: false },
    ];
    m.memory.guard = Nat(0x10000);
    for &(r, v) in regs {
        m.regs[r] = v;
    }
    m
}

fn account(balance: u64) -> jar::ServiceAccount {
    jar::ServiceAccount { info: jar::ServiceInfo { balance, min_memo_gas: 50, ..Default::default() }, items: vec![] }
}

/// The context of service `id`: itself and OTHER, rich; χ names MANAGER, ASSIGNER (both cores),
/// DESIGNATOR.
fn context(id: u32) -> jar::Implications {
    let mut accounts = vec![jar::AccountEntry { id: SELF, account: account(1_000_000) }, jar::AccountEntry { id: OTHER, account: account(1_000_000) }];
    if ![SELF, OTHER].contains(&id) {
        accounts.insert(0, jar::AccountEntry { id, account: account(1_000_000) });
    }
    let privileges = jar::Privileges { bless: MANAGER, assign: vec![ASSIGNER; 2], designate: DESIGNATOR, register: 4, always_acc: vec![] };
    let state = jar::PartialState { accounts, staging: vec![], auth_queues: vec![vec![OctetSeq([0; 32]); 80]; 2], privileges };
    jar::Implications { id, state, next_free_id: 65536, ..Default::default() }
}

fn call_as(id: u32, n: u64, gas: u64, regs: &[(usize, u64)]) -> HostStep {
    let x = context(id);
    jar::accumulate_host_call::<Gp072Tiny>(Nat(n), &machine(gas, regs), &x, &x, 7, OctetSeq([9; 32]), &vec![])
}

fn call(n: u64, regs: &[(usize, u64)]) -> HostStep {
    call_as(SELF, n, 100_000, regs)
}

/// The guest goes on with φ₇ = `want`.
fn answers(s: &HostStep, want: u64) {
    assert!(matches!(s.outcome, HostOutcome::Proceed), "{:?}", s.outcome);
    assert_eq!(s.machine.regs[7], want, "φ₇ = {:#x}, want {want:#x}", s.machine.regs[7]);
}

fn panics(s: &HostStep) {
    assert!(matches!(s.outcome, HostOutcome::Panic), "{:?} with φ₇ = {:#x}", s.outcome, s.machine.regs[7]);
}

const GAS: u64 = 0;
const WRITE: u64 = 4;
const INFO: u64 = 5;
const BLESS: u64 = 14;
const ASSIGN: u64 = 15;
const DESIGNATE: u64 = 16;
const CHECKPOINT: u64 = 17;
const NEW: u64 = 18;
const TRANSFER: u64 = 20;
const EJECT: u64 = 21;
const YIELD: u64 = 25;

#[test]
fn every_call_costs_ten_gas_first_and_an_unknown_one_answers_what() {
    let s = call_as(SELF, GAS, 100, &[]);
    answers(&s, 90);
    assert_eq!(s.machine.gas, Nat(90));
    let s = call_as(SELF, 99, 100, &[]);
    answers(&s, WHAT);
    assert_eq!(s.machine.gas, Nat(90));
    // Too little gas: out of gas before anything else, even a call that would panic.
    assert!(matches!(call_as(SELF, YIELD, 9, &[(7, BAD)]).outcome, HostOutcome::OutOfGas));
}

#[test]
fn transfer_charges_the_gas_it_sends_up_front_whatever_it_answers() {
    // 10 + φ₉ more than the guest has: out of gas, although the destination does not exist.
    let s = call_as(SELF, TRANSFER, 1_000, &[(7, 999), (9, 995), (10, RW)]);
    assert!(matches!(s.outcome, HostOutcome::OutOfGas));
    // Enough gas: the answer is WHO, and 10 + φ₉ were spent anyway.
    let s = call_as(SELF, TRANSFER, 1_000, &[(7, 999), (9, 500), (10, RW)]);
    answers(&s, WHO);
    assert_eq!(s.machine.gas, Nat(490));
}

#[test]
fn transfer_checks_memory_then_destination_then_gas_limit_then_funds() {
    panics(&call(TRANSFER, &[(7, 999), (9, 100), (10, BAD)]));
    answers(&call(TRANSFER, &[(7, 999), (9, 100), (10, RO)]), WHO);
    answers(&call(TRANSFER, &[(7, OTHER as u64), (9, 10), (10, RO)]), LOW);
    answers(&call(TRANSFER, &[(7, OTHER as u64), (8, 2_000_000), (9, 100), (10, RO)]), CASH);
    let s = call(TRANSFER, &[(7, OTHER as u64), (8, 1_000), (9, 100), (10, RO)]);
    answers(&s, OK);
    assert_eq!(s.x.transfers.len(), 1);
    assert_eq!(s.x.transfers[0].amount, 1_000);
    assert!(s.y.transfers.is_empty(), "the exceptional context keeps what was before");
}

#[test]
fn assign_checks_memory_then_core_then_privilege_then_index() {
    panics(&call_as(ASSIGNER, ASSIGN, 100_000, &[(7, 5), (8, BAD)]));
    answers(&call_as(ASSIGNER, ASSIGN, 100_000, &[(7, 5), (8, RW)]), CORE);
    answers(&call_as(SELF, ASSIGN, 100_000, &[(7, 0), (8, RW)]), HUH);
    answers(&call_as(ASSIGNER, ASSIGN, 100_000, &[(7, 0), (8, RW), (9, 1 << 32)]), WHO);
    let s = call_as(ASSIGNER, ASSIGN, 100_000, &[(7, 1), (8, RW), (9, 77)]);
    answers(&s, OK);
    assert_eq!(s.x.state.privileges.assign, vec![ASSIGNER, 77]);
}

#[test]
fn designate_checks_memory_then_privilege() {
    // V = 6 validators of 336 bytes (2016): more than the writable pages hold from RW + 0x2C00.
    panics(&call_as(SELF, DESIGNATE, 100_000, &[(7, RW + 0x2C00)]));
    answers(&call_as(SELF, DESIGNATE, 100_000, &[(7, RW)]), HUH);
    let s = call_as(DESIGNATOR, DESIGNATE, 100_000, &[(7, RW)]);
    answers(&s, OK);
    assert_eq!(s.x.state.staging.len(), 6);
}

#[test]
fn bless_checks_memory_before_the_indices() {
    panics(&call_as(MANAGER, BLESS, 100_000, &[(7, 1 << 40), (8, BAD)]));
    answers(&call_as(MANAGER, BLESS, 100_000, &[(7, 1 << 40), (8, RW), (11, RW), (12, 0)]), WHO);
    let s = call_as(MANAGER, BLESS, 100_000, &[(7, 5), (8, RW), (9, 6), (10, 7), (11, RW), (12, 0)]);
    answers(&s, OK);
    assert_eq!((s.x.state.privileges.bless, s.x.state.privileges.designate, s.x.state.privileges.register), (5, 6, 7));
}

#[test]
fn write_checks_both_ranges_then_the_deposit() {
    panics(&call(WRITE, &[(7, BAD), (8, 4), (9, RW), (10, 4)]));
    panics(&call(WRITE, &[(7, RW), (8, 4), (9, BAD), (10, 4)]));
    // Removing (φ₁₀ = 0) reads no value: an unmapped value pointer is fine.
    answers(&call(WRITE, &[(7, RW), (8, 4), (9, BAD), (10, 0)]), NONE);
    // A value range past the mapped pages panics before the deposit is looked at.
    panics(&call(WRITE, &[(7, RW), (8, 4), (9, RW), (10, 2_000_000)]));
    // A value the balance cannot back: FULL, and nothing is written.
    let mut x = context(SELF);
    x.state.accounts.retain(|a| a.id != SELF);
    x.state.accounts.insert(0, jar::AccountEntry { id: SELF, account: account(100) });
    let s = jar::accumulate_host_call::<Gp072Tiny>(Nat(WRITE), &machine(1_000, &[(7, RW), (8, 4), (9, RW), (10, 100)]), &x, &x, 7, OctetSeq([0; 32]), &vec![]);
    answers(&s, FULL);
    assert_eq!(s.x, x);
    let s = call(WRITE, &[(7, RW), (8, 4), (9, RW), (10, 16)]);
    answers(&s, NONE);
    let own = &s.x.state.accounts.iter().find(|a| a.id == SELF).unwrap().account;
    assert_eq!((own.info.items, own.info.bytes), (1, 34 + 4 + 16));
}

#[test]
fn new_checks_memory_then_gratis_privilege_then_funds() {
    panics(&call(NEW, &[(7, BAD), (8, 10)]));
    answers(&call(NEW, &[(7, RW), (8, 10), (11, 5)]), HUH);
    let mut x = context(SELF);
    x.state.accounts[0].account.info.balance = 10;
    let s = jar::accumulate_host_call::<Gp072Tiny>(Nat(NEW), &machine(1_000, &[(7, RW), (8, 10)]), &x, &x, 7, OctetSeq([0; 32]), &vec![]);
    answers(&s, CASH);
    let s = call(NEW, &[(7, RW), (8, 10)]);
    answers(&s, 65536);
    assert!(s.x.state.accounts.iter().any(|a| a.id == 65536));
}

#[test]
fn info_eject_yield_and_checkpoint() {
    answers(&call(INFO, &[(7, 999), (8, BAD)]), NONE);
    panics(&call(INFO, &[(7, OTHER as u64), (8, RO), (10, 96)]));
    answers(&call(INFO, &[(7, OTHER as u64), (8, RW), (10, 96)]), 96);
    panics(&call(EJECT, &[(7, SELF as u64), (8, BAD)]));
    answers(&call(EJECT, &[(7, SELF as u64), (8, RW)]), WHO);
    answers(&call(EJECT, &[(7, OTHER as u64), (8, RW)]), WHO);
    panics(&call(YIELD, &[(7, BAD)]));
    let s = call(YIELD, &[(7, RW)]);
    answers(&s, OK);
    assert_eq!(s.x.r#yield, Some(OctetSeq([0; 32])));
    assert_eq!(s.y.r#yield, None);
    let s = call(CHECKPOINT, &[]);
    answers(&s, 100_000 - 10);
    assert_eq!(s.y, s.x);
}
