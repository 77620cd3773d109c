import StrataModel
import StrataPromQL
import Testing
@testable import StrataQueryFrontend

@Suite struct QueryCodecTests {
    @Test func requestsAndResponsesRoundTrip() throws {
        var r = QueryRequest(kind: .range, tenants: [try TenantID(validating: "a"), try TenantID(validating: "b")],
                             query: "sum(rate(x[5m]))", start: -5, end: 1_700_000_000_000, step: 15_000, timeoutMs: 30_000,
                             lookbackDeltaMs: 60_000, maxSourceResolution: "5m", stats: true)
        r.selectors = ["{job=\"x\"}"]
        r.labelName = "job"
        #expect(try QueryCodec.decodeRequest(QueryCodec.encode(r)) == r)
        var stats = QueryStats()
        stats.seriesFetched = 3
        stats.resolutions = [300_000, 0]
        stats.rewrittenQuery = "sum(x)"
        let m: Matrix = [SeriesResult(metric: Labels(["a": "1", "__name__": "m"]),
                                      floats: [FPoint(t: -1000, f: .nan), FPoint(t: 2000, f: 1.5), FPoint(t: 3000, f: -.infinity)])]
        for value in [QueryValue.matrix(m), .vector([VectorSample(metric: Labels(["x": "y"]), t: 7, f: 2)]),
                      .scalar(t: 5, f: 3.25), .string(t: 1, value: "hello")] {
            let resp = QueryResponse(value: value, warnings: ["w"], infos: ["i1", "i2"], stats: stats)
            #expect(try QueryCodec.decodeResponse(QueryCodec.encode(resp)) == resp)
        }
        let f = QueryFailure(errorType: "execution", status: 422, message: "boom")
        #expect(try QueryCodec.decodeFailure(QueryCodec.encode(f)) == f)
    }

    @Test func truncatedAndHostileBytesAreErrorsNotCrashes() {
        let resp = QueryCodec.encode(QueryResponse(value: .matrix([SeriesResult(metric: Labels(["a": "b"]), floats: [FPoint(t: 1, f: 1)])])))
        for cut in 0..<resp.count {
            #expect(throws: QueryCodecError.self) { _ = try QueryCodec.decodeResponse(Array(resp.prefix(cut))) }
        }
        // A count claiming billions of series in a few bytes.
        #expect(throws: QueryCodecError.self) { _ = try QueryCodec.decodeResponse([1, 4, 0xff, 0xff, 0xff, 0xff, 0x0f]) }
        #expect(throws: QueryCodecError.self) { _ = try QueryCodec.decodeRequest([9]) }
    }
}
