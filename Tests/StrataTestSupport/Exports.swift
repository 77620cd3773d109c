// Test targets that use the real components also get the shared seeded generator.
@_exported import StrataSeededRandom
