/-! Gray Paper 0.7.2 with the full chain parameters. -/
import Jar.Variant

namespace Jar.Variants

/-- GP 0.7.2, full parameters: segmented memory, one gas per instruction, flat host calls. -/
instance gp072_full : JarVariant where
  name := "gp072_full"
  params := Params.full
  memoryModel := .segmented
  gasModel := .perInstruction
  capabilityModel := .none
  hostInterface := .flatSbrk
  blobFormat := .gpStandard
  codec := .gpCompact
  useCompactDeblob := true
  ecalliEndsBlock := false

end Jar.Variants
