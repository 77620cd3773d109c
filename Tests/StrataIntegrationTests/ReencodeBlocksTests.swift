import Foundation
import StrataModel
import StrataTestSupport
import Testing

/// `strata-loadgen reencode-blocks` rewrites blocks another tool wrote with Strata's encoder; the
/// result must hold exactly the same samples for Prometheus's own reader.
@Suite("reencode-blocks")
struct ReencodeBlocksTests {
    @Test("promtool blocks rewritten with 240 samples per chunk dump the same samples in promtool, in fewer bytes")
    func promtoolBlocksRewritten() throws {
        try Promtool.require()
        let loadgen = try loadgenBinary()
        let minute: Int64 = 60_000
        let end = (Int64(Date().timeIntervalSince1970 * 1000) - 30 * 3_600_000) / minute * minute
        let start = end - 6 * 3_600_000
        // A counter, a noisy gauge and a gauge whose small steps are broken by outliers (where the
        // encoder's window choice differs from Prometheus's).
        var text = ""
        var expected: [Labels: [Sample]] = [:]
        var rng = SeededRandom(seed: 42)
        var counter = 0.0, gauge = 20.0
        for t in stride(from: start, through: end, by: Int(minute)) {
            let step = (t - start) / minute
            counter += Double(rng.next() % 50)
            gauge = (gauge + Double(Int64(rng.next() % 201) - 100) / 100 * 0.37).rounded(toPlaces: 2)
            let spiky = step % 17 == 3 ? 1_234_567.891 : 42 + Double(step % 4) * 0.5
            for (name, v) in [("re_requests_total", counter), ("re_temperature", gauge), ("re_spiky", spiky)] {
                text += "\(name){job=\"re\"} \(v) \(t / 1000)\n"
                expected[Labels(["__name__": name, "job": "re"]), default: []].append(Sample(timestamp: t, value: v))
            }
        }
        text += "# EOF\n"
        let work = try makeTempDirectory("strata-reencode")
        defer { try? FileManager.default.removeItem(at: work) }
        let input = work.appendingPathComponent("input.om")
        try text.write(to: input, atomically: true, encoding: .utf8)
        let promtoolOut = work.appendingPathComponent("promtool")
        _ = try Promtool.run(["tsdb", "create-blocks-from", "openmetrics", input.path, promtoolOut.path])

        let rewritten = work.appendingPathComponent("rewritten")
        let report = try ExternalTool.run(loadgen, ["reencode-blocks", "-from", promtoolOut.path, "-to", rewritten.path,
                                                    "-samples-per-chunk", "240"])
        let summary = report.split(separator: "\n").last.map(String.init) ?? ""
        #expect(summary.contains("samples per chunk 240"), "\(report)")
        #expect(summary.contains("(-"), "the rewrite is smaller: \(report)")

        let dump = try Promtool.parseDump(try Promtool.run(["tsdb", "dump", "--min-time=\(start)", "--max-time=\(end)",
                                                            rewritten.path]))
        #expect(dump.count == expected.count)
        for (labels, want) in expected {
            let got = dump[labels] ?? []
            #expect(got.count == want.count && zip(got, want).allSatisfy { $0.isIdentical(to: $1) },
                    "\(labels): \(got.count) samples, want \(want.count)")
        }
    }
}

extension Double {
    /// Rounded to `places` decimal places (the OpenMetrics text then prints it exactly).
    fileprivate func rounded(toPlaces places: Int) -> Double {
        var scale = 1.0
        for _ in 0..<places { scale *= 10 }
        return (self * scale).rounded() / scale
    }
}
