import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import StrataModel
import Testing

/// `/series`, `/labels`, `/label/<name>/values`, `/metadata`, `/query_exemplars`: pushed series
/// read back by label, with match[] unions, limits, form POSTs and tenant isolation.
@Suite struct QueryAPILookupTests {
    static let a200 = Labels(["__name__": "http_requests_total", "code": "200", "job": "api"])
    static let a500 = Labels(["__name__": "http_requests_total", "code": "500", "job": "api"])
    static let up = Labels(["__name__": "up", "job": "node", "instance": "a:9100"])

    /// Pushes the three series to team-a and one to team-b.
    func seed(_ client: any TestClientProtocol) async throws -> Int64 {
        let t = nowMs()
        let samples = [Sample(timestamp: t - 1000, value: 1)]
        try await pushSeries(client, [(Self.a200, samples), (Self.a500, samples), (Self.up, samples)])
        try await pushSeries(client, [(Labels(["__name__": "other_tenant_metric", "team": "b"]), samples)], tenant: "team-b")
        return t
    }

    @Test func seriesByMatchers() async throws {
        let strata = try await InProcessStrata()
        try await strata.test { client in
            _ = try await seed(client)
            let one = try await apiCall(client, "/prometheus/api/v1/series?match[]=http_requests_total%7Bcode%3D%22500%22%7D")
            #expect(one.status == .ok)
            #expect(one.body == #"{"status":"success","data":[{"__name__":"http_requests_total","code":"500","job":"api"}]}"#)
            // Two selectors are unioned, sorted and deduplicated.
            let union = try await apiCall(client, "/api/v1/series?match[]=up&match[]=%7Bjob%3D~%22a.*%22%7D&match[]=http_requests_total")
            let data = union.json["data"] as? [[String: String]]
            #expect(data?.count == 3)
            #expect(data?.map { $0["__name__"] ?? "" } == ["http_requests_total", "http_requests_total", "up"])
            // Limit truncates and warns.
            let limited = try await apiCall(client, "/api/v1/series?match[]=%7Bjob%3D~%22.%2B%22%7D&limit=2")
            #expect((limited.json["data"] as? [Any])?.count == 2)
            #expect(limited.json["warnings"] as? [String] == ["results truncated due to limit"])
        }
    }

    @Test func seriesErrors() async throws {
        let strata = try await InProcessStrata()
        try await strata.test { client in
            let none = try await apiCall(client, "/api/v1/series")
            #expect(none.status == .badRequest)
            #expect(none.body == #"{"status":"error","errorType":"bad_data","error":"no match[] parameter provided"}"#)
            let empty = try await apiCall(client, "/api/v1/series?match[]=%7Bjob%3D~%22.*%22%7D")
            #expect(empty.status == .badRequest)
            #expect(empty.json["error"] as? String == #"invalid parameter "match[]": match[] must contain at least one non-empty matcher"#)
            let bad = try await apiCall(client, "/api/v1/series?match[]=up%7B")
            #expect(bad.status == .badRequest)
            #expect((bad.json["error"] as? String)?.hasPrefix(#"invalid parameter "match[]": 1:4: parse error"#) == true)
            let notSelector = try await apiCall(client, "/api/v1/series?match[]=rate(up%5B5m%5D)")
            #expect(notSelector.status == .badRequest)
            let badStart = try await apiCall(client, "/api/v1/series?match[]=up&start=soon")
            #expect(badStart.json["error"] as? String == #"invalid parameter "start": invalid time value for 'start': cannot parse "soon" to a valid timestamp"#)
        }
    }

    @Test func labelNamesAndValues() async throws {
        let strata = try await InProcessStrata()
        try await strata.test { client in
            _ = try await seed(client)
            let names = try await apiCall(client, "/prometheus/api/v1/labels")
            #expect(names.body == #"{"status":"success","data":["__name__","code","instance","job"]}"#)
            let matched = try await apiCall(client, "/prometheus/api/v1/labels?match[]=up")
            #expect(matched.body == #"{"status":"success","data":["__name__","instance","job"]}"#)
            let limited = try await apiCall(client, "/prometheus/api/v1/labels?limit=1")
            #expect(limited.body == #"{"status":"success","data":["__name__"],"warnings":["results truncated due to limit"]}"#)

            let jobs = try await apiCall(client, "/prometheus/api/v1/label/job/values")
            #expect(jobs.body == #"{"status":"success","data":["api","node"]}"#)
            let metricNames = try await apiCall(client, "/api/v1/label/__name__/values?match[]=%7Bjob%3D%22api%22%7D&match[]=%7Binstance%3D%22a%3A9100%22%7D")
            #expect(metricNames.body == #"{"status":"success","data":["http_requests_total","up"]}"#)
            let codes = try await apiCall(client, "/api/v1/label/code/values?limit=1")
            #expect(codes.body == #"{"status":"success","data":["200"],"warnings":["results truncated due to limit"]}"#)
            // U__ escaping of names that are not valid in a URL path element.
            let escaped = try await apiCall(client, "/api/v1/label/U__job/values")
            #expect(escaped.body == #"{"status":"success","data":["api","node"]}"#)
            let invalid = try await apiCall(client, "/api/v1/label/foo-bar/values")
            #expect(invalid.status == .badRequest)
            #expect(invalid.body == #"{"status":"error","errorType":"bad_data","error":"invalid label name: \"foo-bar\""}"#)
            let unknown = try await apiCall(client, "/api/v1/label/nope/values")
            #expect(unknown.body == #"{"status":"success","data":[]}"#)
        }
    }

    @Test func formPostMergesWithQueryString() async throws {
        let strata = try await InProcessStrata()
        try await strata.test { client in
            _ = try await seed(client)
            // Body values come first; both lists of match[] are used.
            let a = try await apiCall(client, "/api/v1/series?match[]=up", form: "match%5B%5D=http_requests_total%7Bcode%3D%22200%22%7D")
            #expect(a.status == .ok)
            let data = a.json["data"] as? [[String: String]]
            #expect(data?.map { $0["__name__"] ?? "" } == ["http_requests_total", "up"])
            let labels = try await apiCall(client, "/api/v1/labels", form: "match[]=up&limit=2")
            #expect(labels.body == #"{"status":"success","data":["__name__","instance"],"warnings":["results truncated due to limit"]}"#)
        }
    }

    @Test func tenantsAreIsolatedAndFederated() async throws {
        let strata = try await InProcessStrata()
        try await strata.test { client in
            _ = try await seed(client)
            let b = try await apiCall(client, "/api/v1/label/__name__/values", tenant: "team-b")
            #expect(b.body == #"{"status":"success","data":["other_tenant_metric"]}"#)
            let c = try await apiCall(client, "/api/v1/labels", tenant: "team-c")
            #expect(c.body == #"{"status":"success","data":[]}"#)
            // `a|b` reads both and labels each series with its tenant.
            let both = try await apiCall(client, "/api/v1/series?match[]=%7Bjob%3D%22node%22%7D&match[]=other_tenant_metric", tenant: "team-a|team-b")
            let data = both.json["data"] as? [[String: String]]
            #expect(data?.map { $0["__tenant_id__"] ?? "" } == ["team-b", "team-a"])
            let tenants = try await apiCall(client, "/api/v1/label/__tenant_id__/values", tenant: "team-a|team-b")
            #expect(tenants.body == #"{"status":"success","data":["team-a","team-b"]}"#)
            let onlyB = try await apiCall(client, "/api/v1/label/__name__/values?match[]=%7B__tenant_id__%3D%22team-b%22%2Cteam%3D~%22.%2B%22%7D", tenant: "team-a|team-b")
            #expect(onlyB.body == #"{"status":"success","data":["other_tenant_metric"]}"#)
        }
    }

    @Test func metadataAndExemplarsAreEmpty() async throws {
        let strata = try await InProcessStrata()
        try await strata.test { client in
            let m = try await apiCall(client, "/prometheus/api/v1/metadata?metric=up&limit=5")
            #expect(m.body == #"{"status":"success","data":{}}"#)
            let badLimit = try await apiCall(client, "/prometheus/api/v1/metadata?limit=many")
            #expect(badLimit.body == #"{"status":"error","errorType":"bad_data","error":"limit must be a number"}"#)
            let e = try await apiCall(client, "/prometheus/api/v1/query_exemplars?query=up&start=1&end=2")
            #expect(e.body == #"{"status":"success","data":[]}"#)
            let badRange = try await apiCall(client, "/prometheus/api/v1/query_exemplars?query=up&start=3&end=2")
            #expect(badRange.body == #"{"status":"error","errorType":"bad_data","error":"end timestamp must not be before start timestamp"}"#)
        }
    }
}
