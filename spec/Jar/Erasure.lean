/-!
# Erasure coding (GP Appendix H)

A blob is coded into V shards, any W_E / 2 of which recover it. The blob is padded with zeros to
a multiple of W_E bytes and cut into k = W_E / 2 equal data shards (shard i is the i-th slice);
these are the first k shards. Word w (bytes 2w, 2w + 1) of every data shard forms one codeword of
a Reed-Solomon code over GF(2^16), whose V − k recovery words are word w of the other shards.
The field arithmetic is the primitive `rsRecovery`.
-/
import Jar.Merkle

namespace Jar

variable [JarVariant]

/-- The `n − k` recovery words (2 bytes each) of the Reed-Solomon code over GF(2^16) for the `k`
data words of one codeword; no words if the code cannot take these parameters. -/
@[extern "jarkit_rs_recovery"]
opaque rsRecovery : Nat → Array ByteArray → Array ByteArray

/-- The number of data shards, W_E / 2. -/
def dataShards : Nat := W_E / 2

/-- The V shards of `data`: k data shards, then V − k recovery shards. -/
def erasureCode (data : ByteArray) : Array ByteArray := Id.run do
  let k := dataShards
  let padded := data ++ zeroBytes ((W_E - data.size % W_E) % W_E)
  let len := padded.size / k
  let mut shards : Array ByteArray := #[]
  for i in [:k] do
    shards := shards.push (padded.extract (i * len) ((i + 1) * len))
  let mut recovery : Array ByteArray := Array.replicate (V - k) ByteArray.empty
  for w in [:len / 2] do
    let mut words : Array ByteArray := #[]
    for s in shards do
      words := words.push (s.extract (2 * w) (2 * w + 2))
    let more := rsRecovery V words
    for j in [:V - k] do
      recovery := recovery.set! j (recovery[j]! ++ more[j]!)
  return shards ++ recovery

end Jar
