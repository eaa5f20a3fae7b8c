//! The state root, kept incrementally: the fast path beside the spec's `merkleRoot`
//! (`spec/Jar/Merkle.lean`), which defines it and against which the tests hold this one on
//! every trace state and on random updates.
//!
//! A block changes a handful of the state's entries, but the spec recomputes every leaf, and a
//! leaf with a long value (a service's code) costs a hash of the whole value. Here each entry's
//! leaf hash is remembered with its value and recomputed only when the value changed; branches
//! (two 32-byte hashes each) are rebuilt from the leaves, which is cheap.

use std::collections::BTreeMap;

use blake2::digest::{consts::U32, Digest};
use jarkit_spec::jar::{Hash, KeyValue};
use jarkit_spec::prelude::OctetSeq;

fn blake2b(parts: &[&[u8]]) -> [u8; 32] {
    let mut h = blake2::Blake2b::<U32>::new();
    for p in parts {
        h.update(p);
    }
    h.finalize().into()
}

/// The hash of a leaf node (GP D.4, the traces' bit order): a value of at most 32 bytes is
/// embedded after `0x80 | len` and the key; a longer one is `0xC0`, the key and its hash.
fn leaf_hash(key: &[u8; 31], value: &[u8]) -> [u8; 32] {
    let mut node = [0u8; 64];
    node[1..32].copy_from_slice(key);
    if value.len() <= 32 {
        node[0] = 0x80 | value.len() as u8;
        node[32..32 + value.len()].copy_from_slice(value);
    } else {
        node[0] = 0xC0;
        node[32..].copy_from_slice(&blake2b(&[value]));
    }
    blake2b(&[&node])
}

fn bit(key: &[u8; 31], i: usize) -> bool {
    key[i / 8] >> (7 - i % 8) & 1 == 1
}

/// The root over `leaves` (sorted by key, all agreeing on their first `depth` bits).
fn root_of(leaves: &[(&[u8; 31], [u8; 32])], depth: usize) -> [u8; 32] {
    match leaves {
        [] => [0; 32],
        [(_, h)] => *h,
        _ => {
            // Sorted keys: those with bit `depth` clear come first.
            let split = leaves.partition_point(|(k, _)| !bit(k, depth));
            let mut left = root_of(&leaves[..split], depth + 1);
            let right = root_of(&leaves[split..], depth + 1);
            left[0] &= 0x7F;
            blake2b(&[&left, &right])
        }
    }
}

/// A state's entries with their leaf hashes.
#[derive(Default, Clone)]
pub struct IncrementalTrie {
    leaves: BTreeMap<[u8; 31], (Vec<u8>, [u8; 32])>,
}

impl IncrementalTrie {
    /// Makes the trie hold exactly `entries` (keys of 31 bytes, each once), rehashing only the
    /// leaves whose value changed, and returns the root.
    pub fn update(&mut self, entries: &[KeyValue]) -> Result<Hash, String> {
        let mut next = BTreeMap::new();
        for kv in entries {
            let key: [u8; 31] = kv.key.0.as_slice().try_into().map_err(|_| format!("a state key has {} bytes; state keys have 31", kv.key.0.len()))?;
            let hash = match self.leaves.get(&key) {
                Some((value, hash)) if *value == *kv.value.0 => *hash,
                _ => leaf_hash(&key, &kv.value.0),
            };
            if next.insert(key, (kv.value.0.to_vec(), hash)).is_some() {
                return Err("two entries have one key".into());
            }
        }
        self.leaves = next;
        Ok(self.root())
    }

    /// The root of what the trie holds.
    pub fn root(&self) -> Hash {
        let leaves: Vec<(&[u8; 31], [u8; 32])> = self.leaves.iter().map(|(k, (_, h))| (k, *h)).collect();
        OctetSeq(root_of(&leaves, 0))
    }
}
