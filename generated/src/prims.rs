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

/// `jarkit_keccak256`: keccak-256 (the pre-SHA-3 padding, as Ethereum uses it).
pub fn keccak256(data: ByteArray) -> OctetSeq<32> {
    let mut h = sha3::Keccak256::new();
    h.update(&data.0);
    OctetSeq(h.finalize().into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keccak256_of_the_empty_string() {
        let h = keccak256(ByteArray::empty());
        assert_eq!(format!("{h:?}"), "0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470");
    }
}
