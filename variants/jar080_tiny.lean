/-! JAR 0.8.0 with the tiny chain parameters: linear memory and per-block gas. -/
import Jar.Variant

namespace Jar.Variants

/-- jar080, tiny parameters: one read-write region from address 0, per-basic-block gas from the
single-pass pipeline model, host calls shifted by one with heap growth as a host call. -/
instance jar080_tiny : JarVariant where
  name := "jar080_tiny"
  params := Params.tiny
  memoryModel := .linear
  gasModel := .basicBlockSinglePass
  capabilityModel := .none
  hostInterface := .flatGrowHeap
  blobFormat := .jarV1
  codec := .gpCompact
  useCompactDeblob := false
  ecalliEndsBlock := true

end Jar.Variants
