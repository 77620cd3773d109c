import StrataModel

/// One series of a streamed remote-read answer (`prometheus.ChunkedSeries`): labels and whole
/// chunks in Prometheus's encodings (XOR, HISTOGRAM, FLOAT_HISTOGRAM), in start-time order.
public struct ChunkedSeriesData: Sendable, Equatable {
    /// The series' labels.
    public var labels: Labels
    /// Its chunks; they may extend past the query's range and may overlap, as Prometheus's do.
    public var chunks: [EncodedChunk]

    /// Creates a series.
    public init(labels: Labels, chunks: [EncodedChunk]) {
        self.labels = labels
        self.chunks = chunks
    }
}

/// One frame of a streamed answer: the series of one query, or part of them.
public struct ChunkedReadFrame: Sendable, Equatable {
    /// `chunked_series`.
    public var series: [ChunkedSeriesData]
    /// `query_index`: which query of the request this frame answers.
    public var queryIndex: Int64

    /// Creates a frame.
    public init(series: [ChunkedSeriesData], queryIndex: Int64) {
        self.series = series
        self.queryIndex = queryIndex
    }
}

/// Remote read's `STREAMED_XOR_CHUNKS` response (content type
/// `application/x-streamed-protobuf; proto=prometheus.ChunkedReadResponse`): a sequence of
/// frames, each a uvarint length, the CRC-32C (Castagnoli) of the message as 4 big-endian bytes,
/// and a `ChunkedReadResponse` message, not compressed.
public enum RemoteReadStreamCodec {
    /// Chunk encodings the response can carry, by `prometheus.Chunk.Encoding` number.
    public static func isStreamable(_ encoding: ChunkEncoding) -> Bool {
        switch encoding {
        case .xor, .histogram, .floatHistogram: return true
        case .aggregate: return false
        }
    }

    /// The framed bytes of one `ChunkedReadResponse`. Chunks of an encoding Prometheus does not
    /// define (`.aggregate`) must be filtered out by the caller.
    public static func encodeFrame(_ frame: ChunkedReadFrame) -> [UInt8] {
        let message = encodeMessage(frame)
        let crc = CRC32C.checksum(message)
        var out: [UInt8] = []
        out.reserveCapacity(varintSize(UInt64(message.count)) + 4 + message.count)
        var n = UInt64(message.count)
        while n >= 0x80 {
            out.append(UInt8(truncatingIfNeeded: n) | 0x80)
            n >>= 7
        }
        out.append(UInt8(truncatingIfNeeded: n))
        out.append(contentsOf: [UInt8(truncatingIfNeeded: crc >> 24), UInt8(truncatingIfNeeded: crc >> 16),
                                UInt8(truncatingIfNeeded: crc >> 8), UInt8(truncatingIfNeeded: crc)])
        out.append(contentsOf: message)
        return out
    }

    /// Size of the framed message of a series with these chunks (for splitting into frames).
    public static func seriesSize(labels: Labels, chunks: some Collection<EncodedChunk>) -> Int {
        lengthDelimitedSize(field: ChunkedReadResponseField.chunkedSeries, length: seriesPayloadSize(labels, chunks))
    }

    static func chunkPayloadSize(_ c: EncodedChunk) -> Int {
        (c.minTime != 0 ? tagSize(ChunkField.minTimeMs) + varintSize(UInt64(bitPattern: c.minTime)) : 0)
            + (c.maxTime != 0 ? tagSize(ChunkField.maxTimeMs) + varintSize(UInt64(bitPattern: c.maxTime)) : 0)
            + tagSize(ChunkField.type) + varintSize(UInt64(c.encoding.rawValue))
            + (c.data.isEmpty ? 0 : lengthDelimitedSize(field: ChunkField.data, length: c.data.count))
    }

    static func seriesPayloadSize(_ labels: Labels, _ chunks: some Collection<EncodedChunk>) -> Int {
        var size = 0
        for label in labels {
            let payload = labelPayloadSize(nameLength: label.name.utf8.count, valueLength: label.value.utf8.count)
            size += lengthDelimitedSize(field: ChunkedSeriesField.labels, length: payload)
        }
        for c in chunks { size += lengthDelimitedSize(field: ChunkedSeriesField.chunks, length: chunkPayloadSize(c)) }
        return size
    }

    static func encodeMessage(_ frame: ChunkedReadFrame) -> [UInt8] {
        var seriesSizes: [Int] = []
        var total = 0
        for s in frame.series {
            let size = seriesPayloadSize(s.labels, s.chunks)
            seriesSizes.append(size)
            total += lengthDelimitedSize(field: ChunkedReadResponseField.chunkedSeries, length: size)
        }
        if frame.queryIndex != 0 { total += tagSize(ChunkedReadResponseField.queryIndex) + varintSize(UInt64(bitPattern: frame.queryIndex)) }
        return buildMessage(size: total) { w in
            for (i, s) in frame.series.enumerated() {
                w.writeLengthPrefix(ChunkedReadResponseField.chunkedSeries, seriesSizes[i])
                for label in s.labels { w.writeLabelField(label) }
                for c in s.chunks {
                    w.writeLengthPrefix(ChunkedSeriesField.chunks, chunkPayloadSize(c))
                    if c.minTime != 0 {
                        w.writeTag(ChunkField.minTimeMs, WireType.varint)
                        w.writeVarint(UInt64(bitPattern: c.minTime))
                    }
                    if c.maxTime != 0 {
                        w.writeTag(ChunkField.maxTimeMs, WireType.varint)
                        w.writeVarint(UInt64(bitPattern: c.maxTime))
                    }
                    w.writeTag(ChunkField.type, WireType.varint)
                    w.writeVarint(UInt64(c.encoding.rawValue))
                    if !c.data.isEmpty {
                        w.writeLengthPrefix(ChunkField.data, c.data.count)
                        c.data.withUnsafeBytes { w.writeBytes($0) }
                    }
                }
            }
            if frame.queryIndex != 0 {
                w.writeTag(ChunkedReadResponseField.queryIndex, WireType.varint)
                w.writeVarint(UInt64(bitPattern: frame.queryIndex))
            }
        }
    }

    /// Decodes a whole streamed body into its frames (tests and tools), checking every frame's
    /// length and checksum. Chunk types other than XOR, HISTOGRAM and FLOAT_HISTOGRAM are refused.
    public static func decodeFrames(_ body: [UInt8]) throws(WireError) -> [ChunkedReadFrame] {
        guard body.count <= ProtoLimits.maxBodySize else {
            throw .bodyTooLarge(size: body.count, limit: ProtoLimits.maxBodySize)
        }
        let decoded: Result<[ChunkedReadFrame], WireError> = body.withUnsafeBytes { raw in
            do throws(WireError) {
                var r = ProtoReader(raw, codec: .remoteRead)
                var frames: [ChunkedReadFrame] = []
                while !r.isAtEnd {
                    let start = r.position
                    let length = try r.readVarint(.readResponse, field: 0)
                    guard r.end - r.position >= 4, length <= UInt64(r.end - r.position - 4) else {
                        throw .truncated(r.location(.readResponse, 0, start))
                    }
                    let p = r.position
                    let expected = UInt32(raw[p]) << 24 | UInt32(raw[p + 1]) << 16 | UInt32(raw[p + 2]) << 8 | UInt32(raw[p + 3])
                    let messageStart = p + 4
                    let messageEnd = messageStart + Int(length)
                    let actual = CRC32C.checksum(UnsafeRawBufferPointer(rebasing: raw[messageStart..<messageEnd]))
                    guard actual == expected else {
                        throw .checksumMismatch(r.location(.readResponse, 0, start), expected: expected, actual: actual)
                    }
                    var sub = r
                    sub.position = messageStart
                    sub.end = messageEnd
                    frames.append(try decodeFrame(&sub))
                    r.position = messageEnd
                }
                return .success(frames)
            } catch {
                return .failure(error)
            }
        }
        return try decoded.get()
    }

    static func decodeFrame(_ r: inout ProtoReader) throws(WireError) -> ChunkedReadFrame {
        var frame = ChunkedReadFrame(series: [], queryIndex: 0)
        while !r.isAtEnd {
            let tag = try r.readTag(.readResponse)
            switch tag.field {
            case ChunkedReadResponseField.chunkedSeries:
                var sub = try r.subMessage(tag, .readResponse)
                var labels: [Label] = []
                var chunks: [EncodedChunk] = []
                while !sub.isAtEnd {
                    let inner = try sub.readTag(.queryResult)
                    switch inner.field {
                    case ChunkedSeriesField.labels:
                        var l = try sub.subMessage(inner, .queryResult)
                        var label = Label(name: "", value: "")
                        while !l.isAtEnd {
                            let t = try l.readTag(.label)
                            switch t.field {
                            case LabelField.name: label.name = try l.stringField(t, .label)
                            case LabelField.value: label.value = try l.stringField(t, .label)
                            default: try l.skip(t, .label)
                            }
                        }
                        labels.append(label)
                    case ChunkedSeriesField.chunks:
                        var c = try sub.subMessage(inner, .queryResult)
                        chunks.append(try decodeChunk(&c))
                    default:
                        try sub.skip(inner, .queryResult)
                    }
                }
                frame.series.append(ChunkedSeriesData(labels: Labels(labels), chunks: chunks))
            case ChunkedReadResponseField.queryIndex:
                frame.queryIndex = Int64(bitPattern: try r.varintField(tag, .readResponse))
            default:
                try r.skip(tag, .readResponse)
            }
        }
        return frame
    }

    static func decodeChunk(_ r: inout ProtoReader) throws(WireError) -> EncodedChunk {
        var minTime: Int64 = 0, maxTime: Int64 = 0
        var encoding = ChunkEncoding.xor
        var data: [UInt8] = []
        while !r.isAtEnd {
            let tag = try r.readTag(.queryResult)
            switch tag.field {
            case ChunkField.minTimeMs: minTime = Int64(bitPattern: try r.varintField(tag, .queryResult))
            case ChunkField.maxTimeMs: maxTime = Int64(bitPattern: try r.varintField(tag, .queryResult))
            case ChunkField.type:
                let raw = try r.varintField(tag, .queryResult)
                guard raw <= 3, let e = ChunkEncoding(rawValue: UInt8(raw)), isStreamable(e) else {
                    throw .invalidEnumValue(r.location(.queryResult, tag.field, tag.offset), value: Int64(bitPattern: raw))
                }
                encoding = e
            case ChunkField.data:
                let (offset, length) = try r.bytesField(tag, .queryResult)
                data = Array(UnsafeRawBufferPointer(rebasing: r.bytes[offset..<offset + length]))
            default:
                try r.skip(tag, .queryResult)
            }
        }
        return EncodedChunk(minTime: minTime, maxTime: maxTime, encoding: encoding, data: data)
    }
}
