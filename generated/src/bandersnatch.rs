//! Bandersnatch VRF, ring VRF and ring roots (GP Appendix G) for the spec's `@[extern]`
//! primitives, by the `ark-vrf` crate (suite Bandersnatch, SHA-512, Elligator 2).
//!
//! A VRF signature is the output point (32 bytes) followed by the proof; the spec sees only
//! whether it verifies and, if it does, the output hash's first 32 bytes. The ring parameters
//! come from the SRS ark-vrf ships, embedded at build time, and are built once per ring size.

use std::sync::{Mutex, OnceLock};

use ark_vrf::reexports::ark_serialize::{CanonicalDeserialize, CanonicalSerialize};
use ark_vrf::suites::bandersnatch::{AffinePoint, IetfProof, Input, Output, PcsParams, Public, RingCommitment, RingProof, RingProofParams};

use crate::prelude::OctetSeq;

/// The Zcash BLS12-381 SRS (2^11 powers) from ark-vrf's `data/srs`, located by build.rs.
static RING_SRS: &[u8] = include_bytes!(env!("JARKIT_RING_SRS"));

/// Bytes of an output point at the head of every signature.
const OUTPUT_BYTES: usize = 32;

/// The largest ring the SRS supports (ark-vrf's bound for a 2^11 domain).
fn max_ring_size() -> usize {
    params(1).map_or(0, |p| p.max_ring_size())
}

/// The ring parameters for rings of `size` keys, built once per size. `None` if the SRS cannot
/// hold a ring that large.
fn params(size: usize) -> Option<RingProofParams> {
    static CACHE: OnceLock<Mutex<Vec<(usize, RingProofParams)>>> = OnceLock::new();
    let cache = CACHE.get_or_init(|| Mutex::new(Vec::new()));
    let mut cache = cache.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((_, p)) = cache.iter().find(|(n, _)| *n == size) {
        return Some(p.clone());
    }
    static PCS: OnceLock<PcsParams> = OnceLock::new();
    let pcs = PCS.get_or_init(|| PcsParams::deserialize_uncompressed_unchecked(RING_SRS).expect("the embedded SRS is well-formed"));
    let p = RingProofParams::from_pcs_params(size.max(1), pcs.clone()).ok()?;
    cache.push((size, p.clone()));
    Some(p)
}

/// A key as a curve point; one that is not a point is the ring's padding point (GP G.3: an
/// invalid key takes its place in the ring without being provable).
fn ring_member(key: &OctetSeq<32>) -> AffinePoint {
    AffinePoint::deserialize_compressed(&key.0[..]).unwrap_or(RingProofParams::padding_point())
}

/// `jarkit_bandersnatch_ring_root`: the KZG commitment to the ring of `keys` (144 bytes). A ring
/// larger than the SRS supports has the zero root, which no proof verifies against.
pub fn bandersnatch_ring_root(keys: Vec<OctetSeq<32>>) -> OctetSeq<144> {
    let Some(p) = (keys.len() <= max_ring_size()).then(|| params(keys.len())).flatten() else {
        return OctetSeq([0; 144]);
    };
    let points: Vec<AffinePoint> = keys.iter().map(ring_member).collect();
    let mut out = Vec::with_capacity(144);
    p.verifier_key(&points).commitment().serialize_compressed(&mut out).expect("a commitment serializes");
    let mut root = [0u8; 144];
    root.copy_from_slice(&out[..144]);
    OctetSeq(root)
}

/// The output hash's first 32 bytes.
fn output_id(output: &Output) -> OctetSeq<32> {
    let mut id = [0u8; 32];
    id.copy_from_slice(&output.hash()[..32]);
    OctetSeq(id)
}

/// `jarkit_bandersnatch_ring_vrf_output`: the output hash of a ring-VRF proof of `message` with
/// additional data `aux` by a member of the ring of `ring_size` keys with root `root`, or `None`
/// if the proof, the root or the input is not valid.
pub fn bandersnatch_ring_vrf_output(
    ring_size: crate::prelude::Nat,
    root: OctetSeq<144>,
    message: crate::prelude::ByteArray,
    aux: crate::prelude::ByteArray,
    signature: OctetSeq<784>,
) -> Option<OctetSeq<32>> {
    use ark_vrf::ring::Verifier;
    let size = usize::try_from(ring_size.0).ok().filter(|&n| n <= max_ring_size())?;
    let p = params(size)?;
    let commitment = RingCommitment::deserialize_compressed(&root.0[..]).ok()?;
    let verifier = p.verifier(p.verifier_key_from_commitment(commitment));
    let input = Input::new(&message.0)?;
    let output = Output::deserialize_compressed(&signature.0[..OUTPUT_BYTES]).ok()?;
    let proof = RingProof::deserialize_compressed(&signature.0[OUTPUT_BYTES..]).ok()?;
    Public::verify(input, output, &aux.0[..], &proof, &verifier).ok()?;
    Some(output_id(&output))
}

/// `jarkit_bandersnatch_vrf_output`: the output hash of `key`'s (IETF) VRF signature of
/// `message` with additional data `aux`, or `None` if the key, the input or the signature is
/// not valid.
pub fn bandersnatch_vrf_output(
    key: OctetSeq<32>,
    message: crate::prelude::ByteArray,
    aux: crate::prelude::ByteArray,
    signature: OctetSeq<96>,
) -> Option<OctetSeq<32>> {
    use ark_vrf::ietf::Verifier;
    let public = Public::deserialize_compressed(&key.0[..]).ok()?;
    let input = Input::new(&message.0)?;
    let output = Output::deserialize_compressed(&signature.0[..OUTPUT_BYTES]).ok()?;
    let proof = IetfProof::deserialize_compressed(&signature.0[OUTPUT_BYTES..]).ok()?;
    public.verify(input, output, &aux.0[..], &proof).ok()?;
    Some(output_id(&output))
}
