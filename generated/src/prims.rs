//! The `@[extern]` primitives of the spec, implemented in Rust. Each name is the extern symbol
//! without its `jarkit_` prefix.

use crate::prelude::{ByteArray, OctetSeq};
use blake2::digest::{consts::U32, Digest};

/// `jarkit_blake2b256`: blake2b with a 32-byte digest.
pub fn blake2b256(data: ByteArray) -> OctetSeq<32> {
    let mut h = blake2::Blake2b::<U32>::new();
    h.update(&data.0);
    OctetSeq(h.finalize().into())
}
