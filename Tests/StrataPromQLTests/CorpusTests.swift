import Foundation
import Testing
@testable import StrataPromQL
@testable import StrataPromQLTestSupport

@Suite("Upstream promqltest corpus")
struct CorpusTests {
    @Test("the corpus folder exists and holds .test files")
    func corpusPresent() throws {
        let files = try Corpus.files()
        #expect(files.count >= 20, "expected the Prometheus promqltest files in \(Corpus.directory.path)")
    }

    @Test("every corpus expression parses (or is a listed unsupported one) and round-trips")
    func corpusParses() throws {
        var table: [String] = []
        var totals = (parsed: 0, unsupported: 0, failed: 0, failCases: 0)
        var stale: [String] = []
        for url in try Corpus.files() {
            let cases = try Corpus.cases(in: url)
            var parsed = 0, unsupported = 0, failed = 0, failCases = 0
            for c in cases {
                let result: Result<Expr, ParseError>
                do { result = .success(try PromQL.parse(c.expression)) } catch { result = .failure(error) }
                if c.expectFail {
                    failCases += 1
                    if case .failure(let e) = result {
                        #expect(e.position.start <= c.expression.utf8.count, "\(c)")
                    }
                    if case .success(let expr) = result { checkRoundTrip(expr, c) }
                    continue
                }
                let known = KnownUnsupported.reason(file: c.file, expression: c.expression)
                switch (result, known) {
                case (.success(let expr), nil):
                    parsed += 1
                    checkRoundTrip(expr, c)
                case (.success, .some):
                    stale.append(c.description)
                    parsed += 1
                case (.failure, .some):
                    unsupported += 1
                case (.failure(let error), nil):
                    failed += 1
                    Issue.record("\(c): \(error)")
                }
            }
            table.append(pad(url.lastPathComponent, 28) + pad("\(parsed)", 8) + pad("\(unsupported)", 13) + pad("\(failed)", 8) + "\(failCases)")
            totals.parsed += parsed
            totals.unsupported += unsupported
            totals.failed += failed
            totals.failCases += failCases
        }
        print(pad("file", 28) + pad("parsed", 8) + pad("unsupported", 13) + pad("failed", 8) + "eval_fail/expect fail")
        table.forEach { print($0) }
        print(pad("total", 28) + pad("\(totals.parsed)", 8) + pad("\(totals.unsupported)", 13) + pad("\(totals.failed)", 8) + "\(totals.failCases)")
        #expect(totals.parsed > 1500)
        #expect(totals.failed == 0)
        #expect(stale.isEmpty, "listed as unsupported but now parse (remove from KnownUnsupported.swift): \(stale)")
    }

    @Test("every known-unsupported entry names a reason")
    func unsupportedListHasReasons() {
        #expect(!KnownUnsupported.entries.isEmpty)
        for (_, reason) in KnownUnsupported.entries {
            #expect(!reason.rawValue.isEmpty)
        }
    }

    private func checkRoundTrip(_ expr: Expr, _ c: CorpusCase) {
        let printed = PromQL.format(expr)
        do {
            let again = try PromQL.parse(printed)
            #expect(again == expr, "round trip of \(c) via \(printed)")
            #expect(PromQL.format(again) == printed, "\(c)")
        } catch {
            Issue.record("printed form of \(c) does not parse: \(printed): \(error)")
        }
    }

    private func pad(_ s: String, _ width: Int) -> String {
        s.count >= width ? s + " " : s + String(repeating: " ", count: width - s.count)
    }
}
