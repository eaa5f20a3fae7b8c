//! The node layer: the whole state as the trie stores it, block import over the block traces,
//! and (later) the conformance fuzzer's target protocol. The transition itself is generated from
//! the Lean spec; this layer maps trie entries and files onto it.

pub mod import;
pub mod state;
pub mod target;
pub mod trie;
