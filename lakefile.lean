import Lake
open Lake DSL

/-- The JAR spec as jarkit extracts it. `lake build` type-checks it for anyone with Lean 4;
jarkit itself only parses the text and needs no Lean toolchain. -/
package jarkit where

@[default_target]
lean_lib Jar where
  srcDir := "spec"
  -- Every module under `spec/Jar/` (there is no single root module).
  globs := #[.submodules `Jar]

lean_lib Variants where
  srcDir := "variants"
  roots := #[`gp072_tiny, `gp072_full, `jar080_tiny, `jar1]
