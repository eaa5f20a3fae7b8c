//! Invariants the spec states in prose, checked on random valid states of the generated
//! sub-transitions (beyond the handful of w3f vectors).

use jarkit_spec::jar::{self, Gp072Tiny, Variant};
use jarkit_spec::prelude::{ByteArray, OctetSeq};
use proptest::prelude::*;

type V = Gp072Tiny;

fn hash() -> impl Strategy<Value = jar::Hash> {
    // A small alphabet so that used authorizers often match pool entries.
    (0u8..6).prop_map(|b| OctetSeq([b; 32]))
}

fn activity() -> impl Strategy<Value = jar::ValidatorActivityRecord> {
    (0u32..1000, 0u32..1000, 0u32..1000, 0u32..1000, 0u32..1000, 0u32..1000).prop_map(|(a, b, c, d, e, f)| {
        jar::ValidatorActivityRecord { blocks: a, tickets: b, pre_images: c, pre_images_size: d, guarantees: e, assurances: f }
    })
}

fn extrinsic() -> impl Strategy<Value = jar::Extrinsic> {
    let v = V::V.0 as u16;
    let sigs = proptest::collection::vec((0..v).prop_map(|i| jar::ValidatorSignature { validator_index: i, signature: OctetSeq([0; 64]) }), 0..4);
    let guarantee = sigs.prop_map(|signatures| jar::ReportGuarantee { signatures, ..Default::default() });
    let assurance = (0..v).prop_map(|i| jar::AvailAssurance { validator_index: i, ..Default::default() });
    let preimage = proptest::collection::vec(any::<u8>(), 0..40).prop_map(|b| jar::Preimage { requester: 1, blob: ByteArray::new(b) });
    (
        proptest::collection::vec(Just(jar::TicketEnvelope { attempt: 0, signature: OctetSeq([0; 784]) }), 0..3),
        proptest::collection::vec(preimage, 0..3),
        proptest::collection::vec(guarantee, 0..3),
        proptest::collection::vec(assurance, 0..6),
    )
        .prop_map(|(tickets, preimages, guarantees, assurances)| jar::Extrinsic { tickets, preimages, guarantees, assurances, ..Default::default() })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// α′: every pool holds at most O entries and ends with the queue entry the slot selects.
    #[test]
    fn auth_pools_stay_bounded_and_take_the_slot_queue_entry(
        pools in proptest::collection::vec(proptest::collection::vec(hash(), 0..=8), 2),
        queues in proptest::collection::vec(proptest::collection::vec(hash(), 80), 2),
        used in proptest::collection::vec((0u16..2, hash()).prop_map(|(core, auth_hash)| jar::CoreAuthorizer { core, auth_hash }), 0..4),
        slot in any::<u32>(),
    ) {
        let post = jar::update_auth_pools::<V>(&pools, &queues, slot, &used);
        prop_assert_eq!(post.len(), pools.len());
        for (c, pool) in post.iter().enumerate() {
            prop_assert!(pool.len() as u64 <= V::O_POOL.0);
            prop_assert_eq!(*pool.last().unwrap(), queues[c][slot as usize % 80]);
            let used_here = used.iter().filter(|u| u.core as usize == c).count();
            // Each guarantee removes at most one entry; one is appended; then the pool is cut to O.
            let before = pools[c].len();
            prop_assert!(pool.len() + used_here + 1 >= (before + 1).min(V::O_POOL.0 as usize));
        }
    }

    /// β′: at most H entries, the new block last with a zero state root, the previous block's
    /// state root fixed, and the MMR peak count never more than ⌊log2 leaves⌋ + 1.
    #[test]
    fn history_is_bounded_and_records_the_block(
        len in 0usize..=8,
        // A valid MMR: empty, or its highest peak is present.
        peaks in (proptest::collection::vec(proptest::option::of(hash()), 0..9), proptest::option::of(hash()))
            .prop_map(|(mut v, top)| { if let Some(h) = top { v.push(Some(h)) } else { v.clear() } v }),
        header in hash(), parent_root in hash(), acc_root in hash(),
    ) {
        let history: Vec<jar::BlockInfo> = (0..len).map(|i| jar::BlockInfo { header_hash: OctetSeq([i as u8; 32]), ..Default::default() }).collect();
        let beta = jar::RecentBlocks { history, mmr: jar::Mmr { peaks: peaks.clone() } };
        let post = jar::update_recent_history::<V>(&beta, header, parent_root, acc_root, &vec![]);
        prop_assert!(post.history.len() as u64 <= V::H_RECENT.0);
        let last = post.history.last().unwrap();
        prop_assert_eq!(last.header_hash, header);
        prop_assert_eq!(last.state_root, OctetSeq([0; 32]));
        if len > 0 && post.history.len() >= 2 {
            prop_assert_eq!(post.history[post.history.len() - 2].state_root, parent_root);
        }
        prop_assert!(post.mmr.peaks.len() <= peaks.len() + 1);
        prop_assert!(post.mmr.peaks.last().unwrap().is_some(), "the highest peak of an MMR is present");
    }

    /// π′_V within one epoch: no counter decreases, the author's block count grows by one, and
    /// π_L is untouched.
    #[test]
    fn statistics_are_monotone_within_an_epoch(
        curr in proptest::collection::vec(activity(), 6),
        last in proptest::collection::vec(activity(), 6),
        tau in 0u32..11, step in 1u32..12, author in 0u16..6,
        ext in extrinsic(),
    ) {
        let slot = (tau + step).min(11);
        let (post, post_last) = jar::update_validator_stats::<V>(&curr, &last, tau, slot, author, &ext);
        prop_assert_eq!(post_last, last);
        for (a, b) in curr.iter().zip(&post) {
            prop_assert!(b.blocks >= a.blocks && b.tickets >= a.tickets && b.pre_images >= a.pre_images);
            prop_assert!(b.pre_images_size >= a.pre_images_size && b.guarantees >= a.guarantees && b.assurances >= a.assurances);
            prop_assert!(b.guarantees <= a.guarantees + 1, "a guarantor is credited at most once per block");
        }
        prop_assert_eq!(post[author as usize].blocks, curr[author as usize].blocks + 1);
    }
}

/// The pre-states of the assurances and disputes vectors, with the timeslot they run at.
fn vector_states(sub: &str) -> Vec<serde_json::Value> {
    let Some(root) = jarkit::vectors::vectors_for_test() else { return vec![] };
    let dir = root.join(format!("gp072/stf/{sub}/tiny"));
    jarkit::vectors::json_files(&dir).unwrap().iter().map(|p| jarkit::vectors::read_json(p).unwrap()).collect()
}

/// With no assurances nothing becomes available, and exactly the reports that are U slots old
/// or more leave their cores, whatever the slot.
#[test]
fn without_assurances_only_timeouts_change_the_cores() {
    for case in vector_states("assurances") {
        let pending: Vec<Option<jar::AvailabilityAssignment>> = serde_json::from_value(case["pre_state"]["avail_assignments"].clone()).unwrap();
        let validators: Vec<jar::ValidatorKeys> = serde_json::from_value(case["pre_state"]["curr_validators"].clone()).unwrap();
        let parent: jar::Hash = serde_json::from_value(case["input"]["parent"].clone()).unwrap();
        for slot in [0u32, 10, 12, 16, 17, 1000] {
            let (available, after) = jar::apply_assurances::<V>(&pending, &validators, &vec![], slot, parent).unwrap();
            assert!(available.is_empty());
            for (before, after) in pending.iter().zip(&after) {
                let stale = before.as_ref().is_some_and(|a| u64::from(slot) >= u64::from(a.timeout) + V::U_TIMEOUT.0);
                assert_eq!(after.is_none(), before.is_none() || stale, "slot {slot}");
            }
        }
    }
}

/// An empty disputes extrinsic changes nothing and marks no offender.
#[test]
fn an_empty_disputes_extrinsic_changes_nothing() {
    for case in vector_states("disputes") {
        let pre = &case["pre_state"];
        let records: jar::DisputesRecords = serde_json::from_value(pre["psi"].clone()).unwrap();
        let rho: Vec<Option<jar::AvailabilityAssignment>> = serde_json::from_value(pre["rho"].clone()).unwrap();
        let kappa: Vec<jar::ValidatorKeys> = serde_json::from_value(pre["kappa"].clone()).unwrap();
        let lambda: Vec<jar::ValidatorKeys> = serde_json::from_value(pre["lambda"].clone()).unwrap();
        let tau: u32 = serde_json::from_value(pre["tau"].clone()).unwrap();
        let (after, mark, cores) = jar::apply_disputes::<V>(&records, &rho, tau, &kappa, &lambda, &jar::DisputesExtrinsic::default()).unwrap();
        assert_eq!(after, records);
        assert!(mark.is_empty());
        assert_eq!(cores, rho);
    }
}

/// Safrole's pre-state from a vector (real keys, so the ring root is a real commitment).
fn safrole_state() -> Option<(jar::SafroleState, Vec<jar::Ed25519Public>)> {
    let root = jarkit::vectors::vectors_for_test()?;
    let mut case = jarkit::vectors::read_json(&root.join("gp072/stf/safrole/tiny/enact-epoch-change-with-no-tickets-1.json")).unwrap();
    let offenders = serde_json::from_value(case["pre_state"]["post_offenders"].take()).unwrap();
    case["pre_state"].as_object_mut().unwrap().remove("post_offenders");
    Some((serde_json::from_value(case["pre_state"].clone()).unwrap(), offenders))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Along any chain of ticketless blocks: the validator sets rotate exactly on the blocks
    /// that open a new epoch (once, however many epochs were skipped), the epoch entropies shift
    /// with them, η₀ takes every block's entropy, the sealing keys always cover E slots, the
    /// epoch marker appears exactly on those blocks, and a block not after its parent is
    /// rejected with the state untouched.
    #[test]
    fn safrole_rotates_exactly_once_per_epoch_boundary(gaps in proptest::collection::vec(1u32..30, 1..8), entropy in any::<[u8; 32]>(), stale in 0u32..2) {
        let Some((mut s, offenders)) = safrole_state() else { return Ok(()) };
        let e = V::E.0 as u32;
        for gap in gaps {
            let slot = s.tau + gap;
            let change = slot / e > s.tau / e;
            let (marks, post) = jar::apply_safrole::<V>(&s, slot, OctetSeq(entropy), &vec![], &offenders).unwrap();
            prop_assert_eq!(marks.epoch_mark.is_some(), change);
            prop_assert_eq!(post.tau, slot);
            prop_assert_ne!(&post.eta[0], &s.eta[0]);
            if change {
                prop_assert_eq!(&post.kappa, &s.gamma_k);
                prop_assert_eq!(&post.lambda, &s.kappa);
                prop_assert_eq!(&post.eta[1..], &s.eta[..3]);
                prop_assert!(post.gamma_a.is_empty());
            } else {
                prop_assert_eq!(&post.kappa, &s.kappa);
                prop_assert_eq!(&post.lambda, &s.lambda);
                prop_assert_eq!(&post.eta[1..], &s.eta[1..]);
                prop_assert_eq!(&post.gamma_z, &s.gamma_z);
            }
            match &post.gamma_s {
                jar::TicketsOrKeys::Keys(k) => prop_assert_eq!(k.len() as u64, V::E.0),
                jar::TicketsOrKeys::Tickets(t) => prop_assert_eq!(t.len() as u64, V::E.0),
            }
            // The same block again, or an earlier one, is not after the new tip.
            let again = jar::apply_safrole::<V>(&post, slot - stale.min(slot), OctetSeq(entropy), &vec![], &offenders);
            prop_assert_eq!(again.unwrap_err(), jar::SafroleError::BadSlot);
            s = post;
        }
    }
}

/// A report for package `p` (a small alphabet) with prerequisites `deps`.
fn report(p: u8, deps: &[u8]) -> jar::WorkReport {
    let mut w = jar::WorkReport::default();
    w.package_spec.hash = OctetSeq([p; 32]);
    w.context.prerequisites = deps.iter().map(|&d| OctetSeq([d; 32])).collect();
    w
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// The accumulation plan (GP 12.4–12.12): every available report is accumulated now or
    /// queued; what is accumulatable comes in an order in which each report's dependencies are
    /// already accumulated (in ξ or earlier in the order); queued reports wait only for what is
    /// not yet accumulated; and after the queues move, ξ's newest slot holds exactly what was
    /// accumulated and no ready record waits for it.
    #[test]
    fn the_accumulation_plan_respects_dependencies(
        available in proptest::collection::vec((1u8..12, proptest::collection::vec(1u8..12, 0..3)), 0..6),
        queued in proptest::collection::vec((1u8..12, proptest::collection::vec(1u8..12, 1..3)), 0..4),
        done in proptest::collection::vec(1u8..12, 0..4),
        slot in 12u32..100,
    ) {
        let e = V::E.0 as usize;
        let available: Vec<jar::WorkReport> = available.iter().map(|(p, d)| report(*p, d)).collect();
        let mut ready: Vec<Vec<jar::ReadyRecord>> = vec![vec![]; e];
        for (i, (p, d)) in queued.iter().enumerate() {
            let w = report(*p, d);
            ready[i % e].push(jar::ReadyRecord { dependencies: w.context.prerequisites.clone(), report: w });
        }
        let mut accumulated: Vec<Vec<jar::Hash>> = vec![vec![]; e];
        accumulated[e - 1] = done.iter().map(|&d| OctetSeq([d; 32])).collect();
        let plan = jar::plan_accumulation::<V>(&available, &ready, &accumulated, slot);
        let pkg = |w: &jar::WorkReport| w.package_spec.hash;
        prop_assert_eq!(plan.immediate.len() + plan.queued.len() <= available.len(), true);
        for w in &available {
            let immediate = plan.immediate.iter().any(|x| x == w);
            let waiting = plan.queued.iter().any(|r| r.report == *w);
            let already = accumulated.iter().flatten().any(|h| *h == pkg(w));
            prop_assert!(immediate || waiting || already, "a report is accumulated, queued, or already done");
        }
        let mut seen: Vec<jar::Hash> = accumulated.iter().flatten().copied().collect();
        for w in &plan.accumulatable {
            for d in &w.context.prerequisites {
                prop_assert!(seen.contains(d), "a dependency comes first");
            }
            seen.push(pkg(w));
        }
        for r in &plan.queued {
            for d in &r.dependencies {
                prop_assert!(!accumulated.iter().flatten().any(|h| h == d));
            }
        }
        let (ready2, accumulated2) = jar::advance_queues::<V>(&plan, &plan.accumulatable, &ready, &accumulated, slot - 1, slot);
        prop_assert_eq!(accumulated2.len(), e);
        prop_assert_eq!(ready2.len(), e);
        // ξ′'s newest slot is the set of what was accumulated: in order, each once.
        let mut newest: Vec<jar::Hash> = plan.accumulatable.iter().map(pkg).collect();
        newest.sort();
        newest.dedup();
        prop_assert_eq!(&accumulated2[e - 1], &newest);
        prop_assert_eq!(&accumulated2[..e - 1], &accumulated[1..]);
        for r in ready2.iter().flatten() {
            prop_assert!(!newest.contains(&pkg(&r.report)));
            prop_assert!(r.dependencies.iter().all(|d| !newest.contains(d)));
        }
    }
}
