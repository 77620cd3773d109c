import Hummingbird
import Logging
import NIOCore
import StrataChunks
import StrataLimits
import StrataModel
import StrataPromQL
import StrataWire

/// `POST /prometheus/api/v1/read`: Prometheus remote read with the SAMPLES response type, or
/// STREAMED_XOR_CHUNKS when the client prefers it (see `RemoteReadHandler+Streamed.swift`).
///
/// Prometheus can use it as a `remote_read` source, and tests use it to read back exactly the
/// samples stored, staleness markers included. Series with native histogram chunks answer with
/// their histograms in `TimeSeries.histograms` (integer or float, as stored).
struct RemoteReadHandler: Sendable {
    /// Remote-read requests are a few matchers; anything bigger is not a read request.
    static let maxRequestSize = 4 << 20
    /// Decoded responses above this size are refused rather than built (ask for a shorter range).
    static let maxResponseSamples = 50_000_000

    let tenants: TenantResolver
    let queryable: any Queryable
    /// Whose per-query limits (`max_fetched_series_per_query`, lookback, …) a read is under.
    let overrides: Overrides
    let logger: Logger
    /// Wall clock in ms, for `max_query_lookback`.
    let now: @Sendable () -> Int64

    func handle(_ request: Request) async -> Response {
        do {
            return try await read(request)
        } catch {
            return error.response
        }
    }

    private func read(_ request: Request) async throws(PlainError) -> Response {
        let tenantList = try tenants.readTenants(request)
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: Self.maxRequestSize)
        } catch {
            throw PlainError(.contentTooLarge, "remote read request larger than \(Self.maxRequestSize) bytes")
        }
        let readRequest: ReadRequest
        do {
            let raw = try body.withUnsafeReadableBytes { raw throws(SnappyError) in
                try Snappy.decompress(raw, maxDecodedSize: Self.maxRequestSize)
            }
            readRequest = try RemoteReadCodec.decodeRequest(raw)
        } catch {
            throw PlainError(.badRequest, "invalid remote read request: \(error)")
        }
        // As Prometheus: the first accepted type the server implements wins; none listed is SAMPLES.
        let responseType = readRequest.acceptedResponseTypes.isEmpty ? ReadRequest.samplesResponseType
            : readRequest.acceptedResponseTypes.first { $0 == ReadRequest.samplesResponseType || $0 == ReadRequest.streamedXORChunksResponseType }
        guard let responseType else {
            throw PlainError(.badRequest, "none of the requested response types are implemented: SAMPLES (0) and STREAMED_XOR_CHUNKS (1) are supported")
        }
        // One count of fetched series and bytes for the whole request, every tenant and query.
        let storage = QueryLimitsQueryable.limiting(queryable, overrides.queryLimits(for: tenantList), now: now())
        if responseType == ReadRequest.streamedXORChunksResponseType {
            return try await streamed(readRequest, tenants: tenantList, storage: storage)
        }
        var results: [[TimeSeriesData]] = []
        var totalSamples = 0
        for query in readRequest.queries {
            let matchers: [LabelMatcher]
            do {
                matchers = try query.matchers.map { m throws(MatcherError) in try LabelMatcher(m.type, m.name, m.value) }
            } catch {
                throw PlainError(.badRequest, "\(error)")
            }
            var series: [TimeSeriesData] = []
            for tenant in tenantList {
                let selected: [QuerySeries]
                do {
                    selected = try await storage.select(SelectRequest(
                        tenant: tenant, minTime: query.startTimestampMs, maxTime: query.endTimestampMs, matchers: matchers))
                } catch QueryError.execution(let message) {
                    // A per-query limit: the client's request is too big, as the query API answers it.
                    throw PlainError(.unprocessableContent, message)
                } catch {
                    throw PlainError(.internalServerError, "query failed: \(error)")
                }
                for s in selected {
                    var iterator = ChunkSeriesIterator(chunks: s.chunks, minTime: query.startTimestampMs, maxTime: query.endTimestampMs)
                    var samples: [Sample] = []
                    while let sample = iterator.next() { samples.append(sample) }
                    let histograms = RemoteReadHistograms.points(of: s.chunks, minTime: query.startTimestampMs,
                                                                 maxTime: query.endTimestampMs,
                                                                 budget: Self.maxResponseSamples - totalSamples - samples.count)
                    guard !samples.isEmpty || !histograms.isEmpty else { continue }
                    totalSamples += samples.count + histograms.count
                    if totalSamples > Self.maxResponseSamples {
                        throw PlainError(.unprocessableContent, "the remote read response would exceed \(Self.maxResponseSamples) samples; ask for a shorter time range")
                    }
                    var labels = s.labels
                    if tenantList.count > 1 {
                        labels = Labels(Array(labels) + [Label(name: "__tenant_id__", value: tenant.rawValue)])
                    }
                    series.append(TimeSeriesData(labels: labels, samples: samples, histograms: histograms))
                }
            }
            results.append(series)
        }
        let encoded = Snappy.compress(RemoteReadCodec.encodeResponse(ReadResponse(results: results)))
        return Response(
            status: .ok,
            headers: [.contentType: "application/x-protobuf", .contentEncoding: "snappy"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: encoded))
        )
    }
}
