import AsyncHTTPClient
import Foundation
import StrataModel
import StrataPromQL
@testable import StrataPromQLTestSupport
import Testing

/// The upstream promqltest corpus through Strata's real write and read path: every `load` block
/// is remote-written into a running `strata -target=all` (one tenant per block) and every `eval`
/// runs through `/prometheus/api/v1/query` and `/query_range`, with the same checks as the
/// in-process run (`ConformanceCorpusTests`). Each case must end as it ends in-process (pass or
/// fail), unless it selects a series remote write refuses or is listed in
/// `ConformanceHTTPExpected`.
///
/// Environment: `STRATA_CONFORMANCE_FILE=<name>` runs one file and prints every difference.
@Suite("Conformance corpus over HTTP", .serialized)
struct ConformanceHTTPTests {
    /// Files in flight at a time (each runs its commands in order).
    static let parallelFiles = 4

    /// Strata's flags for the run, besides the listen address and directories:
    /// - ingesters are asked for every time range (the corpus's samples are from 1970, far beyond
    ///   the default 13h of `-querier.query-ingesters-within`);
    /// - a block range of 10 years: the head never cuts a block during the run, however slow the
    ///   machine (the corpus spans less than 1.5 ranges; with the default 2h, a run outlasting the
    ///   1m head-compaction interval would cut the 1970 data into blocks whose retention, counted
    ///   from their end, is long over), and never refuses a sample as too old;
    /// - no past grace period (the default): samples from 1970 are accepted;
    /// - experimental functions on and ingestion limits out of the way, as upstream's test engine.
    static let strataArguments = [
        "-auth.multitenancy-enabled=true",
        "-querier.query-ingesters-within=0",
        "-blocks-storage.tsdb.block-ranges-period=87600h",
        "-validation.past-grace-period=0",
        "-querier.promql-experimental-functions-enabled=true",
        "-distributor.ingestion-rate-limit=1000000000",
        "-distributor.ingestion-burst-size=1000000000",
        "-log.level=warn",
    ]

    @Test("every eval of the corpus ends over HTTP as it ends in-process")
    func corpusOverHTTP() async throws {
        let started = ContinuousClock.now
        let only = ProcessInfo.processInfo.environment["STRATA_CONFORMANCE_FILE"]
            .flatMap { $0.isEmpty ? nil : ($0.hasSuffix(".test") ? $0 : $0 + ".test") }
        let all = try ConformanceCorpus.files()
        var files = all.filter { ConformanceHTTPExpected.skippedFiles[$0] == nil }
        if let only {
            files = files.filter { $0 == only }
            try #require(!files.isEmpty, "STRATA_CONFORMANCE_FILE=\(only) is not among the files run over HTTP")
        }
        let parser = try ConformanceScriptParser()
        let scripts = try files.map { try parser.parse(try ConformanceCorpus.text(of: $0), file: $0) }
        if only == nil {
            for skipped in ConformanceHTTPExpected.skippedFiles.keys where !all.contains(skipped) {
                Issue.record("\(skipped) is skipped in ConformanceHTTPExpected but is not in the corpus")
            }
            var evalLines: [String: Set<Int>] = [:]
            for s in scripts { evalLines[s.file] = Set(s.evals.map(\.line)) }
            for entry in ConformanceHTTPExpected.list where evalLines[entry.file]?.contains(entry.line) != true {
                Issue.record("\(entry.file):\(entry.line) is listed in ConformanceHTTPExpected but is not an eval line of a file run over HTTP")
            }
        }

        let dir = try makeTempDirectory("strata-conformance-http")
        defer { try? FileManager.default.removeItem(at: dir) }
        let strata: StrataProcess
        do {
            strata = try StrataProcess(dataDirectory: dir, extraArguments: Self.strataArguments)
            try await strata.waitUntilReady(client: .shared)
        } catch {
            Issue.record("cannot start strata for the HTTP conformance run: \(error)")
            throw error
        }
        defer { strata.terminate() }

        let runner = ConformanceRunner()
        let runs = await withTaskGroup(of: FileRun.self) { group in
            var pending = scripts[...]
            var out: [FileRun] = []
            func start(_ script: ConformanceScript) {
                group.addTask {
                    let fileStarted = ContinuousClock.now
                    let inProcess = await runner.run(script)
                    var backend = ConformanceHTTPBackend(client: .plainQueries, baseURL: strata.baseURL,
                                                         tenantPrefix: "conformance-" + script.file.replacingOccurrences(of: ".test", with: ""),
                                                         file: script.file)
                    // Histograms come back through the API's JSON: compared on what it shows.
                    let overHTTP = await ConformanceHistogramCompare.$jsonView.withValue(true) {
                        await runner.run(script, on: &backend)
                    }
                    return FileRun(file: script.file, inProcess: inProcess, overHTTP: overHTTP, backend: backend,
                                   duration: ContinuousClock.now - fileStarted)
                }
            }
            for _ in 0..<Self.parallelFiles { if let s = pending.popFirst() { start(s) } }
            for await run in group {
                out.append(run)
                if let s = pending.popFirst() { start(s) }
            }
            return out.sorted { $0.file < $1.file }
        }
        let exitedEarly = !strata.isRunning

        var rows: [ConformanceHTTPSummary] = []
        var differences: [String] = []
        var staleEntries: [String] = []
        var requests = 0, samples = 0, queries = 0
        for run in runs {
            requests += run.backend.requests
            samples += run.backend.samples
            queries += run.overHTTP.reduce(0) { $0 + $1.queries }
            for problem in run.backend.problems { Issue.record(Comment(rawValue: problem)) }
            var row = ConformanceHTTPSummary(file: run.file, refusedSeries: run.backend.refused.count)
            for (local, remote) in zip(run.inProcess, run.overHTTP) {
                let verdict = Self.classify(local, remote, refused: run.backend.refused)
                row.add(verdict)
                switch verdict {
                case .agree, .listed: break
                case .disagree(let why): differences.append("\(run.file):\(local.line): \(local.expression)\n    \(why)")
                case .listedButAgrees(let reason):
                    staleEntries.append("\(run.file):\(local.line): \(local.expression) (listed: \(reason))")
                }
            }
            if run.inProcess.count != run.overHTTP.count {
                Issue.record("\(run.file): \(run.inProcess.count) cases in-process but \(run.overHTTP.count) over HTTP")
            }
            rows.append(row)
        }

        print("PromQL conformance over HTTP: \(rows.reduce(0) { $0 + $1.cases }) cases, \(queries) HTTP queries, "
              + "\(samples) samples in \(requests) remote-write requests, \(ContinuousClock.now - started)\n"
              + ConformanceHTTPSummary.table(rows))
        print("Skipped files: " + ConformanceHTTPExpected.skippedFiles.sorted { $0.key < $1.key }.map { "\($0.key) (\($0.value))" }.joined(separator: "; "))
        for run in runs { print("  \(run.file): \(run.duration)") }
        let refusals = runs.flatMap(\.backend.refused)
        if !refusals.isEmpty {
            print("Series refused by remote write:\n" + refusals.map { "  \($0.file):\($0.loadLine) \($0.labels): \($0.status) \($0.message)" }.joined(separator: "\n"))
        }
        if only != nil {
            for run in runs {
                for (local, remote) in zip(run.inProcess, run.overHTTP) where (local.failure == nil) != (remote.failure == nil) {
                    print("\(run.file):\(local.line): \(local.expression)\n    in-process: \(local.failure ?? "passed")\n    over HTTP: \(remote.failure ?? "passed")")
                }
            }
        }
        #expect(!exitedEarly, "strata exited during the run; log:\n\(strata.log().suffix(4000))")
        #expect(differences.isEmpty, Comment(rawValue: "\(differences.count) case(s) end differently over HTTP than in-process:\n"
            + differences.prefix(only == nil ? 40 : Int.max).joined(separator: "\n")))
        #expect(staleEntries.isEmpty, Comment(rawValue: "listed in ConformanceHTTPExpected but ending as in-process — remove them:\n"
            + staleEntries.joined(separator: "\n")))
        #expect(rows.reduce(0) { $0 + $1.cases } > 0, "the corpus produced no cases")
    }

    /// One file's results, both ways.
    struct FileRun: Sendable {
        var file: String
        var inProcess: [ConformanceCaseResult]
        var overHTTP: [ConformanceCaseResult]
        var backend: ConformanceHTTPBackend
        var duration: Duration
    }

    /// How a case's two outcomes compare.
    enum Verdict: Equatable {
        /// Both passed, or both failed.
        case agree
        /// They differ, with a listed or derived reason.
        case listed(String)
        /// They differ without a reason: a bug in the write or read path.
        case disagree(String)
        /// Listed, but both ended the same: the entry should go.
        case listedButAgrees(String)
    }

    static func classify(_ local: ConformanceCaseResult, _ remote: ConformanceCaseResult, refused: [ConformanceRefusedSeries]) -> Verdict {
        let listed = ConformanceHTTPExpected.byFile[local.file]?[local.line]
        if (local.failure == nil) == (remote.failure == nil) {
            return listed.map(Verdict.listedButAgrees) ?? .agree
        }
        if let listed { return .listed(listed) }
        let refusedHere = refused.filter { $0.file == local.file }
        if let parsed = try? PromQL.parse(local.expression),
           let hit = refusedHere.first(where: { r in ConformanceRunner.selectsAny(of: [r.labels], parsed) }) {
            return .listed("selects \(hit.labels), which remote write refuses: \(hit.message)")
        }
        return .disagree("in-process: \(local.failure ?? "passed"); over HTTP: \(remote.failure ?? "passed")")
    }

    @Test("loads are pushed interleaved in time order and times and answers are read as the runner reads the engine's")
    func backendHelpers() throws {
        let a = Labels(["__name__": "a"]), b = Labels(["__name__": "b"])
        let load1 = ConformanceLoad(line: 1, interval: 60_000, withNHCB: false, series: [
            ConformanceSeries(labels: a, values: [.float(1), .omitted, .float(3), .histogram(ConformanceHistogram(h: FloatHistogram(count: 1), hintSet: false))]),
            ConformanceSeries(labels: b, values: [.float(StaleNaN.value), .float(.nan)]),
        ])
        let load2 = ConformanceLoad(line: 5, interval: 60_000, withNHCB: false, series: [
            ConformanceSeries(labels: a, values: [.omitted, .omitted, .float(30), .float(4)]),
        ])
        let merged = ConformanceHTTPBackend.merged([load1, load2])
        #expect(merged.map(\.labels) == [a, b])
        #expect(merged[0].samples.map(\.timestamp) == [0, 120_000, 180_000])
        #expect(merged[0].samples.map(\.value) == [1, 30, 4])
        #expect(StaleNaN.isStale(merged[1].samples[0].value) && merged[1].samples[1].value.isNaN)

        // Two samples per request: windows [0], [60s], [120s, 180s]; every series in time order.
        let batches = ConformanceHTTPBackend.batches(merged, samplesPerRequest: 2)
        #expect(batches.count == 3)
        var lastByLabels: [Labels: Int64] = [:]
        var previousWindowEnd = Int64.min
        for batch in batches {
            let times = batch.flatMap { $0.samples.map(\.timestamp) }
            #expect(times.min().map { $0 > previousWindowEnd } ?? false)
            previousWindowEnd = times.max() ?? previousWindowEnd
            for s in batch {
                #expect(s.samples.map(\.timestamp) == s.samples.map(\.timestamp).sorted())
                #expect((s.samples.first?.timestamp ?? .max) > lastByLabels[s.labels, default: .min])
                lastByLabels[s.labels] = s.samples.last?.timestamp
            }
        }
        #expect(batches.reduce(0) { $0 + $1.reduce(0) { $0 + $1.samples.count } } == 5)

        #expect(ConformanceHTTPBackend.seconds(0) == "0.000")
        #expect(ConformanceHTTPBackend.seconds(-1500) == "-1.500")
        #expect(ConformanceHTTPBackend.seconds(60_007) == "60.007")

        let error = ConformanceHTTPBackend.answer(status: 400, body: Data(#"{"status":"error","errorType":"bad_data","error":"invalid parameter \"query\": 1:5: parse error: unexpected"}"#.utf8))
        #expect(error.errorMessage == "1:5: parse error: unexpected")
        let vector = ConformanceHTTPBackend.answer(status: 200, body: Data(
            #"{"status":"success","data":{"resultType":"vector","result":[{"metric":{"a":"1"},"value":[60,"NaN"]}]},"warnings":["PromQL warning: w (1:1)"],"infos":["PromQL info: i"]}"#.utf8))
        guard case .value(.vector(let v), let warnings, let infos) = vector else {
            Issue.record("not a vector: \(vector)")
            return
        }
        #expect(v.count == 1 && v[0].metric == Labels(["a": "1"]) && v[0].t == 60_000 && v[0].f.isNaN)
        #expect(warnings == ["PromQL warning: w (1:1)"] && infos == ["PromQL info: i"])
    }
}

/// One row of the per-file table.
struct ConformanceHTTPSummary: Sendable {
    var file: String
    var cases = 0, agree = 0, listed = 0, disagree = 0, listedButAgree = 0
    /// Series remote write refused in the file's loads.
    var refusedSeries = 0

    init(file: String, refusedSeries: Int) {
        self.file = file
        self.refusedSeries = refusedSeries
    }

    mutating func add(_ verdict: ConformanceHTTPTests.Verdict) {
        cases += 1
        switch verdict {
        case .agree: agree += 1
        case .listed: listed += 1
        case .disagree: disagree += 1
        case .listedButAgrees: listedButAgree += 1
        }
    }

    /// The table in Markdown with a totals row.
    static func table(_ rows: [ConformanceHTTPSummary]) -> String {
        var lines = ["| file | cases | agree | listed | disagree | refused series |", "|---|---:|---:|---:|---:|---:|"]
        var total = ConformanceHTTPSummary(file: "**total**", refusedSeries: 0)
        for r in rows {
            lines.append("| \(r.file) | \(r.cases) | \(r.agree + r.listedButAgree) | \(r.listed) | \(r.disagree) | \(r.refusedSeries) |")
            total.cases += r.cases
            total.agree += r.agree + r.listedButAgree
            total.listed += r.listed
            total.disagree += r.disagree
            total.refusedSeries += r.refusedSeries
        }
        lines.append("| **total** | \(total.cases) | \(total.agree) | \(total.listed) | \(total.disagree) | \(total.refusedSeries) |")
        return lines.joined(separator: "\n")
    }
}
