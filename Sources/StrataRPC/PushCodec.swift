import GRPCCore
import StrataIngester
import StrataModel
import StrataWire

/// One push as it travels to an ingester: the tenant, its batch, and the exemplars and
/// metadata that go with it.
struct PushRequest: Sendable {
    var tenant: TenantID
    var batch: SeriesBatch
    /// What the distributor sends beside the samples (in the same `WriteRequest`).
    var extras = BatchExtras()
    /// What the ingester decoded beside the samples (empty when the request carried none).
    var receivedExtras = WriteExtras()
}

/// Writes a `strata.PushRequest`. The batch is encoded once as a remote-write `WriteRequest`
/// (labels, float samples and native histograms, integer or float, as the distributor
/// validated them), with the exemplars and metadata of `extras` in the `WriteRequest`'s own
/// fields (`TimeSeries.exemplars`, `WriteRequest.metadata`), and copied once into the
/// transport's buffer.
struct PushRequestSerializer: MessageSerializer {
    func serialize<Bytes: GRPCContiguousBytes>(_ message: PushRequest) throws -> Bytes {
        let writeRequest = RemoteWriteEncoder.encode(message.batch, extras: message.extras)
        let tenant = message.tenant.rawValue
        let size = stringFieldSize(field: PushRequestField.tenant, tenant)
            + lengthDelimitedSize(field: PushRequestField.writeRequest, length: writeRequest.count)
        return try serializeMessage(name: RPCMessageName.pushRequest, size: size) { w in
            w.writeStringField(PushRequestField.tenant, tenant)
            w.writeBytesField(PushRequestField.writeRequest, writeRequest)
        }
    }
}

/// Reads a `strata.PushRequest` on the ingester. The `WriteRequest` bytes are copied once out
/// of the transport's buffer and become the batch's buffer (the remote-write decoder keeps
/// label bytes in place). Exemplars and metadata are decoded by a second walk only when the
/// sample decoder counted some. Anything malformed is the caller's fault: `invalidArgument`.
struct PushRequestDeserializer: MessageDeserializer {
    func deserialize<Bytes: GRPCContiguousBytes>(_ serializedMessageBytes: Bytes) throws -> PushRequest {
        let (tenantString, body): (String?, [UInt8])
        do throws(RPCWireError) {
            (tenantString, body) = try RPCProtoReader.withMessage(serializedMessageBytes, name: RPCMessageName.pushRequest) { r throws(RPCWireError) in
                var tenant: String?
                var writeRequest: Range<Int>?
                while !r.isAtEnd {
                    let tag = try r.readTag()
                    switch tag.field {
                    case PushRequestField.tenant: tenant = try r.stringField(tag)
                    case PushRequestField.writeRequest: writeRequest = try r.bytesField(tag)
                    default: try r.skip(tag)
                    }
                }
                let body = writeRequest.map { Array(UnsafeRawBufferPointer(rebasing: r.bytes[$0])) } ?? []
                return (tenant, body)
            }
        } catch {
            throw RPCError(code: .invalidArgument, message: error.description)
        }
        let tenant = try validatedTenant(tenantString, message: RPCMessageName.pushRequest)
        do {
            let batch = try RemoteWriteDecoder.decode(body)
            var request = PushRequest(tenant: tenant, batch: batch)
            if batch.carriesExemplarsOrMetadata {
                request.receivedExtras = try RemoteWriteExtrasDecoder.decode(body)
            }
            return request
        } catch {
            throw RPCError(code: .invalidArgument, message: "\(RPCMessageName.pushRequest) field \(PushRequestField.writeRequest): \(error)")
        }
    }
}

/// The tenant of a request, or `invalidArgument` naming what is wrong with it.
func validatedTenant(_ raw: String?, message: String) throws(RPCError) -> TenantID {
    guard let raw else {
        throw RPCError(code: .invalidArgument, message: "\(message) has no tenant (field 1); every request names the tenant it reads or writes")
    }
    do {
        return try TenantID(validating: raw)
    } catch {
        throw RPCError(code: .invalidArgument, message: "\(message) field 1: \(error)")
    }
}

/// Writes a `strata.PushResponse` (the ingester's `IngestResult`).
struct IngestResultSerializer: MessageSerializer {
    func serialize<Bytes: GRPCContiguousBytes>(_ message: IngestResult) throws -> Bytes {
        // Sorted so equal results encode to equal bytes.
        let rejected = message.rejectedSamples.sorted { $0.key.rawValue < $1.key.rawValue }
        var size = varintFieldSize(field: PushResponseField.appendedSamples, value: UInt64(clamping: message.appendedSamples))
            + varintFieldSize(field: PushResponseField.appendedHistograms, value: UInt64(clamping: message.appendedHistograms))
        for (id, count) in rejected {
            size += lengthDelimitedSize(field: PushResponseField.rejected, length: rejectedCountSize(id, count))
        }
        if let first = message.firstError {
            size += lengthDelimitedSize(field: PushResponseField.firstError, length: rejectionSize(first))
        }
        if message.appendedExemplars > 0 {
            size += varintFieldSize(field: PushResponseField.appendedExemplars, value: UInt64(message.appendedExemplars))
        }
        return try serializeMessage(name: RPCMessageName.pushResponse, size: size) { w in
            w.writeVarintField(PushResponseField.appendedSamples, UInt64(clamping: message.appendedSamples))
            w.writeVarintField(PushResponseField.appendedHistograms, UInt64(clamping: message.appendedHistograms))
            for (id, count) in rejected {
                w.writeLengthPrefix(PushResponseField.rejected, rejectedCountSize(id, count))
                w.writeStringField(RejectedCountField.errorID, id.id)
                w.writeVarintField(RejectedCountField.count, UInt64(clamping: count))
            }
            if let first = message.firstError {
                w.writeLengthPrefix(PushResponseField.firstError, rejectionSize(first))
                w.writeStringField(RejectionField.errorID, first.id.id)
                w.writeStringField(RejectionField.message, first.message)
            }
            if message.appendedExemplars > 0 {
                w.writeVarintField(PushResponseField.appendedExemplars, UInt64(message.appendedExemplars))
            }
        }
    }

    private func rejectedCountSize(_ id: ErrorID, _ count: Int) -> Int {
        stringFieldSize(field: RejectedCountField.errorID, id.id)
            + varintFieldSize(field: RejectedCountField.count, value: UInt64(clamping: count))
    }

    private func rejectionSize(_ r: IngestRejection) -> Int {
        stringFieldSize(field: RejectionField.errorID, r.id.id) + stringFieldSize(field: RejectionField.message, r.message)
    }
}

/// Reads a `strata.PushResponse` on the distributor. A malformed response is the ingester's
/// fault: `internalError`, which the client reports as a failed push.
struct IngestResultDeserializer: MessageDeserializer {
    func deserialize<Bytes: GRPCContiguousBytes>(_ serializedMessageBytes: Bytes) throws -> IngestResult {
        try RPCProtoReader.readResponse(serializedMessageBytes, name: RPCMessageName.pushResponse) { r throws(RPCWireError) in
            var result = IngestResult()
            while !r.isAtEnd {
                let tag = try r.readTag()
                switch tag.field {
                case PushResponseField.appendedSamples:
                    result.appendedSamples = try r.countField(tag)
                case PushResponseField.appendedHistograms:
                    result.appendedHistograms = try r.countField(tag)
                case PushResponseField.rejected:
                    var sub = try r.subMessage(tag, name: RPCMessageName.rejectedCount)
                    let (id, count) = try Self.rejectedCount(&sub)
                    result.rejectedSamples[id, default: 0] += count
                case PushResponseField.firstError:
                    var sub = try r.subMessage(tag, name: RPCMessageName.rejection)
                    result.firstError = try Self.rejection(&sub)
                case PushResponseField.appendedExemplars:
                    result.appendedExemplars = try r.countField(tag)
                default:
                    try r.skip(tag)
                }
            }
            return result
        }
    }

    private static func rejectedCount(_ r: inout RPCProtoReader) throws(RPCWireError) -> (ErrorID, Int) {
        var id: ErrorID?
        var count = 0
        let start = r.position
        while !r.isAtEnd {
            let tag = try r.readTag()
            switch tag.field {
            case RejectedCountField.errorID: id = try errorID(&r, tag)
            case RejectedCountField.count: count = try r.countField(tag)
            default: try r.skip(tag)
            }
        }
        guard let id else { throw r.error(RejectedCountField.errorID, start, "rejected count without an error ID") }
        return (id, count)
    }

    private static func rejection(_ r: inout RPCProtoReader) throws(RPCWireError) -> IngestRejection {
        var id: ErrorID?
        var message = ""
        let start = r.position
        while !r.isAtEnd {
            let tag = try r.readTag()
            switch tag.field {
            case RejectionField.errorID: id = try errorID(&r, tag)
            case RejectionField.message: message = try r.stringField(tag)
            default: try r.skip(tag)
            }
        }
        guard let id else { throw r.error(RejectionField.errorID, start, "rejection without an error ID") }
        return IngestRejection(id: id, message: message)
    }

    /// An `err-strata-<reason>` string as an `ErrorID`. An ID this build does not know means the
    /// ingester runs a newer Strata: refused, since the counts could not be reported faithfully.
    private static func errorID(_ r: inout RPCProtoReader, _ tag: ProtoTag) throws(RPCWireError) -> ErrorID {
        let full = try r.stringField(tag)
        let prefix = "err-strata-"
        guard full.hasPrefix(prefix), let id = ErrorID(rawValue: String(full.dropFirst(prefix.count))) else {
            throw r.error(tag.field, tag.offset, "error ID \"\(full)\" is unknown to this version of Strata; run the same version on distributors and ingesters")
        }
        return id
    }
}
