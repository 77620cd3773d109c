import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import StrataDistributor
import StrataLimits
import StrataModel
import StrataWire

/// `POST /api/v1/push`: Prometheus remote write 1.0 (snappy block format of a protobuf
/// `WriteRequest`).
///
/// Size is checked three times before any large allocation: the declared Content-Length, the
/// bytes actually read, and the decompressed length snappy declares in its header.
struct PushHandler: Sendable {
    let tenants: TenantResolver
    let overrides: Overrides
    let distributor: Distributor
    let logger: Logger

    func handle(_ request: Request) async -> Response {
        do {
            return try await push(request)
        } catch {
            return error.response
        }
    }

    private func push(_ request: Request) async throws(PlainError) -> Response {
        let tenant = try tenants.writeTenant(request)
        try checkEncoding(request)
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
        do {
            batch = try RemoteWriteDecoder.decode(decompressed)
        } catch {
            throw PlainError(.badRequest, "\(error) (\(ErrorID.invalidRequestBody.id))")
        }
        do {
            _ = try await distributor.push(tenant: tenant, batch: batch)
        } catch {
            // 202 for a deduplicated HA replica is a success to Prometheus; the body says why.
            if case .deduplicated(let message) = error { return PlainError(.accepted, message).response }
            throw PlainError(HTTPResponse.Status(code: error.httpStatus), error.description)
        }
        return Response(status: .ok)
    }

    /// Remote write 1.0 is snappy-compressed protobuf; anything else is refused with 415 before
    /// the body is read.
    private func checkEncoding(_ request: Request) throws(PlainError) {
        if let encoding = request.header("content-encoding"), !encoding.isEmpty,
           encoding.lowercased() != "snappy" {
            throw PlainError(.unsupportedMediaType,
                             "unsupported Content-Encoding \"\(encoding)\": remote write bodies must be snappy-compressed (Content-Encoding: snappy) (\(ErrorID.unsupportedContentType.id))")
        }
        guard let contentType = request.header("content-type"), !contentType.isEmpty else { return }
        let parts = contentType.lowercased().split(separator: ";").map { String($0).trimmingCharacters() }
        guard parts.first == "application/x-protobuf" else {
            throw PlainError(.unsupportedMediaType,
                             "unsupported Content-Type \"\(contentType)\": remote write expects application/x-protobuf (\(ErrorID.unsupportedContentType.id))")
        }
        for param in parts.dropFirst() where param.hasPrefix("proto=") {
            let proto = param.dropFirst("proto=".count)
            if proto != "prometheus.writerequest" {
                throw PlainError(.unsupportedMediaType,
                                 "unsupported remote write protobuf message \"\(proto)\": this Strata accepts remote write 1.0 (prometheus.WriteRequest); configure the sender with protobuf_message: prometheus.WriteRequest (\(ErrorID.unsupportedContentType.id))")
            }
        }
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
