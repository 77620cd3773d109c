import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import StrataModel
import StrataPromQL
@testable import StrataPromQLTestSupport
import Testing

/// Issue 13's hostile queries through the HTTP API: a stack-overflowing expression is a 400
/// naming the nesting limit, arithmetic extremes end in a result or a 4xx, and a 1 s timeout
/// ends the query within 1.5 s with Prometheus's 503 `timeout`.
@Suite struct QueryHardeningTests {
    /// `q` for a URL query string.
    static func encode(_ q: String) -> String {
        q.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
    }

    @Test func deeplyNestedSubqueriesAre400NamingTheLimit() async throws {
        let strata = try await InProcessStrata()
        let query = "vector(1)" + String(repeating: "[1m:1s]", count: 20_000)
        try await strata.test { client in
            for path in ["/prometheus/api/v1/parse_query", "/prometheus/api/v1/format_query", "/prometheus/api/v1/query"] {
                let a = try await apiCall(client, path, form: "query=" + Self.encode(query))
                #expect(a.status == .badRequest, "\(path)")
                #expect(a.json["errorType"] as? String == "bad_data", "\(path)")
                #expect((a.json["error"] as? String)?.contains("expression nesting depth exceeds the maximum of \(PromQL.maxDepth)") == true,
                        "\(path): \(a.body.prefix(300))")
            }
        }
    }

    @Test func theOverflowQueryIsAResultOrAClientError() async throws {
        let strata = try await InProcessStrata()
        let chain = (0..<600).map { _ in "label_replace(vector(1),\"a\",\"x\",\"\",\"\")" }.joined(separator: " or ")
        let query = "last_over_time((last_over_time((\(chain))[9199999999999:0.001]))[9199999999999:0.001])"
        try await strata.test { client in
            let a = try await apiCall(client, "/prometheus/api/v1/query", form: "query=" + Self.encode(query) + "&timeout=5s")
            #expect(a.status == .ok || (400..<500).contains(a.status.code), "\(a.status) \(a.body.prefix(300))")
        }
    }

    @Test func aOneSecondTimeoutAnswers503WithinHalfASecondMore() async throws {
        let t0 = (nowMs() / 1000 - 60) * 1000
        // On a thread of its own, so that other tests holding the cooperative pool's threads
        // cannot delay the request.
        try await Task(executorPreference: Self.timingExecutor) {
            try await Self.timeoutRequest(t0)
        }.value
    }

    static let timingExecutor = ThreadExecutor(stackSize: 8 << 20)

    static func timeoutRequest(_ t0: Int64) async throws {
        let strata = try await InProcessStrata()
        try await strata.test { client in
            try await pushSeries(client, [(Labels(["__name__": "dos"]), [Sample(timestamp: t0, value: 1)])])
            let clock = ContinuousClock()
            let started = clock.now
            let a = try await apiCall(client, "/prometheus/api/v1/query?query=" + Self.encode("max_over_time(dos[30d:1ms])")
                                      + "&time=\(t0 / 1000 + 30)&timeout=1s")
            let took = clock.now - started
            #expect(a.status.code == 503, "\(a.status) \(a.body.prefix(300))")
            #expect(a.json["errorType"] as? String == "timeout")
            #expect((a.json["error"] as? String)?.contains("err-strata-query-timeout") == true)
            #expect(took <= .milliseconds(1500), "took \(took)")
        }
    }
}
