//! Sub-transitions on the w3f vector shape: `{pre_state, input}` in, `{output, post_state}` out.
//!
//! Each adapter only maps the vector's JSON shape onto the arguments of the generated spec
//! function (the same function block import uses) and back; it holds no protocol logic. Shapes
//! are checked against the variant (sequence lengths V, C, Q, O) before anything runs, and every
//! problem is an [`StfError`] naming the JSON path.

use jarkit_spec::jar::{self, Variant, VariantId};
use jarkit_spec::prelude::Nat;
use serde::{de::DeserializeOwned, Deserialize, Serialize};
use serde_json::{json, Value};

/// The sub-transitions jarkit runs, by their vector directory names.
pub const SUB_TRANSITIONS: [&str; 9] = ["accumulate", "assurances", "authorizations", "disputes", "history", "preimages", "reports", "safrole", "statistics"];

/// A malformed vector or input: the message names the JSON path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StfError(pub String);

impl std::fmt::Display for StfError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

fn field<T: DeserializeOwned>(v: &Value, path: &str) -> Result<T, StfError> {
    let mut cur = v;
    for key in path.split('.') {
        cur = cur.get(key).ok_or_else(|| StfError(format!("`{path}` is missing")))?;
    }
    crate::vectors::from_json(cur.clone()).map_err(|e| StfError(within(path, e)))
}

/// `e` (from [`crate::vectors::from_json`] on the value at `path`) with its path made whole:
/// "`input.guarantees[0].report.package_spec.hash`: …".
fn within(path: &str, e: String) -> String {
    match e.strip_prefix('`') {
        Some(rest) if rest.starts_with('[') => format!("`{path}{rest}"),
        Some(rest) => format!("`{path}.{rest}"),
        None => format!("`{path}`: {e}"),
    }
}

fn check_len<T>(items: &[T], want: Nat, path: &str, what: &str) -> Result<(), StfError> {
    if items.len() as u64 != want.0 {
        return Err(StfError(format!("`{path}` has {} entries; the variant has {want} {what}", items.len())));
    }
    Ok(())
}

fn to_json<T: Serialize>(v: &T) -> Value {
    serde_json::to_value(v).expect("spec types serialize to JSON")
}

/// The answer to a rejected extrinsic: the error, and the state as it was.
fn rejected<E: Serialize, S: Serialize>(error: &E, pre: &S) -> Value {
    json!({ "output": { "err": to_json(error) }, "post_state": to_json(pre) })
}

/// Runs sub-transition `sub` of variant `variant` on a vector-shaped `case` and returns
/// `{output, post_state}`.
pub fn run(variant: VariantId, sub: &str, case: &Value) -> Result<Value, StfError> {
    jarkit_spec::with_variant!(variant, V => run_as::<V>(sub, case))
}

fn run_as<V: Variant>(sub: &str, case: &Value) -> Result<Value, StfError> {
    if !case.is_object() {
        return Err(StfError("the input must be a JSON object with `pre_state` and `input`".into()));
    }
    match sub {
        "accumulate" => accumulate::<V>(case),
        "assurances" => assurances::<V>(case),
        "authorizations" => authorizations::<V>(case),
        "disputes" => disputes::<V>(case),
        "history" => history::<V>(case),
        "statistics" => statistics::<V>(case),
        "preimages" => preimages(case),
        "reports" => reports::<V>(case),
        "safrole" => safrole::<V>(case),
        _ => Err(StfError(format!("unknown sub-transition `{sub}`; jarkit runs: {}", SUB_TRANSITIONS.join(", ")))),
    }
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct AssurancesState {
    avail_assignments: Vec<Option<jar::AvailabilityAssignment>>,
    curr_validators: Vec<jar::ValidatorKeys>,
}

fn assurances<V: Variant>(case: &Value) -> Result<Value, StfError> {
    let pre: AssurancesState = field(case, "pre_state")?;
    let items: Vec<jar::AvailAssurance> = field(case, "input.assurances")?;
    let slot: u32 = field(case, "input.slot")?;
    let parent: jar::Hash = field(case, "input.parent")?;
    check_len(&pre.avail_assignments, V::C, "pre_state.avail_assignments", "cores")?;
    check_len(&pre.curr_validators, V::V, "pre_state.curr_validators", "validators")?;
    for (i, a) in items.iter().enumerate() {
        if a.bitfield.0.len() as u64 != V::C.0.div_ceil(8) {
            return Err(StfError(format!("`input.assurances[{i}].bitfield` has {} bytes; {} cores need {}", a.bitfield.0.len(), V::C, V::C.0.div_ceil(8))));
        }
    }
    match jar::apply_assurances::<V>(&pre.avail_assignments, &pre.curr_validators, &items, slot, parent) {
        Ok((reported, avail_assignments)) => {
            let post = AssurancesState { avail_assignments, ..pre };
            Ok(json!({ "output": { "ok": { "reported": to_json(&reported) } }, "post_state": to_json(&post) }))
        }
        Err(e) => Ok(rejected(&e, &pre)),
    }
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct DisputesState {
    psi: jar::DisputesRecords,
    rho: Vec<Option<jar::AvailabilityAssignment>>,
    tau: u32,
    kappa: Vec<jar::ValidatorKeys>,
    lambda: Vec<jar::ValidatorKeys>,
}

fn disputes<V: Variant>(case: &Value) -> Result<Value, StfError> {
    let pre: DisputesState = field(case, "pre_state")?;
    let extrinsic: jar::DisputesExtrinsic = field(case, "input.disputes")?;
    check_len(&pre.rho, V::C, "pre_state.rho", "cores")?;
    check_len(&pre.kappa, V::V, "pre_state.kappa", "validators")?;
    check_len(&pre.lambda, V::V, "pre_state.lambda", "validators")?;
    for (i, v) in extrinsic.verdicts.iter().enumerate() {
        check_len(&v.votes, jar::validators_super_majority::<V>(), &format!("input.disputes.verdicts[{i}].votes"), "judgements per verdict (a super-majority)")?;
    }
    match jar::apply_disputes::<V>(&pre.psi, &pre.rho, pre.tau, &pre.kappa, &pre.lambda, &extrinsic) {
        Ok((psi, offenders_mark, rho)) => {
            let post = DisputesState { psi, rho, ..pre };
            Ok(json!({ "output": { "ok": { "offenders_mark": to_json(&offenders_mark) } }, "post_state": to_json(&post) }))
        }
        Err(e) => Ok(rejected(&e, &pre)),
    }
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ReportsState {
    avail_assignments: Vec<Option<jar::AvailabilityAssignment>>,
    curr_validators: Vec<jar::ValidatorKeys>,
    prev_validators: Vec<jar::ValidatorKeys>,
    entropy: Vec<jar::Hash>,
    offenders: Vec<jar::Ed25519Public>,
    recent_blocks: jar::RecentBlocks,
    auth_pools: Vec<Vec<jar::Hash>>,
    accounts: Vec<jar::ServiceInfoEntry>,
    cores_statistics: Vec<jar::CoreActivityRecord>,
    services_statistics: Vec<jar::ServicesStatisticsMapEntry>,
}

fn reports<V: Variant>(case: &Value) -> Result<Value, StfError> {
    let pre: ReportsState = field(case, "pre_state")?;
    let guarantees: Vec<jar::ReportGuarantee> = field(case, "input.guarantees")?;
    let slot: u32 = field(case, "input.slot")?;
    let known: Vec<jar::Hash> = field(case, "input.known_packages")?;
    check_len(&pre.avail_assignments, V::C, "pre_state.avail_assignments", "cores")?;
    check_len(&pre.auth_pools, V::C, "pre_state.auth_pools", "cores")?;
    check_len(&pre.cores_statistics, V::C, "pre_state.cores_statistics", "cores")?;
    check_len(&pre.curr_validators, V::V, "pre_state.curr_validators", "validators")?;
    check_len(&pre.prev_validators, V::V, "pre_state.prev_validators", "validators")?;
    check_len(&pre.entropy, Nat(4), "pre_state.entropy", "entropy hashes (η₀..η₃)")?;
    let result = jar::apply_guarantees::<V>(
        &guarantees,
        &pre.avail_assignments,
        &pre.curr_validators,
        &pre.prev_validators,
        &pre.entropy,
        &pre.offenders,
        &pre.recent_blocks,
        &pre.auth_pools,
        &pre.accounts,
        &pre.cores_statistics,
        &pre.services_statistics,
        slot,
        &known,
        &vec![],
    );
    match result {
        Ok((reported, reporters, avail_assignments, cores_statistics, services_statistics)) => {
            let post = ReportsState { avail_assignments, cores_statistics, services_statistics, ..pre };
            Ok(json!({ "output": { "ok": { "reported": to_json(&reported), "reporters": to_json(&reporters) } }, "post_state": to_json(&post) }))
        }
        Err(e) => Ok(rejected(&e, &pre)),
    }
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct AuthState {
    auth_pools: Vec<Vec<jar::Hash>>,
    auth_queues: Vec<Vec<jar::Hash>>,
}

fn authorizations<V: Variant>(case: &Value) -> Result<Value, StfError> {
    let pre: AuthState = field(case, "pre_state")?;
    let slot: u32 = field(case, "input.slot")?;
    let auths: Vec<jar::CoreAuthorizer> = field(case, "input.auths")?;
    check_len(&pre.auth_pools, V::C, "pre_state.auth_pools", "cores")?;
    check_len(&pre.auth_queues, V::C, "pre_state.auth_queues", "cores")?;
    for (c, q) in pre.auth_queues.iter().enumerate() {
        check_len(q, V::Q_QUEUE, &format!("pre_state.auth_queues[{c}]"), "queue entries (Q)")?;
    }
    let pools = jar::update_auth_pools::<V>(&pre.auth_pools, &pre.auth_queues, slot, &auths);
    let post = AuthState { auth_pools: pools, auth_queues: pre.auth_queues };
    Ok(json!({ "output": null, "post_state": to_json(&post) }))
}

fn history<V: Variant>(case: &Value) -> Result<Value, StfError> {
    let beta: jar::RecentBlocks = field(case, "pre_state.beta")?;
    let header_hash: jar::Hash = field(case, "input.header_hash")?;
    let parent_state_root: jar::Hash = field(case, "input.parent_state_root")?;
    let accumulate_root: jar::Hash = field(case, "input.accumulate_root")?;
    let reported: Vec<jar::ReportedWorkPackage> = field(case, "input.work_packages")?;
    let post = jar::update_recent_history::<V>(&beta, header_hash, parent_state_root, accumulate_root, &reported);
    Ok(json!({ "output": null, "post_state": { "beta": to_json(&post) } }))
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct StatsState {
    vals_curr_stats: Vec<jar::ValidatorActivityRecord>,
    vals_last_stats: Vec<jar::ValidatorActivityRecord>,
    slot: u32,
    curr_validators: Vec<jar::ValidatorKeys>,
}

fn statistics<V: Variant>(case: &Value) -> Result<Value, StfError> {
    let pre: StatsState = field(case, "pre_state")?;
    let slot: u32 = field(case, "input.slot")?;
    let author: u16 = field(case, "input.author_index")?;
    let extrinsic: jar::Extrinsic = field(case, "input.extrinsic")?;
    check_len(&pre.vals_curr_stats, V::V, "pre_state.vals_curr_stats", "validators")?;
    check_len(&pre.vals_last_stats, V::V, "pre_state.vals_last_stats", "validators")?;
    if u64::from(author) >= V::V.0 {
        return Err(StfError(format!("`input.author_index` {author} is not a validator index (V = {})", V::V)));
    }
    let (curr, last) = jar::update_validator_stats::<V>(&pre.vals_curr_stats, &pre.vals_last_stats, pre.slot, slot, author, &extrinsic);
    let post = StatsState { vals_curr_stats: curr, vals_last_stats: last, ..pre };
    Ok(json!({ "output": null, "post_state": to_json(&post) }))
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct PreimagesState {
    accounts: Vec<jar::AccountsMapEntry>,
    statistics: Vec<jar::ServicesStatisticsMapEntry>,
}

fn preimages(case: &Value) -> Result<Value, StfError> {
    let pre: PreimagesState = field(case, "pre_state")?;
    let items: Vec<jar::Preimage> = field(case, "input.preimages")?;
    let slot: u32 = field(case, "input.slot")?;
    match jar::integrate_preimages(&pre.accounts, &pre.statistics, &items, slot) {
        Ok((accounts, statistics)) => {
            Ok(json!({ "output": { "ok": null }, "post_state": to_json(&PreimagesState { accounts, statistics }) }))
        }
        Err(e) => Ok(rejected(&e, &pre)),
    }
}

/// Safrole's vector state: the spec's `SafroleState` plus ψ'_o, the posterior offenders, which
/// Safrole reads and leaves as they are.
fn safrole_state<V: Variant>(value: &Value, path: &str) -> Result<(jar::SafroleState, Vec<jar::Ed25519Public>), StfError> {
    let offenders: Vec<jar::Ed25519Public> = field(value, &format!("{path}.post_offenders"))?;
    let mut rest = value.get(path).cloned().ok_or_else(|| StfError(format!("`{path}` is missing")))?;
    if let Some(obj) = rest.as_object_mut() {
        obj.remove("post_offenders");
    }
    let state: jar::SafroleState = crate::vectors::from_json(rest).map_err(|e| StfError(within(path, e)))?;
    check_len(&state.eta, Nat(4), &format!("{path}.eta"), "entropy hashes (η₀..η₃)")?;
    for (name, keys) in [("lambda", &state.lambda), ("kappa", &state.kappa), ("gamma_k", &state.gamma_k), ("iota", &state.iota)] {
        check_len(keys, V::V, &format!("{path}.{name}"), "validators")?;
    }
    if state.gamma_a.len() as u64 > V::E.0 {
        return Err(StfError(format!("`{path}.gamma_a` has {} tickets; the accumulator holds at most E = {}", state.gamma_a.len(), V::E)));
    }
    match &state.gamma_s {
        jar::TicketsOrKeys::Tickets(t) => check_len(t, V::E, &format!("{path}.gamma_s.tickets"), "slots (E)")?,
        jar::TicketsOrKeys::Keys(k) => check_len(k, V::E, &format!("{path}.gamma_s.keys"), "slots (E)")?,
    }
    Ok((state, offenders))
}

fn safrole<V: Variant>(case: &Value) -> Result<Value, StfError> {
    let (pre, offenders) = safrole_state::<V>(case, "pre_state")?;
    let slot: u32 = field(case, "input.slot")?;
    let entropy: jar::Hash = field(case, "input.entropy")?;
    let tickets: Vec<jar::TicketEnvelope> = field(case, "input.extrinsic")?;
    let with_offenders = |state: &jar::SafroleState| {
        let mut v = to_json(state);
        v["post_offenders"] = to_json(&offenders);
        v
    };
    match jar::apply_safrole::<V>(&pre, slot, entropy, &tickets, &offenders) {
        Ok((marks, post)) => Ok(json!({ "output": { "ok": to_json(&marks) }, "post_state": with_offenders(&post) })),
        Err(e) => Ok(json!({ "output": { "err": to_json(&e) }, "post_state": with_offenders(&pre) })),
    }
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct AccumulateState {
    slot: u32,
    entropy: jar::Hash,
    ready_queue: Vec<Vec<jar::ReadyRecord>>,
    accumulated: Vec<Vec<jar::Hash>>,
    privileges: jar::Privileges,
    statistics: Vec<jar::ServicesStatisticsMapEntry>,
    accounts: Vec<jar::ServiceAccountMapEntry>,
}

fn accumulate<V: Variant>(case: &Value) -> Result<Value, StfError> {
    let pre: AccumulateState = field(case, "pre_state")?;
    let slot: u32 = field(case, "input.slot")?;
    let reports: Vec<jar::WorkReport> = field(case, "input.reports")?;
    check_len(&pre.ready_queue, V::E, "pre_state.ready_queue", "slots (E)")?;
    check_len(&pre.accumulated, V::E, "pre_state.accumulated", "slots (E)")?;
    check_len(&pre.privileges.assign, V::C, "pre_state.privileges.assign", "cores")?;
    let partial = jar::partial_state_of_views::<V>(&pre.accounts, &pre.privileges);
    let out = jar::accumulate_block::<V>(&reports, &pre.ready_queue, &pre.accumulated, &partial, pre.slot, slot, pre.entropy);
    // The statistics are this block's: the services that accumulated in it.
    let post = AccumulateState {
        slot,
        ready_queue: out.ready,
        accumulated: out.accumulated,
        statistics: out.statistics,
        privileges: out.state.privileges.clone(),
        accounts: jar::views_of_partial_state::<V>(&out.state),
        ..pre
    };
    Ok(json!({ "output": { "ok": to_json(&out.root) }, "post_state": to_json(&post) }))
}
