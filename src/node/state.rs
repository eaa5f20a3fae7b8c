//! The state trie's entries ↔ the spec's typed state (`ChainState`, `spec/Jar/State.lean`).
//!
//! Every component is decoded with the codec derived from its type, at the key the spec's
//! `componentKey` gives; service account records sit at `serviceAccountKey`; every other entry
//! (service storage, preimages, lookup records) is kept as it is. Encoding is the inverse, so a
//! state read from a trace and written back gives the same entries and root.

use jarkit_spec::codec::Codec;
use jarkit_spec::jar::{self, ChainState, KeyValue, ServiceAccountEntry, Variant};
use jarkit_spec::prelude::{ByteArray, Nat};

/// The names of the components C(1)…C(16), for messages.
pub const COMPONENTS: [&str; 16] = [
    "authPools (α)",
    "authQueues (φ)",
    "recent (β)",
    "gamma (γ)",
    "judgements (ψ)",
    "entropy (η)",
    "queued (ι)",
    "active (κ)",
    "previous (λ)",
    "pending (ρ)",
    "tau (τ)",
    "privileges (χ)",
    "statistics (π)",
    "ready (ω)",
    "accumulated (ξ)",
    "lastOutputs (θ)",
];

/// The key of component `i` (1-based), from the spec.
pub fn component_key(i: usize) -> ByteArray {
    // The key constructors do not depend on the variant; any one instantiates them.
    jar::component_key::<jar::Gp072Tiny>(Nat(i as u64))
}

/// The service whose account record `key` is, if it is one: 255, then E₄(s) interleaved with
/// zeros, then zeros.
fn account_service(key: &ByteArray) -> Option<u32> {
    let k = &key.0;
    if k.len() != 31 || k[0] != 255 || k[2] != 0 || k[4] != 0 || k[6] != 0 || k[8..].iter().any(|&b| b != 0) {
        return None;
    }
    let s = u32::from_le_bytes([k[1], k[3], k[5], k[7]]);
    (jar::service_account_key::<jar::Gp072Tiny>(s) == *key).then_some(s)
}

/// Which component or service item a key names, for messages.
pub fn describe_key(key: &ByteArray) -> String {
    if let Some(i) = (1..=16).find(|&i| component_key(i) == *key) {
        return format!("component {i} {}", COMPONENTS[i - 1]);
    }
    if let Some(s) = account_service(key) {
        return format!("service {s}'s account record");
    }
    let k = &key.0;
    if k.len() < 7 {
        return format!("a key of {} bytes", k.len());
    }
    format!("an item of service {} (storage, preimage or lookup record)", u32::from_le_bytes([k[0], k[2], k[4], k[6]]))
}

fn decode_at<T: Codec, V: Variant>(entries: &[KeyValue], i: usize) -> Result<T, String> {
    let key = component_key(i);
    let kv = entries.iter().find(|kv| kv.key == key).ok_or_else(|| format!("the state has no component {i} {}", COMPONENTS[i - 1]))?;
    T::decode::<V>(&kv.value.0).map_err(|e| format!("component {i} {}: {e}", COMPONENTS[i - 1]))
}

/// Reads a state from its trie entries. Every component must be present and decode exactly;
/// a key that appears twice is an error.
pub fn decode_state<V: Variant>(entries: &[KeyValue]) -> Result<ChainState, String> {
    if let Some(kv) = entries.iter().find(|kv| kv.key.0.len() != 31) {
        return Err(format!("a state key has {} bytes; state keys have 31", kv.key.0.len()));
    }
    let mut sorted: Vec<&KeyValue> = entries.iter().collect();
    sorted.sort_by(|a, b| a.key.0.cmp(&b.key.0));
    if let Some(w) = sorted.windows(2).find(|w| w[0].key == w[1].key) {
        return Err(format!("key {:?} appears twice", w[0].key));
    }
    let mut services = Vec::new();
    let mut items = Vec::new();
    for kv in sorted {
        if (1..=16).any(|i| component_key(i) == kv.key) {
            continue;
        }
        match account_service(&kv.key) {
            Some(id) => {
                let info = jar::ServiceInfo::decode::<V>(&kv.value.0).map_err(|e| format!("service {id}'s account record: {e}"))?;
                services.push(ServiceAccountEntry { id, info });
            }
            None => items.push(kv.clone()),
        }
    }
    // Fixed-length sequences go through the spec's one-field component structures.
    Ok(ChainState {
        auth_pools: decode_at::<jar::AuthPoolsComponent, V>(entries, 1)?.pools,
        auth_queues: decode_at::<jar::AuthQueuesComponent, V>(entries, 2)?.queues,
        recent: decode_at::<_, V>(entries, 3)?,
        gamma: decode_at::<_, V>(entries, 4)?,
        judgements: decode_at::<_, V>(entries, 5)?,
        entropy: decode_at::<jar::EntropyComponent, V>(entries, 6)?.entropy,
        queued: decode_at::<jar::ValidatorsComponent, V>(entries, 7)?.keys,
        active: decode_at::<jar::ValidatorsComponent, V>(entries, 8)?.keys,
        previous: decode_at::<jar::ValidatorsComponent, V>(entries, 9)?.keys,
        pending: decode_at::<jar::PendingComponent, V>(entries, 10)?.cores,
        tau: decode_at::<_, V>(entries, 11)?,
        privileges: decode_at::<_, V>(entries, 12)?,
        statistics: decode_at::<_, V>(entries, 13)?,
        ready: decode_at::<jar::ReadyComponent, V>(entries, 14)?.queue,
        accumulated: decode_at::<jar::AccumulatedComponent, V>(entries, 15)?.queue,
        last_outputs: decode_at::<_, V>(entries, 16)?,
        services,
        items,
    })
}

/// Writes a state as its trie entries, sorted by key.
pub fn encode_state<V: Variant>(s: &ChainState) -> Vec<KeyValue> {
    let validators = |keys: &Vec<jar::ValidatorKeys>| jar::ValidatorsComponent { keys: keys.clone() }.encode::<V>();
    let parts: [Vec<u8>; 16] = [
        jar::AuthPoolsComponent { pools: s.auth_pools.clone() }.encode::<V>(),
        jar::AuthQueuesComponent { queues: s.auth_queues.clone() }.encode::<V>(),
        s.recent.encode::<V>(),
        s.gamma.encode::<V>(),
        s.judgements.encode::<V>(),
        jar::EntropyComponent { entropy: s.entropy.clone() }.encode::<V>(),
        validators(&s.queued),
        validators(&s.active),
        validators(&s.previous),
        jar::PendingComponent { cores: s.pending.clone() }.encode::<V>(),
        s.tau.encode::<V>(),
        s.privileges.encode::<V>(),
        s.statistics.encode::<V>(),
        jar::ReadyComponent { queue: s.ready.clone() }.encode::<V>(),
        jar::AccumulatedComponent { queue: s.accumulated.clone() }.encode::<V>(),
        s.last_outputs.encode::<V>(),
    ];
    let mut out: Vec<KeyValue> = parts.into_iter().enumerate().map(|(i, v)| KeyValue { key: component_key(i + 1), value: ByteArray::new(v) }).collect();
    for a in &s.services {
        out.push(KeyValue { key: jar::service_account_key::<V>(a.id), value: ByteArray::new(a.info.encode::<V>()) });
    }
    out.extend(s.items.iter().cloned());
    out.sort_by(|a, b| a.key.0.cmp(&b.key.0));
    out
}

/// The state root of trie entries (the spec's `merkleRoot`).
pub fn state_root(entries: &[KeyValue]) -> Result<jar::Hash, String> {
    let kvs: Vec<(ByteArray, ByteArray)> = entries.iter().map(|kv| (kv.key.clone(), kv.value.clone())).collect();
    jar::merkle_root(&kvs)
}
