import GRPCCore

/// Writes a `strata.LabelsResponse`.
struct LabelsResponseSerializer: MessageSerializer {
    func serialize<Bytes: GRPCContiguousBytes>(_ message: [String]) throws -> Bytes {
        var size = 0
        for s in message { size += stringFieldSize(field: LabelsResponseField.values, s) }
        return try serializeMessage(name: RPCMessageName.labelsResponse, size: size) { w in
            for s in message { w.writeStringField(LabelsResponseField.values, s) }
        }
    }
}

/// Reads a `strata.LabelsResponse`.
struct LabelsResponseDeserializer: MessageDeserializer {
    func deserialize<Bytes: GRPCContiguousBytes>(_ serializedMessageBytes: Bytes) throws -> [String] {
        try RPCProtoReader.readResponse(serializedMessageBytes, name: RPCMessageName.labelsResponse) { r throws(RPCWireError) in
            var out: [String] = []
            while !r.isAtEnd {
                let tag = try r.readTag()
                if tag.field == LabelsResponseField.values {
                    out.append(try r.stringField(tag))
                } else {
                    try r.skip(tag)
                }
            }
            return out
        }
    }
}
