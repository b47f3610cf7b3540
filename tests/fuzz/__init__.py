"""Property-based fuzzing of every input boundary (hypothesis)."""
