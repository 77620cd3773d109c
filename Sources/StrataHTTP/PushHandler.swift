import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import StrataDistributor
import StrataIngester
import StrataLimits
import StrataModel
import StrataWire

/// `POST /api/v1/push`: Prometheus remote write 1.0 (snappy block format of a protobuf
/// `prometheus.WriteRequest`) and 2.0 (`io.prometheus.write.v2.Request`), chosen by the
/// `Content-Type`'s `proto` parameter as the 2.0 specification says.
///
/// Size is checked three times before any large allocation: the declared Content-Length, the
/// bytes actually read, and the decompressed length snappy declares in its header. Both
/// versions decode into the same `SeriesBatch`, so validation, limits, HA deduplication and
/// the ingester treat them alike; exemplars and metadata go to `extrasSink` when present, or
/// with the samples to the ingesters of other processes (`Distributor.forwardsExtras`).
struct PushHandler: Sendable {
    let tenants: TenantResolver
    let overrides: Overrides
    let distributor: Distributor
    let logger: Logger
    /// Where exemplars and metadata are stored (the in-process ingester's store); nil sends them
    /// to the ingesters when the distributor forwards them, else drops them.
    var extrasSink: (any ExemplarMetadataSink)? = nil

    /// The protobuf message a request carries.
    enum Version {
        /// `prometheus.WriteRequest`.
        case v1
        /// `io.prometheus.write.v2.Request`.
        case v2
    }

    /// What a push stored, for remote write 2.0's `X-Prometheus-Remote-Write-*-Written` headers.
    struct Written {
        var samples = 0
        var histograms = 0
        var exemplars = 0
    }

    func handle(_ request: Request) async -> Response {
        var version = Version.v1
        var written = Written()
        var response: Response
        do {
            version = try checkContentType(request)
            try checkEncoding(request)
            response = try await push(request, version: version, written: &written)
        } catch {
            response = error.response
        }
        if version == .v2 {
            // 2.0 senders read these on every response, errors included, to tell what was stored.
            for (header, count) in [(Self.samplesWritten, written.samples), (Self.histogramsWritten, written.histograms),
                                    (Self.exemplarsWritten, written.exemplars)] {
                if let name = HTTPField.Name(header) { response.headers[name] = String(count) }
            }
        }
        return response
    }

    static let samplesWritten = "X-Prometheus-Remote-Write-Samples-Written"
    static let histogramsWritten = "X-Prometheus-Remote-Write-Histograms-Written"
    static let exemplarsWritten = "X-Prometheus-Remote-Write-Exemplars-Written"

    private func push(_ request: Request, version: Version, written: inout Written) async throws(PlainError) -> Response {
        let tenant = try tenants.writeTenant(request)
        let limit = overrides.limits(for: tenant).maxRecvMsgSize
        if let declared = request.header("content-length").flatMap(Int.init), declared > limit {
            throw tooLarge(size: declared, limit: limit)
        }
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: limit)
        } catch is NIOTooManyBytesError {
            throw tooLarge(size: nil, limit: limit)
        } catch {
            throw PlainError(.badRequest, "failed to read the request body: \(error) (\(ErrorID.invalidRequestBody.id))")
        }
        let decompressed: [UInt8]
        do {
            decompressed = try body.withUnsafeReadableBytes { raw throws(SnappyError) in
                try Snappy.decompress(raw, maxDecodedSize: limit)
            }
        } catch {
            if case .tooLarge(let size, _) = error { throw tooLarge(size: size, limit: limit, decompressed: true) }
            throw PlainError(.badRequest, "the request body is not valid snappy block-format data: \(error) (\(ErrorID.invalidRequestBody.id))")
        }
        let batch: SeriesBatch
        var extras = WriteExtras()
        do {
            switch version {
            case .v1:
                batch = try RemoteWriteDecoder.decode(decompressed)
                // Float-only traffic skips this: the sample decoder counted exemplars and metadata.
                if extrasSink != nil || distributor.forwardsExtras, batch.carriesExemplarsOrMetadata {
                    extras = try RemoteWriteExtrasDecoder.decode(decompressed)
                }
            case .v2:
                let request = try RemoteWriteV2Decoder.decode(decompressed)
                batch = request.batch
                extras = request.extras
            }
        } catch {
            throw PlainError(.badRequest, "\(error) (\(ErrorID.invalidRequestBody.id))")
        }
        let result: Result<PushSummary, PushError>
        if extras.isEmpty {
            do {
                result = .success(try await distributor.push(tenant: tenant, batch: batch))
            } catch {
                result = .failure(error)
            }
        } else {
            let outcome = await distributor.push(tenant: tenant, batch: batch, extras: extras, sink: extrasSink)
            result = outcome.result
            written.exemplars = outcome.exemplarsWritten
        }
        switch result {
        case .success(let summary):
            written.samples = summary.acceptedSamples - summary.acceptedHistograms
            written.histograms = summary.acceptedHistograms
            return Response(status: .ok)
        case .failure(let error):
            if case .invalid(_, _, _, let accepted, let histograms) = error {
                written.samples = accepted - histograms
                written.histograms = histograms
            }
            // 202 for a deduplicated HA replica is a success to Prometheus; the body says why.
            if case .deduplicated(let message) = error { return PlainError(.accepted, message).response }
            throw PlainError(HTTPResponse.Status(code: error.httpStatus), error.description)
        }
    }

    /// Remote write bodies are snappy-compressed (a missing `Content-Encoding` is taken as
    /// snappy, as Prometheus's receiver does); anything else is refused with 415.
    private func checkEncoding(_ request: Request) throws(PlainError) {
        if let encoding = request.header("content-encoding"), !encoding.isEmpty,
           encoding.lowercased() != "snappy" {
            throw PlainError(.unsupportedMediaType,
                             "unsupported Content-Encoding \"\(encoding)\": remote write bodies must be snappy-compressed (Content-Encoding: snappy) (\(ErrorID.unsupportedContentType.id))")
        }
    }

    /// The `proto` parameter of `Content-Type` picks the version (none, or
    /// `prometheus.WriteRequest`, is 1.0). Anything else is refused with 415 before the body is
    /// read.
    private func checkContentType(_ request: Request) throws(PlainError) -> Version {
        guard let contentType = request.header("content-type"), !contentType.isEmpty else { return .v1 }
        let parts = contentType.split(separator: ";").map { String($0).trimmingCharacters() }
        guard parts.first?.lowercased() == "application/x-protobuf" else {
            throw PlainError(.unsupportedMediaType,
                             "unsupported Content-Type \"\(contentType)\": remote write expects application/x-protobuf (\(ErrorID.unsupportedContentType.id))")
        }
        var version = Version.v1
        for param in parts.dropFirst() where param.lowercased().hasPrefix("proto=") {
            let proto = param.dropFirst("proto=".count)
            switch proto {
            case "prometheus.WriteRequest":
                version = .v1
            case "io.prometheus.write.v2.Request":
                version = .v2
            default:
                throw PlainError(.unsupportedMediaType,
                                 "unsupported remote write protobuf message \"\(proto)\": Strata accepts prometheus.WriteRequest (remote write 1.0) and io.prometheus.write.v2.Request (remote write 2.0); set the sender's protobuf_message to one of them (\(ErrorID.unsupportedContentType.id))")
            }
        }
        return version
    }

    private func tooLarge(size: Int?, limit: Int, decompressed: Bool = false) -> PlainError {
        let what = decompressed ? "decompressed message size" : "message size"
        let sizeText = size.map { " of \($0) bytes" } ?? ""
        return PlainError(.contentTooLarge,
                          "the incoming push request has been rejected because its \(what)\(sizeText) is larger than the allowed limit of \(limit) bytes (\(ErrorID.maxWriteMessageSize.id)). To adjust the related limit, configure -distributor.max-recv-msg-size, or contact your service administrator.")
    }
}

extension String {
    func trimmingCharacters() -> String {
        var s = Substring(self)
        while s.first == " " || s.first == "\t" { s = s.dropFirst() }
        while s.last == " " || s.last == "\t" { s = s.dropLast() }
        return String(s)
    }
}
