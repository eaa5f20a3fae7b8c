/-!
# State Merklization (GP Appendix D)

The state root commits to a map from 31-byte keys to byte-string values through a binary
Patricia trie of 64-byte nodes, hashed with blake2b-256:

* no entries: the zero hash;
* one entry: the hash of its leaf node;
* more: the hash of a branch node over the roots of the entries whose key bit at this depth is
  0 (left) and 1 (right).

Bits of a byte string are numbered from the most significant bit of its first byte (the order
of GP 0.7.2 and of the block traces; the 0.6-era `trie.json` vectors read them least significant
first and are stale). A node's first bit tells a branch (0) from a leaf (1). A branch is the left
root with its first bit cleared, then the right root. A leaf's second bit tells an embedded value
(0: values of at most 32 bytes, whose size fills the byte's low six bits, then key, then the value
padded with zeros) from a hashed one (1: key, then the value's hash).
-/
import Jar.Crypto

namespace Jar

/-- Bytes of a state key that the trie uses. -/
def TRIE_KEY_BYTES : Nat := 31

/-- Key bit `i` of `b`, counting from the most significant bit of the first byte (bitfields
elsewhere, such as assurances', count from the least significant bit: `bitAt`). -/
def keyBit (b : ByteArray) (i : Nat) : Bool :=
  (b[i / 8]!.toNat / 2 ^ (7 - i % 8)) % 2 == 1

/-- `n` zero bytes. -/
def zeroBytes (n : Nat) : ByteArray := ByteArray.mk (Array.replicate n 0)

/-- A branch node: the left root without its first bit (the branch marker, 0), the right root. -/
def branchNode (left right : Hash) : ByteArray :=
  let l := left.data
  let first := l[0]!.toNat % 128
  (l.set! 0 first.toUInt8) ++ right.data

/-- A leaf node: an embedded value (at most 32 bytes) or the hash of a longer one. -/
def leafNode (key value : ByteArray) : ByteArray :=
  let k := key.extract 0 TRIE_KEY_BYTES
  if value.size <= 32 then
    (ByteArray.mk #[(128 + value.size).toUInt8]) ++ k ++ value ++ zeroBytes (32 - value.size)
  else
    (ByteArray.mk #[(192 : Nat).toUInt8]) ++ k ++ (blake2b256 value).data

/-- The root of the entries `kvs`, all of whose keys agree on their first `depth` bits; an error
if two of them agree on all 248 key bits (one key twice, which a map cannot hold). -/
partial def merkleAt (kvs : Array (ByteArray × ByteArray)) (depth : Nat) : Except String Hash := Id.run do
  if kvs.size == 0 then
    return .ok default
  if kvs.size == 1 then
    return .ok (blake2b256 (leafNode kvs[0]!.1 kvs[0]!.2))
  if depth >= 8 * TRIE_KEY_BYTES then
    return .error "two keys agree on their first 31 bytes"
  let mut left : Hash := default
  match merkleAt (kvs.filter (fun kv => !keyBit kv.1 depth)) (depth + 1) with
  | .error e => return .error e
  | .ok h => left := h
  let mut right : Hash := default
  match merkleAt (kvs.filter (fun kv => keyBit kv.1 depth)) (depth + 1) with
  | .error e => return .error e
  | .ok h => right := h
  return .ok (blake2b256 (branchNode left right))

/-- The state root of `kvs` (GP D.2). Keys must be at least 31 bytes; two keys that agree on their
first 31 bytes are one key twice, which a map cannot hold. -/
def merkleRoot (kvs : Array (ByteArray × ByteArray)) : Except String Hash := Id.run do
  for kv in kvs do
    if kv.1.size < TRIE_KEY_BYTES then
      return .error "a key is shorter than 31 bytes"
  return merkleAt kvs 0

end Jar
