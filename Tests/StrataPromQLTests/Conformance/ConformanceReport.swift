@testable import StrataPromQLTestSupport
/// How one case ended once the expected-failure list is taken into account.
enum ConformanceVerdict: Sendable, Equatable {
    /// Passed and not listed.
    case passed
    /// Failed and not listed: a bug.
    case failed(String)
    /// Failed and listed (or derived) with this reason.
    case expectedFailure(ConformanceFailureReason, String)
    /// Listed by hand or in KnownUnsupported, but passed: the entry should go.
    case unexpectedlyPassing(ConformanceFailureReason)
}

/// One classified case.
struct ConformanceCaseReport: Sendable {
    var result: ConformanceCaseResult
    var verdict: ConformanceVerdict
}

/// Per-file totals and the table printed by the corpus test.
struct ConformanceFileSummary: Sendable {
    var file: String
    var total = 0, passed = 0, failed = 0, expectedFailures = 0, unexpectedlyPassing = 0
    /// A script that could not be parsed (then there are no cases).
    var scriptError: String?

    init(file: String) { self.file = file }

    mutating func add(_ verdict: ConformanceVerdict) {
        total += 1
        switch verdict {
        case .passed: passed += 1
        case .failed: failed += 1
        case .expectedFailure: expectedFailures += 1
        case .unexpectedlyPassing: unexpectedlyPassing += 1
        }
    }
}

/// Classification of case results and the printed summaries.
enum ConformanceReport {
    /// Applies the expected-failure list to a result.
    static func classify(_ r: ConformanceCaseResult) -> ConformanceVerdict {
        let listed: ConformanceFailureReason? = ConformanceExpectedFailures.byFile[r.file]?[r.line]
            ?? KnownUnsupported.reason(file: r.file, expression: r.expression).map(ConformanceFailureReason.init(refused:))
        guard let failure = r.failure else {
            if let listed { return .unexpectedlyPassing(listed) }
            return .passed
        }
        if let listed { return .expectedFailure(listed, failure) }
        return .failed(failure)
    }

    /// Hand entries that do not point at an eval line of their file.
    static func staleEntries(evalLines: [String: Set<Int>]) -> [String] {
        ConformanceExpectedFailures.list.compactMap { file, line, _ in
            evalLines[file]?.contains(line) == true ? nil : "\(file):\(line) is listed in ExpectedFailures.swift but is not an eval line"
        }
    }

    /// The per-file table in Markdown, with a totals row.
    static func table(_ summaries: [ConformanceFileSummary]) -> String {
        var rows = ["| file | cases | passed | failed | expected failures | unexpectedly passing |",
                    "|---|---:|---:|---:|---:|---:|"]
        var total = ConformanceFileSummary(file: "**total**")
        for s in summaries {
            let name = s.scriptError == nil ? s.file : "\(s.file) (script error: \(s.scriptError ?? ""))"
            rows.append("| \(name) | \(s.total) | \(s.passed) | \(s.failed) | \(s.expectedFailures) | \(s.unexpectedlyPassing) |")
            total.total += s.total
            total.passed += s.passed
            total.failed += s.failed
            total.expectedFailures += s.expectedFailures
            total.unexpectedlyPassing += s.unexpectedlyPassing
        }
        rows.append("| **total** | \(total.total) | \(total.passed) | \(total.failed) | \(total.expectedFailures) | \(total.unexpectedlyPassing) |")
        return rows.joined(separator: "\n")
    }

    /// Expected failures counted by reason.
    static func reasonSummary(_ reports: [ConformanceCaseReport]) -> String {
        var counts: [String: Int] = [:]
        for r in reports {
            if case .expectedFailure(let reason, _) = r.verdict { counts[reason.summaryKey, default: 0] += 1 }
        }
        return counts.sorted { $0.value > $1.value }.map { "- \($0.key): \($0.value)" }.joined(separator: "\n")
    }
}
