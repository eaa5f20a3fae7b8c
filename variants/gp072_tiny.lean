/-! Gray Paper 0.7.2 with the tiny chain parameters. -/
import Jar.Variant

namespace Jar.Variants

/-- GP 0.7.2, tiny parameters: segmented memory, one gas per instruction, flat host calls. -/
instance gp072_tiny : JarVariant where
  name := "gp072_tiny"
  params := Params.tiny
  memoryModel := .segmented
  gasModel := .perInstruction
  capabilityModel := .none
  hostInterface := .flatSbrk
  blobFormat := .gpStandard
  codec := .gpCompact
  useCompactDeblob := true
  ecalliEndsBlock := false

end Jar.Variants
