import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import StrataModel
@testable import StrataHTTP
import StrataPromQL
import Testing

/// `/format_query`, `/parse_query`, `/status/buildinfo`, gzip, and the JSON writer's bytes.
@Suite struct QueryAPIFormatTests {
    @Test func formatQuery() async throws {
        let strata = try await InProcessStrata()
        try await strata.test { client in
            let a = try await apiCall(client, "/api/v1/format_query?query=sum%20by(job)(rate(foo%7Ba%3D%22b%22%7D%5B5m%5D))%2B1", tenant: nil)
            #expect(a.status == .ok)
            #expect(a.body == #"{"status":"success","data":"sum by (job) (rate(foo{a=\"b\"}[5m])) + 1"}"#)
            let bad = try await apiCall(client, "/api/v1/format_query", tenant: nil, form: "query=foo%7Bbar%3D%22baz%22")
            #expect(bad.status == .badRequest)
            #expect(bad.json["errorType"] as? String == "bad_data")
            #expect((bad.json["error"] as? String)?.hasPrefix(#"invalid parameter "query": 1:"#) == true)
        }
    }

    @Test func parseQueryTree() async throws {
        let strata = try await InProcessStrata()
        try await strata.test { client in
            let a = try await apiCall(client, "/prometheus/api/v1/parse_query?query=sum%20by(job)(rate(foo%7Ba%3D%22b%22%7D%5B5m%5D%20offset%201m))", tenant: nil)
            #expect(a.status == .ok)
            let expected = #"{"status":"success","data":{"expr":{"args":[{"matchers":[{"name":"a","type":"=","value":"b"},{"name":"__name__","type":"=","value":"foo"}],"name":"foo","offset":60000,"range":300000,"startOrEnd":null,"timestamp":null,"type":"matrixSelector"}],"func":{"argTypes":["matrix"],"name":"rate","returnType":"vector","variadic":0},"type":"call"},"grouping":["job"],"op":"sum","param":null,"type":"aggregation","without":false}}"#
            #expect(a.body == expected)
            let b = try await apiCall(client, "/prometheus/api/v1/parse_query?query=a%20%2F%20on(x)%20group_left(y)%20b%20%40%20end()", tenant: nil)
            let expectedB = #"{"status":"success","data":{"bool":false,"lhs":{"matchers":[{"name":"__name__","type":"=","value":"a"}],"name":"a","offset":0,"startOrEnd":null,"timestamp":null,"type":"vectorSelector"},"matching":{"card":"many-to-one","include":["y"],"labels":["x"],"on":true},"op":"/","rhs":{"matchers":[{"name":"__name__","type":"=","value":"b"}],"name":"b","offset":0,"startOrEnd":"end","timestamp":null,"type":"vectorSelector"},"type":"binaryExpr"}}"#
            #expect(b.body == expectedB)
            let c = try await apiCall(client, "/prometheus/api/v1/parse_query?query=-2.5%20*%20%22x%22", tenant: nil)
            #expect(c.status == .badRequest)
            let d = try await apiCall(client, "/prometheus/api/v1/parse_query?query=1%20%2B%202", tenant: nil)
            #expect(d.body == #"{"status":"success","data":{"bool":false,"lhs":{"type":"numberLiteral","val":"1"},"matching":null,"op":"+","rhs":{"type":"numberLiteral","val":"2"},"type":"binaryExpr"}}"#)
        }
    }

    @Test func buildInfo() async throws {
        let strata = try await InProcessStrata()
        try await strata.test { client in
            let a = try await apiCall(client, "/api/v1/status/buildinfo", tenant: nil)
            #expect(a.status == .ok)
            let data = a.json["data"] as? [String: String]
            #expect(data?["version"]?.isEmpty == false)
            #expect(data?["goVersion"]?.hasPrefix("swift") == true)
            #expect(Set(data?.keys.map { $0 } ?? []) == ["version", "revision", "branch", "buildUser", "buildDate", "goVersion"])
        }
    }

    @Test func gzipWhenAccepted() async throws {
        let strata = try await InProcessStrata()
        try await strata.test { client in
            var series: [(Labels, [Sample])] = []
            let t = nowMs()
            for i in 0..<50 { series.append((Labels(["__name__": "m", "i": "\(i)"]), [Sample(timestamp: t - 1000, value: 1)])) }
            try await pushSeries(client, series)
            let plain = try await apiCall(client, "/api/v1/series?match[]=m")
            #expect(plain.headers[.contentEncoding] == nil)
            let gz = try await client.execute(uri: "/api/v1/series?match[]=m", method: .get,
                                              headers: [HTTPField.Name("X-Scope-OrgID")!: "team-a", .acceptEncoding: "deflate, gzip;q=0.9"]) { r in r }
            #expect(gz.headers[.contentEncoding] == "gzip")
            let compressed = Array(gz.body.readableBytesView)
            #expect(compressed.count < plain.body.utf8.count)
            #expect(try gunzip(compressed) == Array(plain.body.utf8))
            let refused = try await apiCall(client, "/api/v1/series?match[]=m", headers: [.acceptEncoding: "gzip;q=0"])
            #expect(refused.headers[.contentEncoding] == nil)
        }
    }

    @Test func jsonBytesOfEachResultType() {
        var v = JSONWriter()
        v.queryData(.vector([VectorSample(metric: Labels(["__name__": "up", "job": "a\"b\n<c>"]), t: 1_700_000_000_123, f: 1.5),
                             VectorSample(metric: Labels(["__name__": "up", "job": "x"]), t: 1_700_000_000_500, f: -0.0, dropName: true)]))
        #expect(String(buffer: v.buffer) == #"{"resultType":"vector","result":[{"metric":{"__name__":"up","job":"a\"b\n<c>"},"value":[1700000000.123,"1.5"]},{"metric":{"job":"x"},"value":[1700000000.500,"-0"]}]}"#)
        var m = JSONWriter()
        m.queryData(.matrix([SeriesResult(metric: Labels(["a": "b"]), floats: [FPoint(t: 1000, f: .nan), FPoint(t: 2000, f: .infinity),
                                                                               FPoint(t: 3001, f: -.infinity), FPoint(t: 4000, f: 1e-7),
                                                                               FPoint(t: 5000, f: 1e21), FPoint(t: 6000, f: 123456789012345680)])]))
        #expect(String(buffer: m.buffer) == #"{"resultType":"matrix","result":[{"metric":{"a":"b"},"values":[[1,"NaN"],[2,"+Inf"],[3.001,"-Inf"],[4,"1e-07"],[5,"1e+21"],[6,"123456789012345680"]]}]}"#)
        var s = JSONWriter()
        s.queryData(.scalar(t: 1_700_000_000_500, f: 0.000001))
        #expect(String(buffer: s.buffer) == #"{"resultType":"scalar","result":[1700000000.5,"0.000001"]}"#)
        var str = JSONWriter()
        str.queryData(.string(t: 1000, value: "a<b"))
        #expect(String(buffer: str.buffer) == #"{"resultType":"string","result":[1,"a\u003cb"]}"#)
        var e = JSONWriter()
        e.string("\u{1}\t\u{2028}&", htmlSafe: true)
        #expect(String(buffer: e.buffer) == #""\u0001\t\u2028\u0026""#)
    }
}

extension QueryAPIFormatTests {
    /// The buffer-level float formatter agrees with the reference `GoFloat` formatting.
    @Test func floatLayoutMatchesGo() {
        var values: [Double] = [0.1, 0.3, 1.0 / 3, 123.456, 1e-7, 1e-6, 9.99999e-7, 1e20, 1e21, 1.5e300, 5e-324,
                                .greatestFiniteMagnitude, 0.000123, 100, 1e15 + 0.5, 2.5e-5, 12345678.9]
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<5000 {
            values.append(Double(bitPattern: rng.next()))
            values.append(Double.random(in: -1e6...1e6, using: &rng))
        }
        for v in values where v.isFinite {
            var j = JSONWriter()
            j.goFloat(v, exponentOutsideJSONRange: true)
            #expect(String(buffer: j.buffer) == GoFloat.format(v, .prometheusJSON), "\(v)")
            var f = JSONWriter()
            f.goFloat(v, exponentOutsideJSONRange: false)
            #expect(String(buffer: f.buffer) == GoFloat.format(v, .fixed), "\(v)")
        }
    }
}

/// Decompresses a gzip member with the system `gzip`.
func gunzip(_ bytes: [UInt8]) throws -> [UInt8] {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/gzip")
    process.arguments = ["-dc"]
    let input = Pipe(), output = Pipe()
    process.standardInput = input
    process.standardOutput = output
    try process.run()
    input.fileHandleForWriting.write(Data(bytes))
    try input.fileHandleForWriting.close()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    #expect(process.terminationStatus == 0)
    return Array(data)
}
