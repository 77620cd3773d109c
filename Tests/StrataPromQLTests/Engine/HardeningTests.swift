import Foundation
import StrataModel
import Testing
@testable import StrataPromQL
@testable import StrataPromQLTestSupport

/// Hostile queries from issue 13: nesting that overflowed the stack, arithmetic that trapped,
/// and evaluations that ignored their timeout. Each must end in a result or an error.
@Suite struct HardeningTests {
    static let maxDepth = PromQL.maxDepth

    /// The deepest accepted expression of each kind of nesting, by kind.
    static func deepest(_ kind: String, _ n: Int) -> String {
        switch kind {
        case "parentheses": return String(repeating: "(", count: n) + "foo" + String(repeating: ")", count: n)
        case "unary": return String(repeating: "- ", count: n) + "foo"
        case "function": return String(repeating: "abs(", count: n) + "foo" + String(repeating: ")", count: n)
        case "aggregation": return String(repeating: "sum(", count: n) + "foo" + String(repeating: ")", count: n)
        case "topk": return String(repeating: "topk(1, ", count: n) + "foo" + String(repeating: ")", count: n)
        case "left-chain": return "foo" + String(repeating: " + foo", count: n)
        case "right-chain": return "foo" + String(repeating: " ^ foo", count: n)
        case "and-chain": return "foo" + String(repeating: " and foo", count: n)
        // A subquery inside a call is two levels; an odd limit leaves one for a parenthesis.
        case "subquery":
            let pairs = n / 2
            return String(repeating: "(", count: n % 2) + String(repeating: "max_over_time(", count: pairs) + "foo"
                + String(repeating: "[1m:10s])", count: pairs) + String(repeating: ")", count: n % 2)
        case "subquery-brackets": return "vector(1)" + String(repeating: "[1m:1s]", count: n - 1)
        case "parenthesised-chain":
            // A chain after a deep parenthesis: the tree is deeper than the descent was.
            let half = n / 2
            return String(repeating: "(", count: half) + "foo" + String(repeating: ")", count: half)
                + String(repeating: " + foo", count: n - half)
        case "mixed":
            var s = "foo"
            for i in 0..<n {
                switch i % 5 {
                case 0: s = "(\(s))"
                case 1: s = "-\(s)"
                case 2: s = "abs(\(s))"
                case 3: s = "sum by (job) (\(s))"
                default: s = "\(s) * 2"
                }
            }
            return s
        default: return "foo"
        }
    }

    static let kinds = [
        "parentheses", "unary", "function", "aggregation", "topk", "left-chain", "right-chain", "and-chain", "subquery",
        "subquery-brackets", "parenthesised-chain", "mixed",
    ]

    static func storage() -> MemoryQueryable {
        let s = MemoryQueryable()
        s.add(EngineTest.labels("foo", ["job": "a"]), EngineTest.samples(interval: 15_000, [1, 2, 3, 4, 5]))
        s.add(EngineTest.labels("dos"), EngineTest.samples(interval: 15_000, [1]))
        return s
    }

    /// Parse, check, print, and evaluate `query` with every synchronous pass on a 4 MiB
    /// stack (half of a Linux thread's); returns the parse error text, if any.
    static let timingExecutor = ThreadExecutor(stackSize: 8 << 20)
    /// Where the long CPU-bound sweeps run, off the cooperative pool.
    static let bulkExecutor = ThreadExecutor(stackSize: 8 << 20)
    static let executor = ThreadExecutor(stackSize: ThreadExecutor.smallStack)

    static func runOnSmallStack(_ query: String, evaluate: Bool) async -> String? {
        let executor = Self.executor
        let parsed: Result<String, ParseError> = await executor.runSync {
            do throws(ParseError) {
                let expr = try PromQL.parse(query)
                // The printer, equality and the engine's own analyses walk the whole tree.
                let printed = PromQL.format(expr)
                _ = try? PromQL.parse(printed)
                _ = expr == expr
                _ = Engine.experimentalUse(in: expr)
                _ = StepInvariance.analyse(expr)
                var annotations = Annotations()
                Engine.warnAboutSorting(expr, &annotations)
                return .success(printed)
            } catch {
                return .failure(error)
            }
        }
        if case .failure(let e) = parsed { return e.description }
        guard evaluate else { return nil }
        var options = EngineOptions()
        options.timeout = .seconds(10)
        options.maxSamples = 1_000_000
        let engine = Engine(options: options)
        let storage = Self.storage()
        let outcome: String = await Task(executorPreference: executor) {
            do throws(QueryError) {
                _ = try await engine.instantQuery(query, at: 60_000, tenant: EngineTest.tenant, storage: storage)
                _ = try await engine.rangeQuery(query, start: 0, end: 60_000, step: 15_000, tenant: EngineTest.tenant, storage: storage)
                return "ok"
            } catch {
                return error.description
            }
        }.value
        // Reaching here is the point; the result itself is not.
        _ = outcome
        return nil
    }

    @Test(arguments: kinds)
    func deepestAcceptedNestingRunsEveryPassOnASmallStack(_ kind: String) async {
        let query = Self.deepest(kind, Self.maxDepth)
        let error = await Self.runOnSmallStack(query, evaluate: true)
        // Nothing at the limit is refused for its depth (a subquery of a subquery is a type error).
        #expect(error?.contains("nesting depth") != true, "\(kind): \(error ?? "")")
        if kind != "subquery-brackets" { #expect(error == nil, "\(kind): \(error ?? "")") }
    }

    @Test(arguments: kinds)
    func oneLevelDeeperIsAParseErrorNamingTheLimit(_ kind: String) async throws {
        let query = Self.deepest(kind, Self.maxDepth + 1)
        let error = await Self.runOnSmallStack(query, evaluate: false)
        let text = try #require(error, "\(kind) one level too deep was accepted")
        #expect(text.contains("parse error: expression nesting depth exceeds the maximum of \(Self.maxDepth)"), "\(kind): \(text)")
    }

    @Test func twentyThousandSubqueryBracketsAreRefused() async throws {
        let query = "vector(1)" + String(repeating: "[1m:1s]", count: 20_000)
        let text = try #require(await Self.runOnSmallStack(query, evaluate: false))
        #expect(text.contains("expression nesting depth exceeds the maximum of \(Self.maxDepth)"))
        let err = await EngineTest.error { () async throws(QueryError) -> QueryResult in
            try await EngineTest.instant(query, at: 0, Self.storage())
        }
        #expect(err?.httpStatus == 400 && err?.errorType == "bad_data")
    }

    @Test func veryDeepInputOfEveryKindIsRefusedWithoutCrashing() async {
        for kind in Self.kinds {
            let text = await Self.runOnSmallStack(Self.deepest(kind, 50_000), evaluate: false)
            #expect(text?.contains("nesting depth exceeds") == true, "\(kind): \(text ?? "accepted")")
        }
        let opens = String(repeating: "(", count: 100_000)
        #expect(await Self.runOnSmallStack(opens, evaluate: false)?.contains("nesting depth exceeds") == true)
    }

    // MARK: - Overflow

    /// `a or b or …` of `n` distinct `label_replace(vector(1), …)` as a balanced tree, so the
    /// expression stays within the nesting limit.
    static func orTree(_ range: Range<Int>) -> String {
        if range.count == 1 { return "label_replace(vector(1),\"a\",\"x\(range.lowerBound)\",\"\",\"\")" }
        let mid = range.lowerBound + range.count / 2
        return "(" + orTree(range.lowerBound..<mid) + " or " + orTree(mid..<range.upperBound) + ")"
    }

    static func doubleSubquery(_ inner: String) -> String {
        "last_over_time((last_over_time((\(inner))[9199999999999:0.001]))[9199999999999:0.001])"
    }

    @Test func stepInvarianceCountsWithoutOverflow() async {
        var options = EngineOptions()
        options.timeout = .seconds(5)
        for inner in [Self.orTree(0..<600), Self.orTree(0..<1100)] {
            let err = await EngineTest.error { () async throws(QueryError) -> QueryResult in
                try await EngineTest.instant(Self.doubleSubquery(inner), at: 0, Self.storage(), options: options)
            }
            #expect(err == nil || err?.httpStatus == 422 || err?.errorType == "timeout", "\(String(describing: err))")
        }
    }

    @Test func theIssuesFlatOrChainIsAParseErrorNotATrap() async {
        let chain = (0..<600).map { _ in "label_replace(vector(1),\"a\",\"x\",\"\",\"\")" }.joined(separator: " or ")
        let err = await EngineTest.error { () async throws(QueryError) -> QueryResult in
            try await EngineTest.instant(Self.doubleSubquery(chain), at: 0, Self.storage())
        }
        #expect(err?.httpStatus == 400)
        #expect(err?.description.contains("nesting depth exceeds the maximum of \(Self.maxDepth)") == true)
    }

    static let extremeScalars = ["1e308", "-1e308", "NaN", "Inf", "-Inf", "9e18", "-9e18", "1e-300", "0", "9.2e15", "0.5"]

    /// Extreme but valid arguments for every function: each is a result or an error, never a trap.
    @Test func everyFunctionTakesExtremeArguments() async {
        // Minutes of CPU-bound evaluation in a debug build: on a thread of its own, so that it
        // does not hold the cooperative pool that the suite's timing-sensitive tests share.
        await withTaskExecutorPreference(Self.bulkExecutor) { await Self.extremeArguments() }
    }

    static func extremeArguments() async {
        var options = EngineOptions()
        options.timeout = .milliseconds(50)
        options.maxSamples = 200_000
        options.experimentalFunctions = true
        let storage = Self.storage()
        let huge = "\"" + String(repeating: "x", count: 100_000) + "\""
        let matrices = ["foo[9199999999999s]", "foo[1ms]", "foo[9199999999999:0.001]", "foo[5m] offset -9199999999999",
                        "foo[5m] @ 9.2e15", "foo[5m:1ms] @ -9.2e15"]
        let vectors = ["foo", "foo offset -292y", "foo @ 9.2e15", "foo @ -9.2e15", "vector(NaN)"]
        var queries: [String] = []
        for f in PromQLFunction.all.values.sorted(by: { $0.name < $1.name }) where f.name != "info" {
            for variant in 0..<4 {
                var args: [String] = []
                var types = f.argTypes
                if f.variadic != 0, variant % 2 == 1, let last = types.last { types.append(last) }
                for (i, t) in types.enumerated() {
                    let pick = variant &+ i
                    switch t {
                    case .scalar: args.append(Self.extremeScalars[(pick &* 3) % Self.extremeScalars.count])
                    case .vector: args.append(vectors[pick % vectors.count])
                    case .matrix: args.append(matrices[pick % matrices.count])
                    case .string: args.append(pick % 2 == 0 ? huge : "\"job\"")
                    }
                }
                queries.append("\(f.name)(\(args.joined(separator: ", ")))")
            }
        }
        for op in AggregateOp.allCases {
            for p in Self.extremeScalars {
                let param = op == .count_values ? "\"v\", " : (op.hasParameter ? "\(p), " : "")
                queries.append("\(op.rawValue) by (job) (\(param)foo offset -9199999999999)")
                queries.append("\(op.rawValue)(\(param)foo @ \(p == "NaN" ? "0" : "9.2e15"))")
            }
        }
        queries += [
            "predict_linear(foo[5m], 9e18)", "round(foo, 1e-300)", "quantile_over_time(1e308, foo[5m])",
            "histogram_quantile(9e18, rate(foo[5m]))", "holt_winters(foo[5m], 1e-300, 0.999999)",
            "double_exponential_smoothing(foo[5m], 0.5, 1e-300)", "label_replace(foo, \"dst\", \(huge), \"job\", \"(.*)\")",
            "label_join(foo, \"dst\", \(huge), \"job\", \"job\", \"job\")", "foo @ 9.2e15 offset -9199999999999",
            "max_over_time(foo[9199999999999:0.001] offset -9199999999999)", "topk(Inf, foo)", "topk(NaN, foo)",
            "limitk(9e18, foo)", "limit_ratio(1e308, foo)", "count_values(\(huge), foo)", "sort_by_label(foo, \(huge))",
            "timestamp(foo @ -9.2e15)", "absent_over_time(nonexistent[9199999999999:0.001])",
            "vector(time()) offset 1", "-foo ^ 1e308 % -0", "foo / 0 > bool Inf",
        ]
        let times: [Int64] = [60_000, 9_200_000_000_000_000, Int64.min]
        for q in queries {
            for t in times {
                let err = await EngineTest.error { () async throws(QueryError) -> QueryResult in
                    try await EngineTest.instant(q, at: t, storage, options: options)
                }
                Self.expectNoServerFault(err, q)
            }
            for (start, end) in [(Int64.max - 10_000, Int64.max), (Int64.min, Int64.min + 10_000)] {
                let err = await EngineTest.error { () async throws(QueryError) -> QueryResult in
                    try await EngineTest.range(q, from: start, to: end, step: 1, storage, options: options)
                }
                Self.expectNoServerFault(err, q)
            }
        }
    }

    /// A result, a 4xx, or the deadline: never a storage fault (and, by getting here, no trap).
    static func expectNoServerFault(_ err: QueryError?, _ query: String) {
        guard let err else { return }
        #expect(err.httpStatus < 500 || err.errorType == "timeout", "\(query.prefix(200)): \(err)")
    }

    // MARK: - Deadline

    @Test(arguments: [
        "max_over_time(dos[30d:1ms])",
        "max_over_time(dos[290y:1ms])",
        "count_over_time((dos + 1)[30d:1ms])",
        "max_over_time(sum(dos)[30d:1ms])",
        "max_over_time(rate(dos[1m])[30d:1ms])",
        "max_over_time(max_over_time(dos[1m])[30d:1ms])",
        "count_over_time(absent(nonexistent)[30d:1ms])",
        "max_over_time(timestamp(dos)[30d:1ms])",
    ])
    func aOneSecondTimeoutHoldsWithinHalfASecond(_ query: String) async {
        var options = EngineOptions()
        options.timeout = .seconds(1)
        let storage = Self.storage()
        // On a thread of its own, so that other tests holding the cooperative pool's threads
        // cannot delay it.
        let frozen = options
        let (err, took) = await Task(executorPreference: Self.timingExecutor) { [frozen] in
            let options = frozen
            let clock = ContinuousClock()
            let started = clock.now
            let err = await EngineTest.error { () async throws(QueryError) -> QueryResult in
                try await EngineTest.instant(query, at: 30 * 86_400_000, storage, options: options)
            }
            return (err, clock.now - started)
        }.value
        #expect(took <= .milliseconds(1500), "\(query) took \(took)")
        // Most run into the deadline; a few are refused sooner by the sample limit.
        #expect(err?.errorType == "timeout" || err == .tooManySamples(limit: options.maxSamples), "\(query): \(String(describing: err))")
    }

    @Test func theIssuesDosQueryTimesOutWithTheTimeoutID() async {
        var options = EngineOptions()
        options.timeout = .seconds(1)
        let err = await EngineTest.error { () async throws(QueryError) -> QueryResult in
            try await EngineTest.instant("max_over_time(dos[30d:1ms])", at: 30 * 86_400_000, Self.storage(), options: options)
        }
        #expect(err?.errorType == "timeout")
        #expect(err?.httpStatus == 503)
        #expect(err?.description == "query timed out in expression evaluation (err-strata-query-timeout)")
    }
}
