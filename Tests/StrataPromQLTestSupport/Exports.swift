// The conformance runner's and fuzzer's users draw from the same seeded generator.
@_exported import StrataSeededRandom
