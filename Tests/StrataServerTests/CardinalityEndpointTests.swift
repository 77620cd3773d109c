import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Metrics
import StrataCardinality
import StrataHTTP
import StrataLimits
import StrataModel
import Testing

/// The cardinality API over the in-process `-target=all` wiring: Mimir's and Prometheus's JSON
/// byte for byte, GET and form POST, both prefixes, and the query log fed by the query endpoints.
@Suite struct CardinalityEndpointTests {
    static let a200 = Labels(["__name__": "http_requests_total", "code": "200", "job": "api"])
    static let a500 = Labels(["__name__": "http_requests_total", "code": "500", "job": "api"])
    static let up = Labels(["__name__": "up", "job": "node", "instance": "a:9100"])

    func seed(_ client: any TestClientProtocol) async throws -> Int64 {
        let t = nowMs() - 1000
        let samples = [Sample(timestamp: t, value: 1)]
        try await pushSeries(client, [(Self.a200, samples), (Self.a500, samples), (Self.up, samples)])
        try await pushSeries(client, [(Labels(["__name__": "other", "x": "y"]), samples)], tenant: "team-b")
        return t
    }

    @Test func mimirShapes() async throws {
        let strata = try await InProcessStrata()
        try await strata.test { client in
            _ = try await seed(client)
            let names = try await apiCall(client, "/prometheus/api/v1/cardinality/label_names")
            #expect(names.status == .ok)
            #expect(names.headers[.contentType] == "application/json")
            #expect(names.body == #"{"label_values_count_total":7,"label_names_count":4,"cardinality":[{"label_name":"__name__","label_values_count":2},{"label_name":"code","label_values_count":2},{"label_name":"job","label_values_count":2},{"label_name":"instance","label_values_count":1}]}"#)
            let limited = try await apiCall(client, "/api/v1/cardinality/label_names?limit=1&selector=%7Bjob%3D%22node%22%7D")
            #expect(limited.body == #"{"label_values_count_total":3,"label_names_count":3,"cardinality":[{"label_name":"__name__","label_values_count":1}]}"#)

            let values = try await apiCall(client, "/prometheus/api/v1/cardinality/label_values?label_names[]=job&label_names[]=code&limit=1")
            #expect(values.body == #"{"series_count_total":3,"labels":[{"label_name":"job","label_values_count":2,"series_count":3,"cardinality":[{"label_value":"api","series_count":2}]},{"label_name":"code","label_values_count":2,"series_count":2,"cardinality":[{"label_value":"200","series_count":1}]}]}"#)
            // Form POST, with a selector.
            let posted = try await apiCall(client, "/api/v1/cardinality/label_values", form: "label_names%5B%5D=instance&selector=up")
            #expect(posted.body == #"{"series_count_total":1,"labels":[{"label_name":"instance","label_values_count":1,"series_count":1,"cardinality":[{"label_value":"a:9100","series_count":1}]}]}"#)

            let active = try await apiCall(client, "/prometheus/api/v1/cardinality/active_series?selector=%7Bjob%3D%22api%22%7D")
            #expect(active.body == #"{"data":[{"__name__":"http_requests_total","code":"200","job":"api"},{"__name__":"http_requests_total","code":"500","job":"api"}]}"#)
            let cut = try await apiCall(client, "/prometheus/api/v1/cardinality/active_series?selector=%7Bjob%3D%22api%22%7D&limit=1")
            #expect(cut.body == #"{"data":[{"__name__":"http_requests_total","code":"200","job":"api"}],"truncated":true}"#)
        }
    }

    @Test func prometheusTSDBStatus() async throws {
        let strata = try await InProcessStrata()
        try await strata.test { client in
            let t = try await seed(client)
            let status = try await apiCall(client, "/prometheus/api/v1/status/tsdb?limit=2")
            #expect(status.status == .ok)
            #expect(status.body == #"{"status":"success","data":{"headStats":{"numSeries":3,"numLabelPairs":7,"chunkCount":3,"minTime":\#(t),"maxTime":\#(t)},"seriesCountByMetricName":[{"name":"http_requests_total","value":2},{"name":"up","value":1}],"labelValueCountByLabelName":[{"name":"__name__","value":2},{"name":"code","value":2}],"memoryInBytesByLabelName":[{"name":"__name__","value":40},{"name":"job","value":10}],"seriesCountByLabelValuePair":[{"name":"__name__=http_requests_total","value":2},{"name":"job=api","value":2}]}}"#)
            let other = try await apiCall(client, "/api/v1/status/tsdb", tenant: "team-b")
            #expect((other.json["data"] as? [String: Any])?["seriesCountByMetricName"] as? [[String: Any]] != nil)
            #expect(other.body.contains(#""seriesCountByMetricName":[{"name":"other","value":1}]"#))
        }
    }

    @Test func historyAndUnusedFollowTheQueries() async throws {
        let strata = try await InProcessStrata()
        try await strata.test { client in
            _ = try await seed(client)
            let today = UTCDay(milliseconds: nowMs())
            let history = try await apiCall(client, "/prometheus/api/v1/cardinality/history?days=2")
            #expect(history.body == #"{"days":[{"date":"\#(today.adding(days: -1))","series_count_total":0,"metrics":[]},{"date":"\#(today)","series_count_total":3,"metrics":[{"name":"http_requests_total","series_count":2},{"name":"up","series_count":1}]}]}"#)
            let one = try await apiCall(client, "/prometheus/api/v1/cardinality/history?days=1&metric=up")
            #expect(one.body == #"{"days":[{"date":"\#(today)","series_count_total":3,"metrics":[{"name":"up","series_count":1}]}]}"#)

            let before = try await apiCall(client, "/prometheus/api/v1/cardinality/unused")
            #expect(before.body == #"{"metrics":[{"name":"http_requests_total","series_count":2},{"name":"up","series_count":1}],"queried_metrics_tracked":0}"#)
            // An instant query names `up`; a series lookup by job reads the http series by name.
            #expect(try await apiCall(client, "/prometheus/api/v1/query?query=up").status == .ok)
            let middle = try await apiCall(client, "/prometheus/api/v1/cardinality/unused")
            #expect(middle.body == #"{"metrics":[{"name":"http_requests_total","series_count":2}],"queried_metrics_tracked":1}"#)
            #expect(try await apiCall(client, "/api/v1/series?match[]=%7Bjob%3D~%22a.%2B%22%7D").status == .ok)
            let after = try await apiCall(client, "/prometheus/api/v1/cardinality/unused?days=1")
            #expect(after.body == #"{"metrics":[],"queried_metrics_tracked":2}"#)
            // Another tenant's log is its own.
            let b = try await apiCall(client, "/prometheus/api/v1/cardinality/unused", tenant: "team-b")
            #expect(b.body == #"{"metrics":[{"name":"other","series_count":1}],"queried_metrics_tracked":0}"#)
        }
    }

    @Test func errors() async throws {
        let strata = try await InProcessStrata()
        try await strata.test { client in
            let missing = try await apiCall(client, "/api/v1/cardinality/label_values")
            #expect(missing.status == .badRequest)
            #expect(missing.body == #"{"status":"error","errorType":"bad_data","error":"invalid parameter \"label_names[]\": at least one label name is required, e.g. label_names[]=job (err-strata-invalid-cardinality-request)"}"#)
            let selector = try await apiCall(client, "/api/v1/cardinality/label_names?selector=sum(x)")
            #expect(selector.status == .badRequest)
            #expect((selector.json["error"] as? String)?.hasPrefix(#"invalid parameter "selector": expected a series selector"#) == true)
            let tooMany = (0...100).map { "label_names[]=l\($0)" }.joined(separator: "&")
            #expect(try await apiCall(client, "/api/v1/cardinality/label_values?" + tooMany).status == .badRequest)
            #expect(try await apiCall(client, "/api/v1/cardinality/label_names", tenant: nil).status == .unauthorized)
        }
    }

    /// A source that runs out of time or is cancelled.
    struct FailingSource: CardinalitySource {
        let error: CardinalityError
        func labelNamesCardinality(_ request: CardinalityRequest) async throws -> LabelNamesCardinality { throw error }
        func labelValuesCardinality(_ request: CardinalityRequest, labelNames: [String]) async throws -> LabelValuesCardinality { throw error }
        func activeSeries(_ request: CardinalityRequest) async throws -> ActiveSeries { throw error }
        func tsdbStatus(_ request: CardinalityRequest) async throws -> TSDBStatus { throw error }
        func seriesCountByMetricName(tenant: TenantID) async throws -> [String: Int] { throw error }
    }

    static func api(source: (any CardinalitySource)?) -> StrataAPI {
        var api = StrataAPI(tenants: TenantResolver(multitenancyEnabled: true), overrides: Overrides(defaults: Limits()),
                            distributor: nil, queryable: nil, readiness: { .init(ready: true, message: "") }, configYAML: { _ in nil },
                            metricsText: { [] }, metricsFactory: NOOPMetricsHandler.instance, logger: Logger(label: "test"))
        api.cardinality = CardinalityAPI(source: source, history: CardinalityHistoryReader(bucket: nil, source: source, log: nil),
                                         timeout: .seconds(5))
        return api
    }

    @Test func deadlineAndCancellationAnswerPrometheusErrors() async throws {
        for (error, status, type) in [(CardinalityError.timeout, HTTPResponse.Status.serviceUnavailable, "timeout"),
                                      (.canceled, HTTPResponse.Status(code: 499), "canceled")] {
            let app = Application(router: Self.api(source: FailingSource(error: error)).router())
            try await app.test(.router) { client in
                let answer = try await apiCall(client, "/api/v1/cardinality/label_names?selector=up")
                #expect(answer.status == status)
                #expect(answer.json["errorType"] as? String == type)
                #expect(try await apiCall(client, "/api/v1/cardinality/history").status == status)
            }
        }
    }

    @Test func withoutInMemorySeriesTheHeadEndpointsAnswer503() async throws {
        let app = Application(router: Self.api(source: nil).router())
        try await app.test(.router) { client in
            let names = try await apiCall(client, "/api/v1/cardinality/label_names")
            #expect(names.status == .serviceUnavailable)
            #expect(names.json["errorType"] as? String == "unavailable")
            #expect((names.json["error"] as? String)?.hasSuffix("(err-strata-cardinality-unavailable)") == true)
            let history = try await apiCall(client, "/api/v1/cardinality/history?days=1")
            #expect(history.status == .ok)
            #expect(history.body.hasPrefix(#"{"days":[{"date":""#))
        }
    }
}
