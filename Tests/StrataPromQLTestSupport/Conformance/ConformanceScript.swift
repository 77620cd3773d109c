import StrataModel

/// One value of a series written in the promqltest expanding notation.
///
/// Native histogram values (`{{…}}`) are decoded as upstream's parser builds them.
enum ConformanceValue: Sendable, Equatable, CustomStringConvertible {
    /// A float sample (a staleness marker is a float with the stale NaN bit pattern).
    case float(Double)
    /// `_`: no sample at this step.
    case omitted
    /// `{{…}}`: a native histogram sample.
    case histogram(ConformanceHistogram)

    /// NaN equals NaN here so that parsed scripts can be compared in tests.
    static func == (a: Self, b: Self) -> Bool {
        switch (a, b) {
        case (.float(let x), .float(let y)): return x.bitPattern == y.bitPattern || x == y
        case (.omitted, .omitted): return true
        case (.histogram(let x), .histogram(let y)): return x == y
        default: return false
        }
    }

    /// True for a native histogram value.
    var isHistogram: Bool {
        if case .histogram = self { return true }
        return false
    }

    var description: String {
        switch self {
        case .float(let f): return StaleNaN.isStale(f) ? "stale" : ConformanceFormat.float(f)
        case .omitted: return "_"
        case .histogram(let h): return h.description
        }
    }
}

/// A series line: labels and the expanded values.
struct ConformanceSeries: Sendable, Equatable {
    /// The labels, `__name__` included.
    var labels: Labels
    /// One value per step.
    var values: [ConformanceValue]

    /// True when any value is a native histogram.
    var hasHistogram: Bool { values.contains { $0.isHistogram } }
}

/// `load <interval>` (or `load_with_nhcb`) and its series.
struct ConformanceLoad: Sendable, Equatable {
    /// 1-based line of the `load` command.
    var line: Int
    /// Milliseconds between consecutive values.
    var interval: Int64
    /// `load_with_nhcb`: classic histograms are also stored as native histograms with custom buckets.
    var withNHCB: Bool
    /// Series in file order (a later line for the same labels replaces an earlier one).
    var series: [ConformanceSeries]
}

/// The kinds of `expect` lines.
enum ConformanceExpectKind: String, Sendable, Equatable, CaseIterable {
    case ordered, fail, warn, noWarn = "no_warn", info, noInfo = "no_info"
}

/// How an `expect` line's text is matched against an error or annotation.
enum ConformanceTextMatcher: Sendable, Equatable, CustomStringConvertible {
    /// No `msg:`/`regex:` part: anything matches.
    case any
    /// `msg: text`: the whole text must be equal.
    case exact(String)
    /// `regex: pattern`: the pattern must match somewhere (Go `MatchString`).
    case regex(String)

    /// Whether `text` satisfies this matcher. A pattern Swift cannot compile never matches.
    func matches(_ text: String) -> Bool {
        switch self {
        case .any: return true
        case .exact(let m): return m == text
        case .regex(let p):
            guard let re = try? Regex(p) else { return false }
            return text.contains(re)
        }
    }

    var description: String {
        switch self {
        case .any: return "anything"
        case .exact(let m): return "message \"\(m)\""
        case .regex(let p): return "pattern \"\(p)\""
        }
    }
}

/// One `expect …` line.
struct ConformanceExpect: Sendable, Equatable {
    var kind: ConformanceExpectKind
    var matcher: ConformanceTextMatcher
}

/// An expected series of an `eval`: labels, values and its 1-based position among the
/// expected series (for ordered comparisons).
struct ConformanceExpectedSeries: Sendable, Equatable {
    var labels: Labels
    var values: [ConformanceValue]
    var position: Int
}

/// `eval instant …` / `eval range …` with everything written under it.
struct ConformanceEval: Sendable, Equatable {
    /// 1-based line of the `eval` command.
    var line: Int
    /// The query text.
    var expression: String
    /// `eval range`.
    var isRange: Bool
    /// Range start (ms); for an instant eval its evaluation time.
    var start: Int64
    /// Range end (ms). For an instant eval without `expect range vector` this is `Int64.min`,
    /// so that a matrix result with expected points cannot match, as upstream.
    var end: Int64
    /// Range step (ms); 0 for an instant eval without `expect range vector`.
    var step: Int64
    /// Time an instant query runs at (ms).
    var evalTime: Int64
    /// Flags of the deprecated `eval_fail`, `eval_warn`, `eval_info`, `eval_ordered` forms.
    var failFlag = false, warnFlag = false, infoFlag = false, orderedFlag = false
    /// Deprecated `expected_fail_message` / `expected_fail_regexp`.
    var expectedFailMessage: String?
    var expectedFailRegexp: String?
    /// `expect …` lines in order.
    var expects: [ConformanceExpect] = []
    /// A bare number was given: a scalar result is expected.
    var expectScalar = false
    /// The scalar expected when `expectScalar`.
    var scalar: ConformanceValue = .omitted
    /// Expected series, by labels (a repeated label set replaces the earlier one, as upstream).
    var series: [ConformanceExpectedSeries] = []
    /// `expect string "…"`.
    var expectedString: String?
    /// Set by `expect range vector` and `expect string`: the instant query is not re-run as a
    /// range query.
    var excludeFromRangeQuery = false

    /// Whether an error is expected.
    var isFail: Bool { failFlag || expects.contains { $0.kind == .fail } }
    /// Whether the vector must be in the written order.
    var isOrdered: Bool { orderedFlag || expects.contains { $0.kind == .ordered } }
    /// The `expect` lines of one kind.
    func expects(_ kind: ConformanceExpectKind) -> [ConformanceExpect] { expects.filter { $0.kind == kind } }
    /// Whether any expected value is a native histogram.
    var expectsHistogram: Bool { scalar.isHistogram || series.contains { $0.values.contains { $0.isHistogram } } }
}

/// One command of a script.
enum ConformanceCommand: Sendable, Equatable {
    case load(ConformanceLoad)
    /// `clear` at the given line.
    case clear(Int)
    case eval(ConformanceEval)
}

/// A parsed `.test` file.
struct ConformanceScript: Sendable, Equatable {
    /// The file name, e.g. `functions.test`.
    var file: String
    /// The commands in order.
    var commands: [ConformanceCommand]

    /// The eval commands only.
    var evals: [ConformanceEval] {
        commands.compactMap { if case .eval(let e) = $0 { return e } else { return nil } }
    }
}

/// A script that does not follow the promqltest language.
struct ConformanceScriptError: Error, Sendable, Equatable, CustomStringConvertible {
    /// 1-based line.
    var line: Int
    var message: String

    var description: String { "line \(line): \(message)" }
}
