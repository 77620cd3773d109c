import GRPCCore
import StrataIngester
import StrataLimits
import StrataModel
@testable import StrataRPC
import StrataWire
import Testing

/// `strata.Ingester/Exemplars`, `strata.Ingester/Metadata`, the exemplars and metadata inside a
/// push's `WriteRequest`, and `strata.PushResponse.appended_exemplars` (field 5).
@Suite("exemplar and metadata RPC codecs")
struct ExemplarMetadataCodecTests {
    static let series = Labels(["__name__": "rpc_total", "job": "a"])
    static let exemplar = Exemplar(labels: Labels(["trace_id": "abc"]), value: 1.5, timestamp: 1_700_000_000_123)

    /// Expects `body` to throw an `RPCError` with `code` whose message contains `text`.
    static func expectRefused(_ code: RPCError.Code, _ text: String, sourceLocation: SourceLocation = #_sourceLocation,
                              _ body: () throws -> Void) {
        #expect(sourceLocation: sourceLocation) {
            try body()
        } throws: { error in
            guard let rpc = error as? RPCError else { return false }
            return rpc.code == code && rpc.message.contains(text)
        }
    }

    // MARK: Exemplars

    @Test("an exemplars request round-trips with its matcher sets")
    func exemplarsRequestRoundTrips() throws {
        let sets = [[try LabelMatcher(.equal, "__name__", "rpc_total"), try LabelMatcher(.regexMatch, "job", "a|b")],
                    [try LabelMatcher(.notEqual, "job", "c")]]
        let call = ExemplarsCall(tenant: testTenant, start: -5, end: 1_700_000_000_000, matcherSets: sets)
        let bytes: [UInt8] = try ExemplarsRequestSerializer().serialize(call)
        let decoded = try ExemplarsRequestDeserializer().deserialize(bytes)
        #expect(decoded.tenant == testTenant && decoded.start == -5 && decoded.end == 1_700_000_000_000)
        #expect(decoded.matcherSets.map { $0.map(\.description) } == sets.map { $0.map(\.description) })
    }

    @Test("malformed exemplars requests are INVALID_ARGUMENT")
    func exemplarsRequestIsStrict() throws {
        let matcher = try LabelMatcher(.equal, "job", "a")
        func encode(_ call: ExemplarsCall) throws -> [UInt8] { try ExemplarsRequestSerializer().serialize(call) }
        let noSets = try encode(ExemplarsCall(tenant: testTenant, start: 0, end: 1, matcherSets: []))
        Self.expectRefused(.invalidArgument, "no matcher set") { _ = try ExemplarsRequestDeserializer().deserialize(noSets) }
        let backwards = try encode(ExemplarsCall(tenant: testTenant, start: 10, end: 1, matcherSets: [[matcher]]))
        Self.expectRefused(.invalidArgument, "before start") { _ = try ExemplarsRequestDeserializer().deserialize(backwards) }
        let emptySet = try encode(ExemplarsCall(tenant: testTenant, start: 0, end: 1, matcherSets: [[]]))
        Self.expectRefused(.invalidArgument, "without matchers") { _ = try ExemplarsRequestDeserializer().deserialize(emptySet) }
        // No tenant: start and end only.
        Self.expectRefused(.invalidArgument, "has no tenant") {
            _ = try ExemplarsRequestDeserializer().deserialize([0x10, 0x01, 0x18, 0x02] as [UInt8])
        }
        // A matcher type the contract does not define (tag 0x08 = type, 9).
        let good = try encode(ExemplarsCall(tenant: testTenant, start: 0, end: 1, matcherSets: [[matcher]]))
        var badType = good
        let typeAt = try #require(badType.lastIndex(of: 0x08))
        badType[typeAt + 1] = 9
        Self.expectRefused(.invalidArgument, "has type 9") { _ = try ExemplarsRequestDeserializer().deserialize(badType) }
        // Truncated.
        Self.expectRefused(.invalidArgument, ExemplarMetadataMessageName.exemplarsRequest) {
            _ = try ExemplarsRequestDeserializer().deserialize(Array(good.dropLast(2)))
        }
        // start as a string: wrong wire type.
        Self.expectRefused(.invalidArgument, "wire type") {
            _ = try ExemplarsRequestDeserializer().deserialize([0x0a, 0x01, 0x61, 0x12, 0x00] as [UInt8])
        }
    }

    @Test("an exemplars response round-trips, sized exactly, -0.0 and negative timestamps included")
    func exemplarsResponseRoundTrips() throws {
        let groups = [
            SeriesExemplars(seriesLabels: Self.series, exemplars: [Self.exemplar, Exemplar(labels: .empty, value: -0.0, timestamp: -7)]),
            SeriesExemplars(seriesLabels: Labels(["__name__": "rpc_total", "job": "ünï"]), exemplars: []),
        ]
        let bytes: [UInt8] = try ExemplarsResponseSerializer().serialize(groups)
        #expect(bytes.count == ExemplarMetadataSizes.exemplarsResponse(groups))
        let decoded = try ExemplarsResponseDeserializer().deserialize(bytes)
        #expect(decoded == groups)
        #expect(decoded[0].exemplars[1].value.sign == .minus)
        #expect(try ExemplarsResponseDeserializer().deserialize([UInt8]()) == [])
    }

    @Test("malformed exemplars responses are INTERNAL")
    func exemplarsResponseIsStrict() throws {
        let bytes: [UInt8] = try ExemplarsResponseSerializer().serialize([SeriesExemplars(seriesLabels: Self.series, exemplars: [Self.exemplar])])
        Self.expectRefused(.internalError, ExemplarMetadataMessageName.exemplarsResponse) {
            _ = try ExemplarsResponseDeserializer().deserialize(Array(bytes.dropLast(3)))
        }
        // A series without labels: field 1 holding an empty SeriesExemplars.
        Self.expectRefused(.internalError, "series without labels") {
            _ = try ExemplarsResponseDeserializer().deserialize([0x0a, 0x00] as [UInt8])
        }
        // An exemplar whose value is a varint, not a double.
        Self.expectRefused(.internalError, "wire type") {
            _ = try ExemplarsResponseDeserializer().deserialize([0x0a, 0x0b, 0x0a, 0x05, 0x0a, 0x01, 0x61, 0x12, 0x00, 0x12, 0x02, 0x10, 0x01] as [UInt8])
        }
    }

    // MARK: Metadata

    @Test("a metadata request round-trips; absent limits mean all")
    func metadataRequestRoundTrips() throws {
        let call = MetadataCall(tenant: testTenant, metric: "rpc_total", limit: 5, limitPerMetric: 2)
        let bytes: [UInt8] = try MetadataRequestSerializer().serialize(call)
        #expect(try MetadataRequestDeserializer().deserialize(bytes) == call)
        let all = MetadataCall(tenant: testTenant, metric: nil, limit: 0, limitPerMetric: 0)
        let allBytes: [UInt8] = try MetadataRequestSerializer().serialize(all)
        #expect(try MetadataRequestDeserializer().deserialize(allBytes) == all)
    }

    @Test("malformed metadata requests are INVALID_ARGUMENT")
    func metadataRequestIsStrict() throws {
        let negative: [UInt8] = try MetadataRequestSerializer().serialize(MetadataCall(tenant: testTenant, metric: nil, limit: -1, limitPerMetric: 0))
        Self.expectRefused(.invalidArgument, "is negative") { _ = try MetadataRequestDeserializer().deserialize(negative) }
        Self.expectRefused(.invalidArgument, "has no tenant") { _ = try MetadataRequestDeserializer().deserialize([UInt8]()) }
        // Tenant "x" then a metric whose length runs past the end.
        Self.expectRefused(.invalidArgument, "exceeds") {
            _ = try MetadataRequestDeserializer().deserialize([0x0a, 0x01, 0x78, 0x12, 0x05, 0x61] as [UInt8])
        }
        // Invalid UTF-8 in the metric name.
        Self.expectRefused(.invalidArgument, "UTF-8") {
            _ = try MetadataRequestDeserializer().deserialize([0x0a, 0x01, 0x78, 0x12, 0x01, 0xff] as [UInt8])
        }
    }

    @Test("a metadata response round-trips, sized exactly; an unknown type number reads as unknown")
    func metadataResponseRoundTrips() throws {
        let lists = [
            MetricMetadataList(metric: "rpc_total", entries: [
                MetricMetadata(metricFamilyName: "rpc_total", type: .counter, help: "RPCs.", unit: ""),
                MetricMetadata(metricFamilyName: "rpc_total", type: .gaugeHistogram, help: "", unit: "seconds"),
            ]),
            MetricMetadataList(metric: "up", entries: []),
        ]
        let bytes: [UInt8] = try MetadataResponseSerializer().serialize(lists)
        #expect(bytes.count == ExemplarMetadataSizes.metadataResponse(lists))
        #expect(try MetadataResponseDeserializer().deserialize(bytes) == lists)
        // metrics { metric: "m", entries { type: 99 } }
        let newer = try MetadataResponseDeserializer().deserialize([0x0a, 0x07, 0x0a, 0x01, 0x6d, 0x12, 0x02, 0x08, 0x63] as [UInt8])
        #expect(newer == [MetricMetadataList(metric: "m", entries: [MetricMetadata(metricFamilyName: "m", type: .unknown, help: "", unit: "")])])
    }

    @Test("malformed metadata responses are INTERNAL")
    func metadataResponseIsStrict() throws {
        Self.expectRefused(.internalError, "without a metric name") {
            _ = try MetadataResponseDeserializer().deserialize([0x0a, 0x00] as [UInt8])
        }
        Self.expectRefused(.internalError, ExemplarMetadataMessageName.metadataResponse) {
            _ = try MetadataResponseDeserializer().deserialize([0x0a, 0x05, 0x0a, 0x01] as [UInt8])
        }
    }

    // MARK: Push

    @Test("PushResponse field 5 round-trips; absent reads as 0; 0 is not written")
    func appendedExemplars() throws {
        let result = IngestResult(appendedSamples: 3, appendedHistograms: 1, appendedExemplars: 300)
        let bytes: [UInt8] = try IngestResultSerializer().serialize(result)
        #expect(bytes == [0x08, 0x03, 0x20, 0x01, 0x28, 0xac, 0x02])
        #expect(try IngestResultDeserializer().deserialize(bytes) == result)
        let none: [UInt8] = try IngestResultSerializer().serialize(IngestResult(appendedSamples: 3))
        #expect(none == [0x08, 0x03, 0x20, 0x00])
        #expect(try IngestResultDeserializer().deserialize(none).appendedExemplars == 0)
        Self.expectRefused(.internalError, "wire type") {
            _ = try IngestResultDeserializer().deserialize([0x2a, 0x00] as [UInt8])
        }
    }

    @Test("a push carries each series' exemplars in its TimeSeries and the metadata in the WriteRequest")
    func pushRequestCarriesExtras() throws {
        var batch = SeriesBatch()
        batch.append(labels: Labels(["__name__": "up", "job": "a"]), samples: [Sample(timestamp: 1, value: 1)])
        batch.append(labels: Self.series, samples: [Sample(timestamp: 2, value: 2)])
        let metadata = MetricMetadata(metricFamilyName: "rpc_total", type: .counter, help: "RPCs.", unit: "")
        let extras = BatchExtras(exemplars: [1: [Self.exemplar]], metadata: [metadata])
        let bytes: [UInt8] = try PushRequestSerializer().serialize(PushRequest(tenant: testTenant, batch: batch, extras: extras))
        let decoded = try PushRequestDeserializer().deserialize(bytes)
        #expect(decoded.batch.series.count == 2 && decoded.batch.sampleCount == 2)
        #expect(decoded.receivedExtras == WriteExtras(exemplars: [SeriesExemplars(seriesLabels: Self.series, exemplars: [Self.exemplar])],
                                                      metadata: [metadata]))
        // Without extras the request is byte for byte what it was before exemplars travelled.
        let plain: [UInt8] = try PushRequestSerializer().serialize(PushRequest(tenant: testTenant, batch: batch))
        #expect(Array(plain.suffix(RemoteWriteEncoder.encode(batch).count)) == RemoteWriteEncoder.encode(batch))
        #expect(try PushRequestDeserializer().deserialize(plain).receivedExtras.isEmpty)
    }

    /// Push with extras, then Exemplars and Metadata, over gRPC against a real ingester and store.
    @Test("an ingester stores a push's exemplars and metadata and serves them over the wire")
    func overTheWire() async throws {
        try await withTempDirectory("exemplars-rpc") { dir in
            let ingester = try await makeIngester(directory: dir)
            defer { ingester.close() }
            var limits = Limits()
            limits.maxGlobalExemplarsPerUser = 100
            let store = ExemplarMetadataStore(overrides: Overrides(defaults: limits))
            let server = try await startServer([IngesterRPCService(ingester: ingester, store: store)])
            let pool = RPCClientPool()
            let client = pool.ingester(at: server.address, timeout: testCallTimeout)
            #expect(client.carriesExtras)
            var batch = SeriesBatch()
            batch.append(labels: Self.series, samples: [Sample(timestamp: 1_000, value: 1)])
            let metadata = MetricMetadata(metricFamilyName: "rpc_total", type: .counter, help: "RPCs.", unit: "")
            let result = try await client.push(tenant: testTenant, batch: batch,
                                               extras: BatchExtras(exemplars: [0: [Self.exemplar]], metadata: [metadata]))
            #expect(result.appendedSamples == 1 && result.appendedExemplars == 1)
            // The same exemplar again is a duplicate: stored once, reported 0.
            let again = try await client.push(tenant: testTenant, batch: SeriesBatch(), extras: BatchExtras(metadata: [metadata]))
            #expect(again.appendedExemplars == 0)

            let reader = pool.exemplarsAndMetadata(at: server.address, timeout: testCallTimeout)
            let sets = [[try LabelMatcher(.equal, "job", "a")]]
            #expect(try await reader.exemplars(tenant: testTenant, start: .min, end: .max, matcherSets: sets)
                    == [SeriesExemplars(seriesLabels: Self.series, exemplars: [Self.exemplar])])
            #expect(try await reader.exemplars(tenant: testTenant, start: 0, end: 10, matcherSets: sets).isEmpty)
            let answer = try await reader.metadata(tenant: testTenant, metric: nil, limit: -1, limitPerMetric: 0)
            #expect(answer.map(\.metric) == ["rpc_total"] && answer.first?.entries == [metadata])
            #expect(try await reader.metadata(tenant: testTenant, metric: "other", limit: -1, limitPerMetric: 0).isEmpty)
            await pool.shutdown()
            try await server.stop()
        }
    }

    /// An ingester without a store does not serve the reads: the caller learns it is unimplemented.
    @Test("an ingester served without a store refuses Exemplars")
    func withoutStore() async throws {
        let server = try await startServer([IngesterRPCService(ingester: FailingIngester(error: .unavailable("x")))])
        let pool = RPCClientPool()
        let reader = pool.exemplarsAndMetadata(at: server.address, timeout: testCallTimeout)
        await #expect(throws: RemoteQueryError.self) {
            _ = try await reader.exemplars(tenant: testTenant, start: 0, end: 1, matcherSets: [[try LabelMatcher(.equal, "job", "a")]])
        }
        await pool.shutdown()
        try await server.stop()
    }
}
