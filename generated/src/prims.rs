//! The `@[extern]` primitives of the spec, implemented in Rust. Each name is the extern symbol
//! without its `jarkit_` prefix.

use crate::prelude::{ByteArray, Nat, OctetSeq};
use blake2::digest::{consts::U32, Digest};

pub use crate::seam::{pvm_resume, pvm_run};
pub use crate::bandersnatch::{bandersnatch_ring_root, bandersnatch_ring_vrf_output, bandersnatch_vrf_output};

/// `jarkit_blake2b256`: blake2b with a 32-byte digest.
pub fn blake2b256(data: ByteArray) -> OctetSeq<32> {
    let mut h = blake2::Blake2b::<U32>::new();
    h.update(&data.0[..]);
    OctetSeq(h.finalize().into())
}

/// `jarkit_keccak256`: keccak-256 (the pre-SHA-3 padding, as Ethereum uses it).
pub fn keccak256(data: ByteArray) -> OctetSeq<32> {
    let mut h = sha3::Keccak256::new();
    h.update(&data.0[..]);
    OctetSeq(h.finalize().into())
}

/// `jarkit_rs_recovery`: the `n - k` recovery words of the Reed-Solomon code over GF(2^16) (GP
/// Appendix H) for one codeword of `k` data words of 2 bytes each, by the `reed-solomon-simd`
/// crate. Parameters the code cannot take (no recovery words, words that are not 2 bytes, more
/// than 32768 words) give no recovery words.
pub fn rs_recovery(n: Nat, words: Vec<ByteArray>) -> Vec<ByteArray> {
    let k = words.len();
    let n = n.0 as usize;
    if n <= k || words.iter().any(|w| w.0.len() != 2) {
        return Vec::new();
    }
    match reed_solomon_simd::encode(k, n - k, words.iter().map(|w| &w.0[..])) {
        Ok(recovery) => recovery.into_iter().map(ByteArray::new).collect(),
        Err(_) => Vec::new(),
    }
}

/// `jarkit_ed25519_verify`: whether `signature` is `key`'s Ed25519 signature of `message`, under
/// the ZIP-215 rules (`ed25519-zebra`), which every verifier agrees on. A key that is not a curve
/// point verifies nothing.
pub fn ed25519_verify(key: OctetSeq<32>, message: ByteArray, signature: OctetSeq<64>) -> bool {
    match ed25519_zebra::VerificationKey::try_from(key.0) {
        Ok(k) => k.verify(&ed25519_zebra::Signature::from(signature.0), &message.0).is_ok(),
        Err(_) => false,
    }
}

/// `jarkit_work_report_hash`: blake2b-256 of a work report's encoding in the GP codec (the codec
/// the disputes and reports vectors use; a work report has no variant-sized field, so any GP
/// variant encodes it alike).
pub fn work_report_hash(report: crate::jar::WorkReport) -> OctetSeq<32> {
    use crate::codec::Codec;
    blake2b256(ByteArray::new(report.encode::<crate::jar::Gp072Full>()))
}

/// The variant's encoding of a value, for the `jarkit_encode_*` primitives (`spec/Jar/Encoding.lean`).
fn encoded<T: crate::codec::Codec, V: crate::jar::Variant>(value: &T) -> ByteArray {
    ByteArray::new(value.encode::<V>())
}

/// `jarkit_encode_header`: E(H).
pub fn encode_header<V: crate::jar::Variant>(header: crate::jar::Header) -> ByteArray {
    encoded::<_, V>(&header)
}

/// `jarkit_encode_unsigned_header`: E_U(H), the header without its seal. The seal is the last
/// field and has a fixed size in every codec, so it is the encoding without its last 96 bytes.
pub fn encode_unsigned_header<V: crate::jar::Variant>(header: crate::jar::Header) -> ByteArray {
    let mut bytes = crate::codec::Codec::encode::<V>(&header);
    bytes.truncate(bytes.len() - header.seal.0.len());
    ByteArray::new(bytes)
}

/// `jarkit_encode_tickets`: E(E_T).
pub fn encode_tickets<V: crate::jar::Variant>(tickets: Vec<crate::jar::TicketEnvelope>) -> ByteArray {
    encoded::<_, V>(&tickets)
}

/// `jarkit_encode_preimages`: E(E_P).
pub fn encode_preimages<V: crate::jar::Variant>(preimages: Vec<crate::jar::Preimage>) -> ByteArray {
    encoded::<_, V>(&preimages)
}

/// `jarkit_encode_assurances`: E(E_A).
pub fn encode_assurances<V: crate::jar::Variant>(assurances: Vec<crate::jar::AvailAssurance>) -> ByteArray {
    encoded::<_, V>(&assurances)
}

/// `jarkit_encode_disputes`: E(E_D).
pub fn encode_disputes<V: crate::jar::Variant>(disputes: crate::jar::DisputesExtrinsic) -> ByteArray {
    encoded::<_, V>(&disputes)
}

/// `jarkit_encode_signatures`: E(↕a) of a guarantee's signatures.
pub fn encode_signatures<V: crate::jar::Variant>(signatures: Vec<crate::jar::ValidatorSignature>) -> ByteArray {
    encoded::<_, V>(&signatures)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keccak256_of_the_empty_string() {
        let h = keccak256(ByteArray::empty());
        assert_eq!(format!("{h:?}"), "0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470");
    }

    /// Any 2 of the 6 tiny shards give the blob back (decoded with the same crate), word by word.
    #[test]
    fn any_k_shards_recover_the_blob() {
        let data: Vec<u8> = (0..50u8).collect();
        let shards = crate::jar::erasure_code::<crate::jar::Gp072Tiny>(&ByteArray::new(data.clone()));
        let words = shards[0].0.len() / 2;
        for a in 0..6 {
            for b in a + 1..6 {
                let mut joined = vec![Vec::new(); 2];
                for w in 0..words {
                    let word = |i: usize| shards[i].0[2 * w..2 * w + 2].to_vec();
                    let originals: Vec<(usize, Vec<u8>)> = [a, b].iter().filter(|&&i| i < 2).map(|&i| (i, word(i))).collect();
                    let recovery: Vec<(usize, Vec<u8>)> = [a, b].iter().filter(|&&i| i >= 2).map(|&i| (i - 2, word(i))).collect();
                    let restored = reed_solomon_simd::decode(2, 4, originals.clone(), recovery).unwrap();
                    for i in 0..2 {
                        let w = originals.iter().find(|(j, _)| *j == i).map(|(_, w)| w.clone()).unwrap_or_else(|| restored[&i].clone());
                        joined[i].extend(w);
                    }
                }
                let blob: Vec<u8> = joined.concat();
                assert_eq!(&blob[..50], &data[..], "shards {a} and {b}");
            }
        }
    }
}

/// `jarkit_encode_accumulate_inputs`: E(↕i) of a service's accumulation inputs (`fetch` mode 14).
pub fn encode_accumulate_inputs<V: crate::jar::Variant>(inputs: Vec<crate::jar::AccumulateInput>) -> ByteArray {
    encoded::<_, V>(&inputs)
}

/// `jarkit_encode_accumulate_input`: E(i) of one accumulation input (`fetch` mode 15).
pub fn encode_accumulate_input<V: crate::jar::Variant>(input: crate::jar::AccumulateInput) -> ByteArray {
    encoded::<_, V>(&input)
}

/// `jarkit_hash_of_bytes`: 32 bytes as a hash; shorter input is padded with zeros, longer cut
/// (the spec only calls it with 32 bytes).
pub fn hash_of_bytes(bytes: ByteArray) -> OctetSeq<32> {
    let mut out = [0u8; 32];
    let n = bytes.0.len().min(32);
    out[..n].copy_from_slice(&bytes.0[..n]);
    OctetSeq(out)
}

/// `jarkit_validator_keys_of_bytes`: a validator's keys from their 336 bytes (Bandersnatch,
/// Ed25519, BLS, metadata); missing bytes read as zeros.
pub fn validator_keys_of_bytes(bytes: ByteArray) -> crate::jar::ValidatorKeys {
    let mut b = bytes.into_vec();
    b.resize(336, 0);
    let mut keys = crate::jar::ValidatorKeys::default();
    keys.bandersnatch.0.copy_from_slice(&b[0..32]);
    keys.ed25519.0.copy_from_slice(&b[32..64]);
    keys.bls.0.copy_from_slice(&b[64..208]);
    keys.metadata.0.copy_from_slice(&b[208..336]);
    keys
}
