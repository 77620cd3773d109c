import StrataWire
import GRPCCore
import StrataModel

/// The fields every read request carries: `strata.SelectRequest`, `strata.LabelNamesRequest`
/// and `strata.LabelValuesRequest` (which adds the label name).
struct ReadRequest: Sendable {
    var tenant: TenantID
    var minTime: Int64
    var maxTime: Int64
    var matchers: [LabelMatcher]
    /// The label whose values are asked for (LabelValues only).
    var labelName: String?
    /// The coarsest downsampling resolution the caller reads, ms (Select only; 0: raw).
    var maxResolution: Int64

    init(tenant: TenantID, minTime: Int64, maxTime: Int64, matchers: [LabelMatcher], labelName: String? = nil,
         maxResolution: Int64 = 0) {
        self.tenant = tenant
        self.minTime = minTime
        self.maxTime = maxTime
        self.matchers = matchers
        self.labelName = labelName
        self.maxResolution = maxResolution
    }
}

/// Writes a read request under the contract's name for it.
struct ReadRequestSerializer: MessageSerializer {
    let name: String

    func serialize<Bytes: GRPCContiguousBytes>(_ message: ReadRequest) throws -> Bytes {
        var size = stringFieldSize(field: ReadRequestField.tenant, message.tenant.rawValue)
            + varintFieldSize(field: ReadRequestField.minTime, value: UInt64(bitPattern: message.minTime))
            + varintFieldSize(field: ReadRequestField.maxTime, value: UInt64(bitPattern: message.maxTime))
        for m in message.matchers {
            size += lengthDelimitedSize(field: ReadRequestField.matchers, length: MatcherCodec.size(m))
        }
        if let labelName = message.labelName {
            size += stringFieldSize(field: ReadRequestField.labelName, labelName)
        }
        if message.maxResolution != 0 {
            size += varintFieldSize(field: ReadRequestField.maxResolution, value: UInt64(bitPattern: message.maxResolution))
        }
        return try serializeMessage(name: name, size: size) { w in
            w.writeStringField(ReadRequestField.tenant, message.tenant.rawValue)
            w.writeInt64Field(ReadRequestField.minTime, message.minTime)
            w.writeInt64Field(ReadRequestField.maxTime, message.maxTime)
            for m in message.matchers { MatcherCodec.write(m, field: ReadRequestField.matchers, to: &w) }
            if let labelName = message.labelName {
                w.writeStringField(ReadRequestField.labelName, labelName)
            }
            if message.maxResolution != 0 {
                w.writeInt64Field(ReadRequestField.maxResolution, message.maxResolution)
            }
        }
    }
}

/// Reads a read request on the server. Malformed bytes, an invalid tenant, an unknown matcher
/// type or a regex that does not compile are the caller's fault: `invalidArgument`.
struct ReadRequestDeserializer: MessageDeserializer {
    let name: String
    /// LabelValues requires field 5; the other requests ignore it.
    let requiresLabelName: Bool

    private struct Raw {
        var tenant: String?
        var minTime: Int64 = 0
        var maxTime: Int64 = 0
        var matchers: [MatcherCodec.Raw] = []
        var labelName: String?
        var maxResolution: Int64 = 0
    }

    func deserialize<Bytes: GRPCContiguousBytes>(_ serializedMessageBytes: Bytes) throws -> ReadRequest {
        let raw: Raw
        do throws(RPCWireError) {
            raw = try RPCProtoReader.withMessage(serializedMessageBytes, name: name) { r throws(RPCWireError) in
                var raw = Raw()
                while !r.isAtEnd {
                    let tag = try r.readTag()
                    switch tag.field {
                    case ReadRequestField.tenant: raw.tenant = try r.stringField(tag)
                    case ReadRequestField.minTime: raw.minTime = try r.int64Field(tag)
                    case ReadRequestField.maxTime: raw.maxTime = try r.int64Field(tag)
                    case ReadRequestField.matchers:
                        var sub = try r.subMessage(tag, name: RPCMessageName.matcher)
                        raw.matchers.append(try MatcherCodec.read(&sub, offset: tag.offset))
                    case ReadRequestField.labelName: raw.labelName = try r.stringField(tag)
                    case ReadRequestField.maxResolution: raw.maxResolution = try r.int64Field(tag)
                    default: try r.skip(tag)
                    }
                }
                return raw
            }
        } catch {
            throw RPCError(code: .invalidArgument, message: error.description)
        }
        let tenant = try validatedTenant(raw.tenant, message: name)
        let matchers = try MatcherCodec.validated(raw.matchers, message: name)
        if requiresLabelName && raw.labelName == nil {
            throw RPCError(code: .invalidArgument, message: "\(name) has no label name (field \(ReadRequestField.labelName))")
        }
        guard raw.maxResolution >= 0 else {
            throw RPCError(code: .invalidArgument, message: "\(name): max resolution \(raw.maxResolution) is negative")
        }
        return ReadRequest(tenant: tenant, minTime: raw.minTime, maxTime: raw.maxTime, matchers: matchers,
                           labelName: requiresLabelName ? raw.labelName : nil, maxResolution: raw.maxResolution)
    }
}
