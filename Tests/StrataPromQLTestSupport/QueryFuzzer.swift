import Foundation
import StrataModel
import StrataPromQL

/// Fuzzes the query API: random and mutated expressions from the upstream corpus, run through
/// parse and the engine (instant and range queries) over a small in-memory data set, with a
/// small deadline and sample limit. A crash stops the process (the caller logs each case before
/// running it, so the last logged case reproduces it); a query that overruns its deadline is
/// reported in the summary.
public struct QueryFuzzer: Sendable {
    /// How a run is set up.
    public struct Options: Sendable {
        /// Cases to run.
        public var cases: Int
        /// Seed of the case generator: the same seed gives the same cases.
        public var seed: UInt64
        /// The folder of `.test` files whose expressions seed the mutations.
        public var corpus: URL
        /// Timeout of every query.
        public var timeout: Duration = .milliseconds(50)
        /// Sample limit of every query.
        public var maxSamples: Int = 200_000
        /// A query running longer than `timeout` plus this counts as an overrun.
        public var overrunSlack: Duration = .seconds(1)

        /// Options for `cases` cases from `seed` over the corpus in `corpus`.
        public init(cases: Int, seed: UInt64, corpus: URL) {
            self.cases = cases
            self.seed = seed
            self.corpus = corpus
        }
    }

    /// One generated query.
    public struct Case: Sendable, CustomStringConvertible {
        /// Index of the case in the run.
        public let index: Int
        /// The PromQL text.
        public let query: String
        /// Evaluation time of an instant query, or the range query's start (ms).
        public let start: Int64
        /// End of a range query (ms); nil for an instant query.
        public let end: Int64?
        /// Step of a range query (ms).
        public let step: Int64

        /// A line that reproduces the case.
        public var description: String {
            if let end { return "case \(index): range start=\(start) end=\(end) step=\(step) query=\(query.debugDescription)" }
            return "case \(index): instant time=\(start) query=\(query.debugDescription)"
        }
    }

    /// What a run found.
    public struct Summary: Sendable, CustomStringConvertible {
        /// Cases run.
        public var cases = 0
        /// Cases answered with a result.
        public var results = 0
        /// Cases refused or failed, by the error's `errorType`.
        public var errors: [String: Int] = [:]
        /// Cases that ran past their timeout plus the slack, with their wall time.
        public var overruns: [String] = []
        /// Cases that failed with an internal (storage) error, which no query should cause here.
        public var internalErrors: [String] = []
        /// The longest wall time of one case, ms.
        public var slowestMs = 0.0
        /// The case that took `slowestMs`.
        public var slowest = ""
        /// Wall time of the run, s.
        public var seconds = 0.0

        /// The one-line summary the executable prints.
        public var description: String {
            let errs = errors.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            return "fuzz: \(cases) cases in " + String(format: "%.1f", seconds) + " s: \(results) results, errors: \(errs); "
                + "\(overruns.count) overruns, \(internalErrors.count) internal errors, slowest " + String(format: "%.0f", slowestMs) + " ms"
        }
    }

    /// The run's options.
    public let options: Options
    /// Expressions the mutations start from.
    public let seeds: [String]
    /// The data every query reads.
    public let storage: MemoryQueryable

    /// A fuzzer over the corpus in `options.corpus`; throws when it cannot be read.
    public init(options: Options) throws {
        self.options = options
        var seeds: [String] = []
        for url in try Corpus.files(in: options.corpus) {
            seeds += try Corpus.cases(in: url).map(\.expression).filter { !$0.isEmpty }
        }
        self.seeds = seeds.isEmpty ? ["vector(1)"] : seeds
        storage = Self.dataset()
    }

    /// A small data set named like the corpus's series: counters, gauges, a classic
    /// histogram and an info metric, one sample every 15 s for an hour from time 0.
    public static func dataset() -> MemoryQueryable {
        let storage = MemoryQueryable()
        func add(_ pairs: [String: String], _ value: (Int) -> Double) {
            var samples: [Sample] = []
            for i in 0...240 { samples.append(Sample(timestamp: Int64(i) * 15_000, value: value(i))) }
            storage.add(Labels(pairs), samples)
        }
        for job in ["api", "db"] {
            for instance in ["0", "1"] {
                add(["__name__": "http_requests_total", "job": job, "instance": instance]) { Double($0 * 10) }
                add(["__name__": "metric", "job": job, "instance": instance, "a": job + instance]) { Double($0 % 7) - 3 }
                for le in ["0.1", "1", "10", "+Inf"] {
                    add(["__name__": "request_duration_seconds_bucket", "job": job, "instance": instance, "le": le]) {
                        Double($0) * (Double(le) ?? 20)
                    }
                }
            }
        }
        add(["__name__": "target_info", "job": "api", "instance": "0", "version": "1"]) { _ in 1 }
        add(["__name__": "dos"]) { _ in 1 }
        add(["__name__": "foo", "a": "x"]) { i in i % 13 == 0 ? .nan : Double(i) }
        return storage
    }

    /// Values that stress arithmetic: extreme durations, timestamps and parameters.
    static let extremeNumbers = [
        "9199999999999", "0.001", "1e308", "-1e308", "NaN", "Inf", "-Inf", "9e18", "-9e18", "1e-300", "0", "-1",
        "9.2e15", "4.9e-324", "2", "0.5",
    ]
    static let extremeDurations = ["1ms", "9199999999999s", "292y", "290y", "30d", "0.001", "1", "5m", "1h", "106751d"]
    static let wrappers = [
        "sum(", "max_over_time(", "count_values(\"v\", ", "topk(9e18, ", "quantile(1e308, ", "sort(", "sort_desc(",
        "label_replace(", "abs(", "-(", "absent(", "histogram_quantile(0.9, ", "count(", "timestamp(", "scalar(",
        "round(", "clamp(", "predict_linear(", "holt_winters(", "double_exponential_smoothing(", "limitk(2, ",
    ]
    static let selectors = [
        "http_requests_total", "metric", "dos", "foo", "request_duration_seconds_bucket", "target_info", "{job=\"api\"}",
        "vector(1)", "time()", "nonexistent",
    ]

    /// The `index`-th case, generated from `rng`.
    public func makeCase(_ index: Int, _ rng: inout SeededRandom) -> Case {
        let query: String
        let roll = Int.random(in: 0..<100, using: &rng)
        let seed = seeds[Int.random(in: 0..<seeds.count, using: &rng)]
        switch roll {
        case 0..<30: query = seed
        case 30..<55: query = Self.replaceNumbers(seed, &rng)
        case 55..<75: query = Self.wrap(seed, &rng)
        case 75..<90: query = Self.splice(seed, seeds[Int.random(in: 0..<seeds.count, using: &rng)], &rng)
        default: query = Self.random(depth: 0, &rng)
        }
        // Mostly the data's hour; sometimes far away or at the ends of the timestamp range.
        let start: Int64
        switch Int.random(in: 0..<20, using: &rng) {
        case 0: start = Int64.max - Int64.random(in: 0...100_000, using: &rng)
        case 1: start = Int64.min + Int64.random(in: 0...100_000, using: &rng)
        case 2: start = Int64.random(in: -9_200_000_000_000_000...9_200_000_000_000_000, using: &rng)
        default: start = Int64.random(in: 0...3_600_000, using: &rng)
        }
        if Bool.random(using: &rng) { return Case(index: index, query: query, start: start, end: nil, step: 0) }
        // At most 11,000 points, as the HTTP API allows.
        let step = [1, 1000, 15_000, 60_000, Int64.random(in: 1...100_000, using: &rng)][Int.random(in: 0..<5, using: &rng)]
        let points = Int64.random(in: 0...10_999, using: &rng)
        let (span, overflow) = step.multipliedReportingOverflow(by: points)
        let (end, overflow2) = start.addingReportingOverflow(span)
        return Case(index: index, query: query, start: start, end: overflow || overflow2 ? Int64.max : end, step: step)
    }

    /// `text` with some numbers and durations replaced by extreme ones.
    static func replaceNumbers(_ text: String, _ rng: inout SeededRandom) -> String {
        var out = ""
        var chars = Array(text)
        var i = 0
        chars.append(" ")
        while i < chars.count - 1 {
            let c = chars[i]
            let prev: Character = i > 0 ? chars[i - 1] : " "
            let startsNumber = c.isNumber && !(prev.isLetter || prev == "_" || prev.isNumber || prev == ".")
            if startsNumber {
                var j = i
                while j < chars.count - 1, chars[j].isNumber || chars[j].isLetter || chars[j] == "." { j += 1 }
                let word = String(chars[i..<j])
                if Int.random(in: 0..<3, using: &rng) == 0 {
                    out += word
                } else if word.last?.isLetter == true || chars[j] == "]" || chars[j] == ":" {
                    out += extremeDurations[Int.random(in: 0..<extremeDurations.count, using: &rng)]
                } else {
                    out += extremeNumbers[Int.random(in: 0..<extremeNumbers.count, using: &rng)]
                }
                i = j
                continue
            }
            out.append(c)
            i += 1
        }
        return out
    }

    /// `text` inside a function, aggregation or subquery, with extra arguments where needed.
    static func wrap(_ text: String, _ rng: inout SeededRandom) -> String {
        let n = extremeNumbers[Int.random(in: 0..<extremeNumbers.count, using: &rng)]
        let d = extremeDurations[Int.random(in: 0..<extremeDurations.count, using: &rng)]
        let d2 = extremeDurations[Int.random(in: 0..<extremeDurations.count, using: &rng)]
        switch Int.random(in: 0..<10, using: &rng) {
        case 0: return "max_over_time((\(text))[\(d):\(d2)])"
        case 1: return "(\(text)) offset -\(d)"
        case 2: return "(\(text))[\(d):\(d2)] @ \(n)"
        case 3: return "label_replace(\(text), \"dst\", \"$1$1$1$1\", \"__name__\", \"(.*)\")"
        case 4: return "round(\(text), \(n))"
        case 5: return "predict_linear((\(text))[\(d):], \(n))"
        case 6: return "quantile_over_time(\(n), (\(text))[\(d):\(d2)])"
        case 7: return "topk(\(n), \(text))"
        case 8: return "(\(text)) \(["+", "/", "^", "%", "and", "or", "unless", "> bool", "atan2"][Int.random(in: 0..<9, using: &rng)]) (\(text))"
        default:
            let w = wrappers[Int.random(in: 0..<wrappers.count, using: &rng)]
            return w + text + ")"
        }
    }

    /// A prefix of `a` joined to a suffix of `b` (often invalid: exercises the parser's errors).
    static func splice(_ a: String, _ b: String, _ rng: inout SeededRandom) -> String {
        let ua = Array(a.utf8), ub = Array(b.utf8)
        let cutA = Int.random(in: 0...ua.count, using: &rng)
        let cutB = Int.random(in: 0...ub.count, using: &rng)
        return String(decoding: ua[..<cutA] + ub[cutB...], as: UTF8.self)
    }

    /// A random expression from a small grammar.
    static func random(depth: Int, _ rng: inout SeededRandom) -> String {
        let sel = selectors[Int.random(in: 0..<selectors.count, using: &rng)]
        if depth > 4 || Int.random(in: 0..<4, using: &rng) == 0 { return sel }
        let inner = random(depth: depth + 1, &rng)
        return wrap(inner, &rng)
    }

    /// Runs every case, calling `willRun` with each case before it runs (to log it), and
    /// returns what was found.
    public func run(willRun: (Case) -> Void = { _ in }) async -> Summary {
        var engineOptions = EngineOptions()
        engineOptions.timeout = options.timeout
        engineOptions.maxSamples = options.maxSamples
        engineOptions.experimentalFunctions = true
        let engine = Engine(options: engineOptions)
        var rng = SeededRandom(seed: options.seed)
        var summary = Summary()
        let clock = ContinuousClock()
        let runStart = clock.now
        for i in 0..<options.cases {
            let c = makeCase(i, &rng)
            willRun(c)
            let t0 = clock.now
            do {
                if let end = c.end {
                    _ = try await engine.rangeQuery(c.query, start: c.start, end: end, step: c.step, tenant: .anonymous, storage: storage)
                } else {
                    _ = try await engine.instantQuery(c.query, at: c.start, tenant: .anonymous, storage: storage)
                }
                summary.results += 1
            } catch {
                summary.errors[error.errorType, default: 0] += 1
                if case .storage = error { summary.internalErrors.append("\(c): \(error)") }
            }
            let took = clock.now - t0
            let ms = Double(took.components.seconds) * 1000 + Double(took.components.attoseconds) / 1e15
            if ms > summary.slowestMs {
                summary.slowestMs = ms
                summary.slowest = c.description
            }
            if took > options.timeout + options.overrunSlack { summary.overruns.append(String(format: "%.0f ms: ", ms) + c.description) }
            summary.cases += 1
        }
        let total = clock.now - runStart
        summary.seconds = Double(total.components.seconds) + Double(total.components.attoseconds) / 1e18
        return summary
    }
}
