/// What the conformance run over HTTP leaves out, and the cases allowed to end differently over
/// HTTP than in-process (docs/promql-conformance.md, "Through the HTTP path").
enum ConformanceHTTPExpected {
    /// Corpus files not run over HTTP, with the reason.
    static let skippedFiles: [String: String] = [
        "duration_expression.test": "experimental duration expressions",
        "extended_vectors.test": "experimental smoothed/anchored range selectors",
        "fill-modifier.test": "experimental fill modifiers",
        "info.test": "experimental info() and its metadata series",
        "start_timestamps.test": "experimental start timestamps (st-storage): remote write 1.0 cannot carry them",
        "type_and_unit.test": "experimental type-and-unit labels",
    ]

    /// Cases whose outcome over HTTP differs from the in-process one, by file and `eval` line,
    /// each with the reason. Cases that select a series remote write refused are derived from the
    /// refusals and not listed here.
    static let list: [(file: String, line: Int, reason: String)] = [
    ]

    /// `list` keyed by file, then line.
    static let byFile: [String: [Int: String]] = {
        var out: [String: [Int: String]] = [:]
        for entry in list { out[entry.file, default: [:]][entry.line] = entry.reason }
        return out
    }()
}
