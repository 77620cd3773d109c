import Hummingbird
import NIOCore
import StrataModel
import StrataPromQL
import StrataWire

extension RemoteReadHandler {
    /// Prometheus's default `--storage.remote.read-max-bytes-in-frame`: frames stay near 1 MiB,
    /// a larger series is split over several frames.
    static let maxBytesInFrame = 1 << 20
    /// Streamed answers are built in memory; above this they are refused (ask for less).
    static let maxStreamedResponseBytes = 1 << 30

    /// The STREAMED_XOR_CHUNKS answer: every matching series' whole chunks (XOR, HISTOGRAM,
    /// FLOAT_HISTOGRAM, exactly as stored) overlapping each query's range, in frames of about
    /// `maxBytesInFrame`, each naming its query. As Prometheus's, chunks are not cut at the range
    /// and chunks of replicas may overlap; the client merges them.
    func streamed(_ readRequest: ReadRequest, tenants tenantList: [TenantID], storage: any Queryable) async throws(PlainError) -> Response {
        var out: [UInt8] = []
        for (queryIndex, query) in readRequest.queries.enumerated() {
            let matchers: [LabelMatcher]
            do {
                matchers = try query.matchers.map { m throws(MatcherError) in try LabelMatcher(m.type, m.name, m.value) }
            } catch {
                throw PlainError(.badRequest, "\(error)")
            }
            var frame = ChunkedReadFrame(series: [], queryIndex: Int64(queryIndex))
            var frameSize = 0
            func flush() throws(PlainError) {
                guard !frame.series.isEmpty else { return }
                out.append(contentsOf: RemoteReadStreamCodec.encodeFrame(frame))
                frame.series.removeAll(keepingCapacity: true)
                frameSize = 0
                if out.count > Self.maxStreamedResponseBytes {
                    throw PlainError(.unprocessableContent, "the streamed remote read response would exceed \(Self.maxStreamedResponseBytes) bytes; ask for a shorter time range or fewer series")
                }
            }
            for tenant in tenantList {
                let selected: [QuerySeries]
                do {
                    selected = try await storage.select(SelectRequest(
                        tenant: tenant, minTime: query.startTimestampMs, maxTime: query.endTimestampMs, matchers: matchers))
                } catch QueryError.execution(let message) {
                    throw PlainError(.unprocessableContent, message)
                } catch {
                    throw PlainError(.internalServerError, "query failed: \(error)")
                }
                for s in selected {
                    let chunks = s.chunks.filter {
                        RemoteReadStreamCodec.isStreamable($0.encoding)
                            && $0.maxTime >= query.startTimestampMs && $0.minTime <= query.endTimestampMs
                    }
                    guard !chunks.isEmpty else { continue }
                    var labels = s.labels
                    if tenantList.count > 1 {
                        labels = Labels(Array(labels) + [Label(name: "__tenant_id__", value: tenant.rawValue)])
                    }
                    // Split the series' chunks so that no frame grows much past the limit.
                    var part: [EncodedChunk] = []
                    var partSize = RemoteReadStreamCodec.seriesSize(labels: labels, chunks: part)
                    for chunk in chunks {
                        let chunkSize = RemoteReadStreamCodec.seriesSize(labels: .empty, chunks: [chunk])
                        if !part.isEmpty, frameSize + partSize + chunkSize > Self.maxBytesInFrame {
                            frame.series.append(ChunkedSeriesData(labels: labels, chunks: part))
                            try flush()
                            part.removeAll(keepingCapacity: true)
                            partSize = RemoteReadStreamCodec.seriesSize(labels: labels, chunks: part)
                        }
                        part.append(chunk)
                        partSize += chunkSize
                    }
                    frame.series.append(ChunkedSeriesData(labels: labels, chunks: part))
                    frameSize += partSize
                    if frameSize >= Self.maxBytesInFrame { try flush() }
                }
            }
            try flush()
        }
        return Response(
            status: .ok,
            headers: [.contentType: "application/x-streamed-protobuf; proto=prometheus.ChunkedReadResponse"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: out))
        )
    }
}
