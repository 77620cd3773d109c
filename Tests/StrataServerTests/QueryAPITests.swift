import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import StrataModel
@testable import StrataHTTP
import Testing

/// One API answer: status, body text and headers.
struct APIAnswer {
    let status: HTTPResponse.Status
    let body: String
    let headers: HTTPFields

    /// The body as a JSON object.
    var json: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] ?? [:]
    }
}

/// Sends a GET (or, with `form`, a form POST) to the Prometheus API as `tenant`.
func apiCall(_ client: any TestClientProtocol, _ uri: String, tenant: String? = "team-a", form: String? = nil,
             headers extra: HTTPFields = [:]) async throws -> APIAnswer {
    var headers = extra
    if let tenant, let name = HTTPField.Name("X-Scope-OrgID") { headers[name] = tenant }
    var body: ByteBuffer?
    if let form {
        headers[.contentType] = "application/x-www-form-urlencoded"
        body = ByteBuffer(string: form)
    }
    return try await client.execute(uri: uri, method: form == nil ? .get : .post, headers: headers, body: body) { r in
        APIAnswer(status: r.status, body: String(buffer: r.body), headers: r.headers)
    }
}

/// Pushes `series` for `tenant` and expects success.
func pushSeries(_ client: any TestClientProtocol, _ series: [(Labels, [Sample])], tenant: String = "team-a") async throws {
    try await client.execute(uri: "/api/v1/push", method: .post, headers: pushHeaders(tenant: tenant),
                             body: remoteWriteBody(series)) { r in
        #expect(r.status == .ok)
    }
}

/// `/query` and `/query_range`: parameter validation in Prometheus's order and words, error
/// envelopes and status codes.
@Suite struct QueryAPITests {
    @Test func rangeQueryParameterErrors() async throws {
        let strata = try await InProcessStrata()
        try await strata.test { client in
            let cases: [(String, String)] = [
                ("start=x&end=2&step=1", #"invalid parameter \"start\": cannot parse \"x\" to a valid timestamp"#),
                ("start=1&end=&step=1", #"invalid parameter \"end\": cannot parse \"\" to a valid timestamp"#),
                ("start=10&end=2&step=1", #"invalid parameter \"end\": end timestamp must not be before start time"#),
                ("start=1&end=2&step=abc", #"invalid parameter \"step\": cannot parse \"abc\" to a valid duration"#),
                ("start=1&end=2&step=0", #"invalid parameter \"step\": zero or negative query resolution step widths are not accepted. Try a positive integer"#),
                ("start=1&end=2&step=-5s", #"invalid parameter \"step\": cannot parse \"-5s\" to a valid duration"#),
                ("start=0&end=11001&step=1", "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)"),
                ("start=-9000000000000000&end=9000000000000000&step=1y", "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)"),
                ("start=1&end=2&step=1&timeout=soon", #"invalid parameter \"timeout\": cannot parse \"soon\" to a valid duration"#),
                ("start=1&end=2&step=1&limit=-1", #"invalid parameter \"limit\": limit must be non-negative"#),
                ("start=1&end=2&step=1&limit=x", #"invalid parameter \"limit\": strconv.Atoi: parsing \"x\": invalid syntax"#),
                ("start=1&end=2&step=1&query=sum(", #"invalid parameter \"query\": 1:5: parse error: unclosed left parenthesis"#),
            ]
            for (query, message) in cases {
                let a = try await apiCall(client, "/prometheus/api/v1/query_range?\(query)")
                #expect(a.status == .badRequest, "\(query)")
                #expect(a.body == #"{"status":"error","errorType":"bad_data","error":"\#(message)"}"#, "\(query)")
                #expect(a.headers[.contentType] == "application/json")
            }
            // Exactly 11,000 points is still allowed: the check is on the step count, not the point count.
            let ok = try await apiCall(client, "/prometheus/api/v1/query_range?start=0&end=11000&step=1&query=1")
            #expect(ok.body.contains("exceeded maximum") == false)
        }
    }

    @Test func instantQueryParameterErrors() async throws {
        let strata = try await InProcessStrata()
        try await strata.test { client in
            let a = try await apiCall(client, "/api/v1/query?query=up&time=yesterday")
            #expect(a.status == .badRequest)
            #expect(a.body == #"{"status":"error","errorType":"bad_data","error":"invalid parameter \"time\": invalid time value for 'time': cannot parse \"yesterday\" to a valid timestamp"}"#)
            let b = try await apiCall(client, "/api/v1/query?query=foo%7B")
            #expect(b.status == .badRequest)
            #expect(b.json["error"] as? String == #"invalid parameter "query": 1:5: parse error: unexpected end of input inside braces"#)
            let c = try await apiCall(client, "/api/v1/query?query=")
            #expect(c.status == .badRequest)
            #expect((c.json["error"] as? String)?.hasPrefix(#"invalid parameter "query": "#) == true)
        }
    }

    @Test func missingTenantIsRefusedBeforeAnything() async throws {
        let strata = try await InProcessStrata()
        try await strata.test { client in
            let a = try await apiCall(client, "/prometheus/api/v1/query?query=up", tenant: nil)
            #expect(a.status == .unauthorized)
            #expect(a.body.contains("no org id"))
        }
    }

    @Test func timestampsAndDurations() throws {
        #expect(try PromAPITime.parseTime("1700000000") == 1_700_000_000_000)
        #expect(try PromAPITime.parseTime("1700000000.1234") == 1_700_000_000_123)
        #expect(try PromAPITime.parseTime("1.5") == 1500)
        #expect(try PromAPITime.parseTime("-1.5") == -1500)
        #expect(try PromAPITime.parseTime("2023-11-14T22:13:20Z") == 1_700_000_000_000)
        #expect(try PromAPITime.parseTime("2023-11-14T23:13:20.5+01:00") == 1_700_000_000_500)
        #expect(try PromAPITime.parseTime("1970-01-01T00:00:00.123456789Z") == 123)
        #expect(throws: (any Error).self) { try PromAPITime.parseTime("2023-02-30T00:00:00Z") }
        #expect(throws: (any Error).self) { try PromAPITime.parseTime("0x10") }
        #expect(try PromAPITime.parseDuration("1m30s") == 90_000_000_000)
        #expect(try PromAPITime.parseDuration("1.5") == 1_500_000_000)
        #expect(try PromAPITime.parseDuration("2h") == 7_200_000_000_000)
        #expect(throws: (any Error).self) { try PromAPITime.parseDuration("30s1m") }
        #expect(throws: (any Error).self) { try PromAPITime.parseDuration("") }
    }

    /// Hostile parameter values never crash an endpoint: each answers with a JSON status.
    @Test func oddParametersNeverCrash() async throws {
        let strata = try await InProcessStrata()
        try await strata.test { client in
            let odd = ["", "NaN", "-Inf", "+Inf", "1e400", "-9223372036854775808", "9223372036854775807", "0x1p3", "1_000",
                       "%ZZ", "%00", "%E2%80%A8", "-1", "9999-12-31T23:59:59.999999999Z", "0000-01-01T00:00:00Z",
                       "-292273086-05-16T16:47:06Z", "292277025-08-18T07:12:54.999999999Z", "1y1y", "1ms", "%7B%7D"]
            let endpoints = ["query?query=up&time=", "query?query=time()&timeout=", "query_range?query=up&start=0&end=60&step=",
                             "query_range?query=up&end=60&step=1&start=", "query_range?query=up&start=0&step=1&end=",
                             "series?match[]=up&start=", "series?match[]=up&end=", "series?match[]=", "labels?limit=",
                             "label/job/values?start=", "query?query=", "query?query=up&lookback_delta=", "metadata?limit=",
                             "query_exemplars?query=up&start=", "format_query?query=", "parse_query?query="]
            for endpoint in endpoints {
                for value in odd {
                    let a = try await apiCall(client, "/api/v1/\(endpoint)\(value)")
                    #expect([200, 400, 422, 503].contains(a.status.code), "\(endpoint)\(value): \(a.status)")
                    #expect(a.body.hasPrefix(#"{"status":""#), "\(endpoint)\(value)")
                }
            }
        }
    }
}
