//! The w3f shuffle vectors, run through the shuffle generated from the Lean spec.
