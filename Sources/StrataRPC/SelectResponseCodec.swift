import StrataWire
import GRPCCore
import StrataModel

/// Sizes of the `strata.Series` encoding, shared by the batcher and the serializer.
enum SeriesEncoding {
    static func labelSize(_ label: Label) -> Int {
        stringFieldSize(field: LabelPairField.name, label.name) + stringFieldSize(field: LabelPairField.value, label.value)
    }

    static func chunkSize(_ chunk: EncodedChunk) -> Int {
        varintFieldSize(field: ChunkField.minTime, value: UInt64(bitPattern: chunk.minTime))
            + varintFieldSize(field: ChunkField.maxTime, value: UInt64(bitPattern: chunk.maxTime))
            + varintFieldSize(field: ChunkField.encoding, value: UInt64(chunk.encoding.rawValue))
            + lengthDelimitedSize(field: ChunkField.data, length: chunk.data.count)
    }

    /// Payload of one `strata.Series`.
    static func seriesSize(_ series: QuerySeries) -> Int {
        var size = 0
        for label in series.labels {
            size += lengthDelimitedSize(field: SeriesField.labels, length: labelSize(label))
        }
        for chunk in series.chunks {
            size += lengthDelimitedSize(field: SeriesField.chunks, length: chunkSize(chunk))
        }
        if series.resolution != 0 {
            size += varintFieldSize(field: SeriesField.resolution, value: UInt64(bitPattern: series.resolution))
        }
        return size
    }

    /// What one series adds to a `strata.SelectResponse`.
    static func fieldSize(_ series: QuerySeries) -> Int {
        lengthDelimitedSize(field: SelectResponseField.series, length: seriesSize(series))
    }

    static func write(_ series: QuerySeries, payloadSize: Int, to w: inout RPCProtoWriter) {
        w.writeLengthPrefix(SelectResponseField.series, payloadSize)
        for label in series.labels {
            w.writeLengthPrefix(SeriesField.labels, labelSize(label))
            w.writeStringField(LabelPairField.name, label.name)
            w.writeStringField(LabelPairField.value, label.value)
        }
        for chunk in series.chunks {
            w.writeLengthPrefix(SeriesField.chunks, chunkSize(chunk))
            w.writeInt64Field(ChunkField.minTime, chunk.minTime)
            w.writeInt64Field(ChunkField.maxTime, chunk.maxTime)
            w.writeVarintField(ChunkField.encoding, UInt64(chunk.encoding.rawValue))
            w.writeBytesField(ChunkField.data, chunk.data)
        }
        if series.resolution != 0 {
            w.writeInt64Field(SeriesField.resolution, series.resolution)
        }
    }
}

/// Writes one `strata.SelectResponse` batch from a run of the selected series.
struct SelectResponseSerializer: MessageSerializer {
    func serialize<Bytes: GRPCContiguousBytes>(_ message: ArraySlice<QuerySeries>) throws -> Bytes {
        var payloadSizes: [Int] = []
        payloadSizes.reserveCapacity(message.count)
        var size = 0
        for series in message {
            let payload = SeriesEncoding.seriesSize(series)
            payloadSizes.append(payload)
            size += lengthDelimitedSize(field: SelectResponseField.series, length: payload)
        }
        return try serializeMessage(name: RPCMessageName.selectResponse, size: size) { w in
            for (i, series) in message.enumerated() {
                SeriesEncoding.write(series, payloadSize: payloadSizes[i], to: &w)
            }
        }
    }
}

/// Reads one `strata.SelectResponse` batch on the querier.
struct SelectResponseDeserializer: MessageDeserializer {
    func deserialize<Bytes: GRPCContiguousBytes>(_ serializedMessageBytes: Bytes) throws -> [QuerySeries] {
        try RPCProtoReader.readResponse(serializedMessageBytes, name: RPCMessageName.selectResponse) { r throws(RPCWireError) in
            var out: [QuerySeries] = []
            while !r.isAtEnd {
                let tag = try r.readTag()
                if tag.field == SelectResponseField.series {
                    var sub = try r.subMessage(tag, name: RPCMessageName.series)
                    out.append(try Self.series(&sub))
                } else {
                    try r.skip(tag)
                }
            }
            return out
        }
    }

    private static func series(_ r: inout RPCProtoReader) throws(RPCWireError) -> QuerySeries {
        var labels = ContiguousArray<Label>()
        var chunks: [EncodedChunk] = []
        var resolution: Int64 = 0
        var sorted = true
        while !r.isAtEnd {
            let tag = try r.readTag()
            switch tag.field {
            case SeriesField.labels:
                var sub = try r.subMessage(tag, name: RPCMessageName.label)
                let label = try Self.label(&sub)
                if let last = labels.last, !last.name.utf8.lexicographicallyPrecedes(label.name.utf8) { sorted = false }
                labels.append(label)
            case SeriesField.chunks:
                var sub = try r.subMessage(tag, name: RPCMessageName.chunk)
                chunks.append(try Self.chunk(&sub))
            case SeriesField.resolution:
                resolution = try r.int64Field(tag)
            default:
                try r.skip(tag)
            }
        }
        // The contract sends labels sorted with unique names; anything else is put in order
        // rather than trusted, since `Labels` equality depends on it.
        return QuerySeries(labels: sorted ? Labels(presorted: labels) : Labels(labels), chunks: chunks, resolution: resolution)
    }

    private static func label(_ r: inout RPCProtoReader) throws(RPCWireError) -> Label {
        var label = Label(name: "", value: "")
        while !r.isAtEnd {
            let tag = try r.readTag()
            switch tag.field {
            case LabelPairField.name: label.name = try r.stringField(tag)
            case LabelPairField.value: label.value = try r.stringField(tag)
            default: try r.skip(tag)
            }
        }
        return label
    }

    private static func chunk(_ r: inout RPCProtoReader) throws(RPCWireError) -> EncodedChunk {
        var minTime: Int64 = 0
        var maxTime: Int64 = 0
        var encoding: ChunkEncoding?
        var data: [UInt8] = []
        let start = r.position
        while !r.isAtEnd {
            let tag = try r.readTag()
            switch tag.field {
            case ChunkField.minTime: minTime = try r.int64Field(tag)
            case ChunkField.maxTime: maxTime = try r.int64Field(tag)
            case ChunkField.encoding:
                let raw = try r.varintField(tag)
                guard raw <= UInt64(UInt8.max), let e = ChunkEncoding(rawValue: UInt8(raw)) else {
                    throw r.error(tag.field, tag.offset, "chunk encoding \(raw) is not supported (1 = XOR, 2 = histogram, 3 = float histogram, 255 = downsampled aggregates)")
                }
                encoding = e
            case ChunkField.data:
                let range = try r.bytesField(tag)
                data = Array(UnsafeRawBufferPointer(rebasing: r.bytes[range]))
            default:
                try r.skip(tag)
            }
        }
        guard let encoding else { throw r.error(ChunkField.encoding, start, "chunk without an encoding") }
        return EncodedChunk(minTime: minTime, maxTime: maxTime, encoding: encoding, data: data)
    }
}
