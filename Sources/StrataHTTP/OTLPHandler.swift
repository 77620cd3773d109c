import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import StrataDistributor
import StrataLimits
import StrataModel
import StrataWire

/// `POST /otlp/v1/metrics` (Mimir's path; `/api/v1/otlp/v1/metrics` is Prometheus's): OTLP/HTTP
/// metrics, protobuf or JSON, optionally gzip-compressed.
///
/// The body is bounded by the tenant's `max_recv_msg_size` (declared length, bytes read, and
/// inflated size), translated into the same `SeriesBatch` remote write produces, and pushed
/// through the distributor, so validation, rate limits, HA deduplication, ring forwarding and
/// WAL durability are those of remote write. Points the translation refuses are reported in the
/// response's `partial_success`, as the OTLP specification asks.
struct OTLPHandler: Sendable {
    let tenants: TenantResolver
    let overrides: Overrides
    let distributor: Distributor
    let logger: Logger

    /// The two body encodings OTLP/HTTP defines.
    enum Encoding {
        case protobuf
        case json

        var contentType: String { self == .protobuf ? "application/x-protobuf" : "application/json" }
    }

    /// A failure answered with a `google.rpc.Status` body.
    struct Failure: Error {
        let status: HTTPResponse.Status
        let message: String
    }

    func handle(_ request: Request) async -> Response {
        // Errors found before the content type is known are answered in protobuf, the default.
        let encoding = (try? Self.encoding(of: request)) ?? .protobuf
        do {
            return try await export(request)
        } catch {
            return Self.statusResponse(error.status, error.message, encoding: encoding)
        }
    }

    private func export(_ request: Request) async throws(Failure) -> Response {
        let tenant: TenantID
        do {
            tenant = try tenants.writeTenant(request)
        } catch {
            throw Failure(status: error.status, message: error.message)
        }
        let encoding = try Self.encoding(of: request)
        let gzip = try Self.isGzip(request)
        let limits = overrides.limits(for: tenant)
        let limit = limits.maxRecvMsgSize
        if let declared = request.header("content-length").flatMap(Int.init), declared > limit {
            throw tooLarge(size: declared, limit: limit)
        }
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: limit)
        } catch is NIOTooManyBytesError {
            throw tooLarge(size: nil, limit: limit)
        } catch {
            throw Failure(status: .badRequest, message: "failed to read the request body: \(error) (\(ErrorID.invalidRequestBody.id))")
        }
        let bytes: [UInt8]
        if gzip {
            do {
                bytes = try body.withUnsafeReadableBytes { raw throws(GzipDecoder.Failure) in
                    try GzipDecoder.decompress(raw, maxSize: limit)
                }
            } catch {
                switch error {
                case .tooLarge: throw tooLarge(size: nil, limit: limit, decompressed: true)
                case .corrupt(let reason):
                    throw Failure(status: .badRequest, message: "the request body is not valid gzip data (Content-Encoding: gzip): \(reason) (\(ErrorID.invalidRequestBody.id))")
                }
            }
        } else {
            bytes = Array(body.readableBytesView)
        }
        let decoded: OTLPMetricsRequest
        do {
            switch encoding {
            case .protobuf: decoded = try OTLPProtobufDecoder.decode(bytes, maxDataPoints: limits.ingestionBurstSize)
            case .json: decoded = try OTLPJSONDecoder.decode(bytes)
            }
        } catch {
            throw Failure(status: .badRequest, message: "\(error) (\(ErrorID.invalidRequestBody.id))")
        }
        let translation = OTLPTranslator.translate(decoded, options: limits.otlpTranslationOptions)
        if translation.tooManySamples {
            // The rate limiter refuses any push larger than the burst, so the request could never
            // be stored; refused as remote write's would be, before its series are built.
            throw Failure(status: .tooManyRequests,
                          message: "the OTLP request translates into more than \(limits.ingestionBurstSize) samples, the tenant's ingestion burst size, and can never be accepted; send smaller batches (Collector: batch processor send_batch_max_size) (\(ErrorID.tenantMaxIngestionRate.id)). To adjust the related per-tenant limit, configure -distributor.ingestion-burst-size, or contact your service administrator.")
        }
        if !translation.batch.series.isEmpty {
            do {
                _ = try await distributor.push(tenant: tenant, batch: translation.batch)
            } catch {
                if case .deduplicated = error {
                    // An HA replica that is not elected: accepted on purpose, nothing to retry.
                    return Self.exportResponse(rejected: translation.rejectedDataPoints, message: translation.errorMessage, encoding: encoding)
                }
                var message = error.description
                if translation.rejectedDataPoints > 0 {
                    message += "; in addition \(translation.rejectedDataPoints) data points were refused by the OTLP translation: \(translation.errorMessage)"
                }
                throw Failure(status: HTTPResponse.Status(code: error.httpStatus), message: message)
            }
        }
        if translation.rejectedDataPoints > 0 {
            logger.debug("OTLP data points refused", metadata: ["tenant": "\(tenant)", "rejected": "\(translation.rejectedDataPoints)",
                                                                "reason": "\(translation.errorMessage)"])
        }
        return Self.exportResponse(rejected: translation.rejectedDataPoints, message: translation.errorMessage, encoding: encoding)
    }

    /// The body encoding from `Content-Type`; anything but the two OTLP types is 415.
    static func encoding(of request: Request) throws(Failure) -> Encoding {
        let raw = request.header("content-type") ?? ""
        let type = raw.split(separator: ";").first.map { String($0).trimmingCharacters().lowercased() } ?? ""
        switch type {
        case "application/x-protobuf": return .protobuf
        case "application/json": return .json
        default:
            throw Failure(status: .unsupportedMediaType,
                          message: "unsupported Content-Type \"\(raw)\": OTLP/HTTP metrics must be application/x-protobuf or application/json (\(ErrorID.unsupportedContentType.id))")
        }
    }

    /// Whether the body is gzip-compressed; encodings other than gzip and identity are 415.
    static func isGzip(_ request: Request) throws(Failure) -> Bool {
        guard let raw = request.header("content-encoding"), !raw.isEmpty else { return false }
        switch raw.trimmingCharacters().lowercased() {
        case "gzip", "x-gzip": return true
        case "identity": return false
        default:
            throw Failure(status: .unsupportedMediaType,
                          message: "unsupported Content-Encoding \"\(raw)\": OTLP/HTTP bodies must be uncompressed or gzip-compressed (\(ErrorID.unsupportedContentType.id))")
        }
    }

    private func tooLarge(size: Int?, limit: Int, decompressed: Bool = false) -> Failure {
        let what = decompressed ? "decompressed message size" : "message size"
        let sizeText = size.map { " of \($0) bytes" } ?? ""
        return Failure(status: .contentTooLarge,
                       message: "the incoming OTLP request has been rejected because its \(what)\(sizeText) is larger than the allowed limit of \(limit) bytes (\(ErrorID.maxWriteMessageSize.id)). To adjust the related limit, configure -distributor.max-recv-msg-size, or contact your service administrator.")
    }

    /// 200 with an `ExportMetricsServiceResponse`.
    static func exportResponse(rejected: Int, message: String, encoding: Encoding) -> Response {
        let body = encoding == .protobuf
            ? OTLPResponseEncoder.exportResponseProtobuf(rejectedDataPoints: rejected, errorMessage: message)
            : OTLPResponseEncoder.exportResponseJSON(rejectedDataPoints: rejected, errorMessage: message)
        return Response(status: .ok, headers: [.contentType: encoding.contentType], body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
    }

    /// An error status with a `google.rpc.Status` body, as OTLP/HTTP asks.
    static func statusResponse(_ status: HTTPResponse.Status, _ message: String, encoding: Encoding) -> Response {
        let code = grpcCode(status.code)
        let body = encoding == .protobuf
            ? OTLPResponseEncoder.statusProtobuf(code: code, message: message)
            : OTLPResponseEncoder.statusJSON(code: code, message: message)
        return Response(status: status, headers: [.contentType: encoding.contentType], body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
    }

    /// The gRPC status code matching an HTTP status (as the gRPC-HTTP mapping pairs them).
    static func grpcCode(_ http: Int) -> Int {
        switch http {
        case 400, 413, 415: return 3 // INVALID_ARGUMENT
        case 401: return 16 // UNAUTHENTICATED
        case 429: return 8 // RESOURCE_EXHAUSTED
        case 503: return 14 // UNAVAILABLE
        default: return 13 // INTERNAL
        }
    }
}

extension Limits {
    /// The tenant's OTLP translation settings (`otel_translation_strategy`,
    /// `promote_otel_resource_attributes`).
    var otlpTranslationOptions: OTLPTranslationOptions {
        OTLPTranslationOptions(
            strategy: OTLPTranslationStrategy(rawValue: otelTranslationStrategy) ?? .underscoreEscapingWithSuffixes,
            promoteResourceAttributes: promoteOTelResourceAttributes.split(separator: ",").map(String.init),
            maxSamples: ingestionBurstSize, maxLabelsPerSeries: maxLabelNamesPerSeries)
    }
}
