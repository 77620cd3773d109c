import Logging
import StrataModel
import StrataPromQL
import Synchronization
@testable import StrataQueryFrontend

/// A runner that answers every range query with one series whose value at t is t/1000 (so any
/// mix of parts can be checked against the whole), and records what it was asked.
final class RecordingRunner: QueryRunner {
    private let seen = Mutex<[QueryRequest]>([])
    let delay: Duration

    init(delay: Duration = .zero) { self.delay = delay }

    var requests: [QueryRequest] { seen.withLock { $0 } }

    func run(_ request: QueryRequest) async throws(QueryFailure) -> QueryResponse {
        seen.withLock { $0.append(request) }
        if delay > .zero { try? await Task.sleep(for: delay) }
        if request.query.contains("fail_me") { throw .badData("asked to fail") }
        var points: [FPoint] = []
        if request.kind == .range {
            var t = request.start
            while t <= request.end {
                points.append(FPoint(t: t, f: Double(t) / 1000))
                t += request.step
            }
            var stats = QueryStats()
            stats.querierRequests = 1
            return QueryResponse(value: .matrix([SeriesResult(metric: Labels(["job": "a"]), floats: points)]), stats: stats)
        }
        return QueryResponse(value: .vector([VectorSample(metric: Labels(["job": "a"]), t: request.start, f: 1)]))
    }
}

/// The points of a one-series matrix answer.
func points(_ r: QueryResponse) -> [FPoint] {
    guard case .matrix(let m) = r.value, let s = m.first else { return [] }
    return s.floats
}

/// Warnings and errors only: the frontend logs one line per query at info level.
let testLogger: Logger = {
    var l = Logger(label: "strata.test.frontend")
    l.logLevel = .warning
    return l
}()

func rangeRequest(_ query: String = "up", tenant: String = "t1", start: Int64, end: Int64, step: Int64) -> QueryRequest {
    let t = (try? TenantID(validating: tenant)) ?? .anonymous
    return QueryRequest(kind: .range, tenants: [t], query: query, start: start, end: end, step: step)
}
