import GRPCCore
import StrataIngester
import StrataModel
@testable import StrataRPC
import Testing

@Suite struct CodecTests {
    @Test func pushRequestRoundTripsWithItsBatch() throws {
        let batch = makeBatch(series: 50, samplesPerSeries: 4)
        let bytes: [UInt8] = try PushRequestSerializer().serialize(PushRequest(tenant: testTenant, batch: batch))
        let decoded = try PushRequestDeserializer().deserialize(bytes)
        #expect(decoded.tenant == testTenant)
        #expect(decoded.batch.series.count == 50)
        #expect(expectedSamples(decoded.batch) == expectedSamples(batch))
    }

    @Test func ingestResultRoundTrips() throws {
        let result = IngestResult(appendedSamples: 7,
                                  rejectedSamples: [.sampleOutOfOrder: 3, .maxSeriesPerUser: 2],
                                  firstError: IngestRejection(id: .sampleOutOfOrder, message: "out of order (err-strata-sample-out-of-order)"))
        let bytes: [UInt8] = try IngestResultSerializer().serialize(result)
        #expect(try IngestResultDeserializer().deserialize(bytes) == result)
        let empty: [UInt8] = try IngestResultSerializer().serialize(IngestResult())
        #expect(try IngestResultDeserializer().deserialize(empty) == IngestResult())
    }

    @Test func unknownErrorIDInAResponseIsRefused() {
        // PushResponse{rejected: RejectedCount{error_id: "err-strata-new-reason", count: 1}}
        let id = Array("err-strata-new-reason".utf8)
        let inner: [UInt8] = [0x0a, UInt8(id.count)] + id + [0x10, 0x01]
        let bytes: [UInt8] = [0x12, UInt8(inner.count)] + inner
        #expect {
            _ = try IngestResultDeserializer().deserialize(bytes)
        } throws: { error in
            guard let rpc = error as? RPCError else { return false }
            return rpc.code == .internalError && rpc.message.contains("err-strata-new-reason")
        }
    }

    @Test func readRequestRoundTripsEveryMatcherType() throws {
        let matchers = [
            try LabelMatcher(.equal, "a", "1"), try LabelMatcher(.notEqual, "b", ""),
            try LabelMatcher(.regexMatch, "c", "x|y"), try LabelMatcher(.regexNoMatch, "d", "z.*"),
        ]
        let request = ReadRequest(tenant: testTenant, minTime: -5, maxTime: .max, matchers: matchers, labelName: "job")
        let bytes: [UInt8] = try ReadRequestSerializer(name: RPCMessageName.labelValuesRequest).serialize(request)
        let decoded = try ReadRequestDeserializer(name: RPCMessageName.labelValuesRequest, requiresLabelName: true).deserialize(bytes)
        #expect(decoded.tenant == testTenant)
        #expect(decoded.minTime == -5 && decoded.maxTime == .max)
        #expect(decoded.labelName == "job")
        #expect(decoded.matchers.map(\.description) == matchers.map(\.description))
    }

    @Test func selectBatchRoundTripsLabelsAndChunks() throws {
        let series = makeQuerySeries(count: 25, samplesPerChunk: 30)
        let bytes: [UInt8] = try SelectResponseSerializer().serialize(series[...])
        #expect(try SelectResponseDeserializer().deserialize(bytes) == series)
        #expect(bytes.count == series.reduce(0) { $0 + SeriesEncoding.fieldSize($1) })
    }

    @Test func unsortedLabelsFromAPeerAreSorted() throws {
        // SelectResponse{series: Series{labels: {b=2}, labels: {a=1}}}
        let b: [UInt8] = [0x0a, 0x01, 0x62, 0x12, 0x01, 0x32]
        let a: [UInt8] = [0x0a, 0x01, 0x61, 0x12, 0x01, 0x31]
        let series: [UInt8] = [0x0a, UInt8(b.count)] + b + [0x0a, UInt8(a.count)] + a
        let bytes: [UInt8] = [0x0a, UInt8(series.count)] + series
        let decoded = try SelectResponseDeserializer().deserialize(bytes)
        #expect(decoded == [QuerySeries(labels: Labels(["a": "1", "b": "2"]), chunks: [])])
    }

    @Test func everyTruncationOfAValidMessageFailsCleanly() throws {
        let series = makeQuerySeries(count: 3, samplesPerChunk: 5)
        let bytes: [UInt8] = try SelectResponseSerializer().serialize(series[...])
        var failures = 0
        for cut in 1..<bytes.count {
            do {
                _ = try SelectResponseDeserializer().deserialize(Array(bytes[..<cut]))
            } catch let error as RPCError {
                #expect(error.code == .internalError)
                failures += 1
            }
        }
        // A cut exactly between two series is itself a valid, shorter message.
        #expect(failures >= bytes.count - 1 - series.count)

        let request: [UInt8] = try PushRequestSerializer().serialize(PushRequest(tenant: testTenant, batch: makeBatch(series: 3)))
        // Only the cut right after the tenant field is a valid (empty) push.
        let tenantFieldEnd = 2 + testTenant.rawValue.utf8.count
        for cut in 1..<request.count {
            do {
                let decoded = try PushRequestDeserializer().deserialize(Array(request[..<cut]))
                #expect(cut == tenantFieldEnd && decoded.batch.series.isEmpty, "a push request cut at byte \(cut) of \(request.count) decoded")
            } catch let error as RPCError {
                #expect(error.code == .invalidArgument)
            }
        }
    }

    @Test func addressesParse() throws {
        #expect(try RPCAddress(parsing: "127.0.0.1:9095") == RPCAddress(host: "127.0.0.1", port: 9095))
        #expect(try RPCAddress(parsing: "[::1]:9095") == RPCAddress(host: "::1", port: 9095))
        #expect(try RPCAddress(parsing: "ingester-1.ingester:9095").host == "ingester-1.ingester")
        #expect(RPCAddress(host: "::1", port: 1).description == "[::1]:1")
        #expect(throws: RPCAddressError.self) { try RPCAddress(parsing: "host") }
        #expect(throws: RPCAddressError.self) { try RPCAddress(parsing: "host:99999") }
        #expect(throws: RPCAddressError.self) { try RPCAddress(parsing: "::1:9095") }
        #expect(throws: RPCAddressError.self) { try RPCAddress(parsing: ":9095") }
    }
}
