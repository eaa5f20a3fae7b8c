/-! JAR v1 with the JAVM capability system. -/
import Jar.Variant

namespace Jar.Variants

/-- jar1: full parameters, the capability kernel (JAVM v2), per-block single-pass gas, the JAR
fixed-width codec and a variable validator count. -/
instance jar1 : JarVariant where
  name := "jar1"
  params := Params.full
  memoryModel := .capabilityPages
  gasModel := .basicBlockSinglePass
  capabilityModel := .v2
  hostInterface := .kernel
  blobFormat := .jarV2
  codec := .jarFixed
  useCompactDeblob := false
  ecalliEndsBlock := true
  variableValidators := true

end Jar.Variants
