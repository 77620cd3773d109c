import Foundation
import Testing
@testable import StrataPromQLTestSupport

/// Runs the upstream PromQL test corpus through Strata's engine.
///
/// Environment: `STRATA_CONFORMANCE_FILE=<name>` runs one file and prints every failure in full;
/// by default a listed case that passes fails the test too (`STRATA_CONFORMANCE_STRICT=0` relaxes that);
/// `STRATA_CONFORMANCE_SUGGEST=1` prints ExpectedFailures entries for failing experimental cases;
/// `STRATA_CONFORMANCE_TRACE=1` prints each case before it runs (to find one that crashes).
@Suite("Conformance corpus")
struct ConformanceCorpusTests {
    @Test("upstream promqltest corpus")
    func corpus() async throws {
        let env = ProcessInfo.processInfo.environment
        let only = env["STRATA_CONFORMANCE_FILE"].flatMap { $0.isEmpty ? nil : ($0.hasSuffix(".test") ? $0 : $0 + ".test") }
        let strict = env["STRATA_CONFORMANCE_STRICT"] != "0"
        let suggest = env["STRATA_CONFORMANCE_SUGGEST"] == "1"

        var files = try ConformanceCorpus.files()
        if let only {
            files = files.filter { $0 == only }
            try #require(!files.isEmpty, "STRATA_CONFORMANCE_FILE=\(only) is not in \(ConformanceCorpus.directory.path)")
        }
        let parser = try ConformanceScriptParser()
        var scripts: [ConformanceScript] = []
        var summaries: [String: ConformanceFileSummary] = [:]
        for file in files {
            do {
                scripts.append(try parser.parse(try ConformanceCorpus.text(of: file), file: file))
            } catch let error as ConformanceScriptError {
                var s = ConformanceFileSummary(file: file)
                s.scriptError = error.description
                summaries[file] = s
                Issue.record("\(file): the script does not parse: \(error)")
            }
        }
        if only == nil {
            var evalLines: [String: Set<Int>] = [:]
            for s in scripts { evalLines[s.file] = Set(s.evals.map(\.line)) }
            for stale in ConformanceReport.staleEntries(evalLines: evalLines) { Issue.record(Comment(rawValue: stale)) }
        }

        let runner = ConformanceRunner(trace: env["STRATA_CONFORMANCE_TRACE"] == "1")
        let results = await withTaskGroup(of: [ConformanceCaseResult].self) { group in
            for script in scripts { group.addTask { await runner.run(script) } }
            var all: [ConformanceCaseResult] = []
            for await r in group { all.append(contentsOf: r) }
            return all
        }

        var reports: [ConformanceCaseReport] = []
        for r in results.sorted(by: { ($0.file, $0.line) < ($1.file, $1.line) }) {
            let verdict = ConformanceReport.classify(r)
            reports.append(ConformanceCaseReport(result: r, verdict: verdict))
            summaries[r.file, default: ConformanceFileSummary(file: r.file)].add(verdict)
        }
        for script in scripts where summaries[script.file] == nil { summaries[script.file] = ConformanceFileSummary(file: script.file) }

        let ordered = summaries.values.sorted { $0.file < $1.file }
        let queries = results.reduce(0) { $0 + $1.queries }
        print("PromQL conformance (upstream promqltest corpus): \(results.count) cases, \(queries) engine queries\n"
              + ConformanceReport.table(ordered))
        let reasons = ConformanceReport.reasonSummary(reports)
        if !reasons.isEmpty { print("Expected failures by reason:\n" + reasons) }

        let detailLimit = only == nil ? 25 : Int.max
        for file in files {
            let failing = reports.filter { $0.result.file == file }.compactMap { r -> String? in
                guard case .failed(let why) = r.verdict else { return nil }
                return "\(file):\(r.result.line): \(r.result.expression)\n    \(why)"
            }
            if !failing.isEmpty {
                var text = "\(failing.count) unexpected failure(s) in \(file):\n" + failing.prefix(detailLimit).joined(separator: "\n")
                if failing.count > detailLimit {
                    text += "\n… and \(failing.count - detailLimit) more (run with STRATA_CONFORMANCE_FILE=\(file) for all)"
                }
                Issue.record(Comment(rawValue: text))
            }
            let passing = reports.filter { $0.result.file == file }.compactMap { r -> String? in
                guard case .unexpectedlyPassing(let reason) = r.verdict else { return nil }
                return "\(file):\(r.result.line): \(r.result.expression) (listed: \(reason))"
            }
            if !passing.isEmpty {
                let text = "\(passing.count) unexpectedly passing case(s) in \(file) — remove their entries:\n" + passing.joined(separator: "\n")
                if strict { Issue.record(Comment(rawValue: text)) } else { print(text) }
            }
        }
        if only != nil {
            for r in reports {
                if case .expectedFailure(let reason, let why) = r.verdict {
                    print("expected failure (\(reason)) \(r.result.file):\(r.result.line): \(r.result.expression)\n    \(why)")
                }
            }
        }
        if suggest {
            var lines: [String] = []
            for r in reports {
                guard case .failed = r.verdict,
                      let reason = ConformanceExpectedFailures.suggestion(file: r.result.file, expression: r.result.expression)
                else { continue }
                lines.append("        (\"\(r.result.file)\", \(r.result.line), .\(Self.caseName(reason))),  // \(r.result.expression)")
            }
            print("Suggested ExpectedFailures entries:\n" + lines.joined(separator: "\n"))
        }
        #expect(!reports.isEmpty, "the corpus produced no cases")
    }

    private static func caseName(_ reason: ConformanceFailureReason) -> String {
        switch reason {
        case .histogramTrimOperators: return "histogramTrimOperators"
        case .histogramStatsIterator: return "histogramStatsIterator"
        case .extendedRangeSelectors: return "extendedRangeSelectors"
        case .fillModifiers: return "fillModifiers"
        case .durationExpressions: return "durationExpressions"
        case .infoFunction: return "infoFunction"
        case .typeAndUnitLabels: return "typeAndUnitLabels"
        case .startTimestamps: return "startTimestamps"
        case .parserRefuses: return "parserRefuses"
        }
    }
}
