import NIOCore

/// One request of memcached's text protocol, as the connection handler sends it.
enum MemcachedCommand: Sendable {
    /// `get k1 k2 …`: the values of those keys that are present.
    case get([String])
    /// `set <key> 0 <exptime> <bytes>`: store `value`, expiring per memcached's exptime rules.
    case set(key: String, value: [UInt8], exptime: Int)
    /// `delete <key>`.
    case delete(String)
    /// `version`: the cheapest request that proves the server is answering.
    case version

    /// The name used in logs and the `operation` metric dimension.
    var operation: String {
        switch self {
        case .get: return "getmulti"
        case .set: return "set"
        case .delete: return "delete"
        case .version: return "version"
        }
    }

    /// The bytes on the wire, `\r\n` terminated.
    func encode(into buffer: inout ByteBuffer) {
        switch self {
        case .get(let keys):
            buffer.writeStaticString("get")
            for key in keys {
                buffer.writeInteger(UInt8(ascii: " "))
                buffer.writeString(key)
            }
            buffer.writeStaticString("\r\n")
        case .set(let key, let value, let exptime):
            buffer.writeStaticString("set ")
            buffer.writeString(key)
            buffer.writeString(" 0 \(exptime) \(value.count)\r\n")
            buffer.writeBytes(value)
            buffer.writeStaticString("\r\n")
        case .delete(let key):
            buffer.writeStaticString("delete ")
            buffer.writeString(key)
            buffer.writeStaticString("\r\n")
        case .version:
            buffer.writeStaticString("version\r\n")
        }
    }

    /// Roughly how many bytes `encode` writes, to size the buffer once.
    var encodedSizeHint: Int {
        switch self {
        case .get(let keys): return 5 + keys.reduce(0) { $0 + $1.utf8.count + 1 }
        case .set(let key, let value, _): return 40 + key.utf8.count + value.count
        case .delete(let key): return 9 + key.utf8.count
        case .version: return 9
        }
    }
}

/// The successful outcome of a `MemcachedCommand`.
enum MemcachedResult: Sendable {
    /// The found values of a `get`, by key; absent keys missed.
    case values([String: [UInt8]])
    /// `STORED`.
    case stored
    /// `DELETED` (true) or `NOT_FOUND` (false).
    case deleted(Bool)
    /// The server's version string.
    case version(String)
}

/// The longest key memcached accepts.
let memcachedMaxKeyLength = 250

/// Why `key` cannot be sent as a memcached key, or nil when it can: the text protocol splits on
/// spaces and lines, so a key with either would be read as a different command.
func memcachedKeyProblem(_ key: String) -> String? {
    let bytes = key.utf8
    if bytes.isEmpty { return "empty key" }
    if bytes.count > memcachedMaxKeyLength { return "key of \(bytes.count) bytes is longer than \(memcachedMaxKeyLength)" }
    if bytes.contains(where: { $0 <= 0x20 || $0 == 0x7f }) { return "key contains a space or control character" }
    return nil
}

/// One piece of a memcached reply: a `VALUE` line with its data block, `END`, or any other
/// single line (`STORED`, `VERSION 1.6.18`, `SERVER_ERROR …`).
enum MemcachedReply: Sendable, Equatable {
    case value(key: String, data: [UInt8])
    case end
    case line(String)
}

/// Splits the byte stream from a memcached server into `MemcachedReply` pieces.
///
/// Whatever the server sends, this only ever throws `MemcachedError.malformedReply` (which
/// closes the connection): a line longer than `maxLineLength`, a line not ended by `\r\n`, a
/// `VALUE` header that does not parse or announces more than `maxValueSize` bytes, a data block
/// not followed by `\r\n`. The limits keep a broken server from making us buffer without bound.
struct MemcachedReplyDecoder: ByteToMessageDecoder {
    typealias InboundOut = MemcachedReply

    /// Longer than any line memcached sends (a `VALUE` header with a 250-byte key is under 300).
    static let maxLineLength = 2048

    /// The largest data block accepted in a `VALUE`.
    let maxValueSize: Int

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        let view = buffer.readableBytesView
        guard let newline = view.firstIndex(of: UInt8(ascii: "\n")) else {
            if view.count > Self.maxLineLength {
                throw MemcachedError.malformedReply("no line end within \(Self.maxLineLength) bytes")
            }
            return .needMoreData
        }
        let lineLength = newline - view.startIndex
        guard lineLength >= 1, view[newline - 1] == UInt8(ascii: "\r") else {
            throw MemcachedError.malformedReply("line not terminated by \\r\\n")
        }
        guard lineLength <= Self.maxLineLength else {
            throw MemcachedError.malformedReply("line of \(lineLength) bytes")
        }
        let line = view[view.startIndex..<(newline - 1)]
        let valuePrefix: [UInt8] = Array("VALUE ".utf8)
        if line.starts(with: valuePrefix) {
            let header = line.split(separator: UInt8(ascii: " "), omittingEmptySubsequences: false)
            // VALUE <key> <flags> <bytes> [<cas unique>]
            guard header.count == 4 || header.count == 5,
                  !header[1].isEmpty,
                  parseDecimal(header[2]).map({ $0 <= Int(UInt32.max) }) == true,
                  let size = parseDecimal(header[3])
            else {
                throw MemcachedError.malformedReply("bad VALUE header \"\(printable(line))\"")
            }
            guard size <= maxValueSize else {
                throw MemcachedError.malformedReply("VALUE of \(size) bytes is larger than \(maxValueSize)")
            }
            let dataStart = lineLength + 1
            guard view.count >= dataStart + size + 2 else { return .needMoreData }
            let endIndex = view.startIndex + dataStart + size
            guard view[endIndex] == UInt8(ascii: "\r"), view[endIndex + 1] == UInt8(ascii: "\n") else {
                throw MemcachedError.malformedReply("data block of VALUE \(printable(header[1])) not followed by \\r\\n")
            }
            let key = String(decoding: header[1], as: UTF8.self)
            buffer.moveReaderIndex(forwardBy: dataStart)
            let data = buffer.readBytes(length: size) ?? []
            buffer.moveReaderIndex(forwardBy: 2)
            context.fireChannelRead(wrapInboundOut(.value(key: key, data: data)))
            return .continue
        }
        let reply: MemcachedReply = line.elementsEqual("END".utf8) ? .end : .line(String(decoding: line, as: UTF8.self))
        buffer.moveReaderIndex(forwardBy: lineLength + 1)
        context.fireChannelRead(wrapInboundOut(reply))
        return .continue
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        // A reply cut short by the close is not worth decoding: the requests still waiting are
        // failed by the handler when the channel goes inactive.
        .needMoreData
    }
}

/// The value of a run of ASCII digits, or nil when it is empty, has a non-digit, or would not
/// fit comfortably in an `Int`.
private func parseDecimal<C: Collection>(_ digits: C) -> Int? where C.Element == UInt8 {
    guard !digits.isEmpty, digits.count <= 18 else { return nil }
    var value = 0
    for byte in digits {
        guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
        value = value * 10 + Int(byte - UInt8(ascii: "0"))
    }
    return value
}

/// `bytes` for an error message: at most 80 of them, non-printable ones as `?`.
private func printable<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
    String(decoding: bytes.prefix(80).map { (0x20..<0x7f).contains($0) ? $0 : UInt8(ascii: "?") }, as: UTF8.self)
}
