import CSnappy

/// Why a snappy body was refused.
public enum SnappyError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The block does not decode: bad length header, bad copy offsets, or its decoded size
    /// disagrees with its header.
    case corrupt
    /// The body is empty (not even a length header).
    case empty
    /// The body is snappy *framed* (stream) format; remote write requires the block format.
    case framedFormat
    /// The header announces more decoded bytes than allowed; refused before allocating.
    case tooLarge(decodedSize: Int, limit: Int)

    /// What is wrong and what the sender should change.
    public var description: String {
        switch self {
        case .corrupt:
            return "snappy body is corrupt: it is not valid snappy block format (truncated, or not snappy at all)"
        case .empty:
            return "snappy body is empty"
        case .framedFormat:
            return "snappy body uses the framed (stream) format; remote write requires the snappy block format"
        case .tooLarge(let decodedSize, let limit):
            return "snappy body decompresses to \(decodedSize) bytes, more than the limit of \(limit) bytes; send smaller requests or raise the message-size limit"
        }
    }
}

/// Snappy block format (what remote write uses), via Debian's libsnappy.
public enum Snappy {
    /// The block header is a varint of a 32-bit length, so at most 5 bytes.
    static let maxHeaderBytes = 5

    /// Upper bound on decoded bytes per compressed byte: a 3-byte copy element yields at most 64.
    static let maxExpansion = 22

    /// The first bytes of a snappy framed stream: a stream-identifier chunk `ff 06 00 00 sNaPpY`.
    static let framedMagic: [UInt8] = [0xff, 0x06, 0x00, 0x00, 0x73, 0x4e, 0x61, 0x50, 0x70, 0x59]

    /// Compresses `input` into a snappy block.
    public static func compress(_ input: UnsafeRawBufferPointer) -> [UInt8] {
        guard let src = input.baseAddress, !input.isEmpty else {
            // An empty block is just its length header, 0.
            return [0]
        }
        let capacity = snappy_max_compressed_length(input.count)
        return [UInt8](unsafeUninitializedCapacity: capacity) { buffer, initialized in
            guard let dst = buffer.baseAddress else { initialized = 0; return }
            var length = capacity
            let status = snappy_compress(src.assumingMemoryBound(to: CChar.self), input.count,
                                         UnsafeMutableRawPointer(dst).assumingMemoryBound(to: CChar.self), &length)
            // Compression only fails when the output is smaller than max_compressed_length,
            // which it never is here.
            initialized = status == SNAPPY_OK ? length : 0
        }
    }

    /// Compresses `input` into a snappy block.
    public static func compress(_ input: [UInt8]) -> [UInt8] {
        input.withUnsafeBytes { compress($0) }
    }

    /// The decoded length a block announces in its header, without decoding the block.
    public static func decodedLength(_ input: UnsafeRawBufferPointer) throws(SnappyError) -> Int {
        guard !input.isEmpty else { throw .empty }
        // The header is a varint of at most 5 bytes holding a 32-bit value.
        var result: UInt64 = 0
        var i = 0
        while true {
            guard i < input.count, i < maxHeaderBytes else { throw formatError(input) }
            let b = input[i]
            result |= UInt64(b & 0x7f) << (7 * UInt64(i))
            i += 1
            if b < 0x80 { break }
        }
        guard result <= UInt64(UInt32.max) else { throw formatError(input) }
        return Int(result)
    }

    /// `corrupt`, or `framedFormat` when the body is a framed stream: a malformed block most often
    /// means the sender used the wrong snappy format, and saying so saves the operator a hunt.
    private static func formatError(_ input: UnsafeRawBufferPointer) -> SnappyError {
        input.starts(with: framedMagic) ? .framedFormat : .corrupt
    }

    /// Decompresses a snappy block.
    ///
    /// Reads the decoded length from the header first and refuses (`tooLarge`) before
    /// allocating when it exceeds `maxDecodedSize`, so a tiny body claiming gigabytes costs
    /// nothing; a header announcing more than snappy can expand the body to is refused as
    /// `corrupt`, also before allocating. libsnappy validates every copy and the final length;
    /// garbage yields `corrupt` (or `framedFormat` for a framed stream), never a crash.
    public static func decompress(_ input: UnsafeRawBufferPointer, maxDecodedSize: Int) throws(SnappyError) -> [UInt8] {
        let size = try decodedLength(input)
        guard size <= maxDecodedSize else {
            if input.starts(with: framedMagic) { throw .framedFormat }
            throw .tooLarge(decodedSize: size, limit: maxDecodedSize)
        }
        // No snappy element expands more than 64 bytes out of 3 in, so a header announcing more
        // than that ratio is a lie; refuse it before allocating for it.
        guard size / maxExpansion <= input.count else { throw formatError(input) }
        guard let src = input.baseAddress else { throw .empty }
        let compressed = src.assumingMemoryBound(to: CChar.self)
        if size == 0 {
            // Nothing to allocate, but the rest of the block must still be well formed.
            guard snappy_validate_compressed_buffer(compressed, input.count) == SNAPPY_OK else { throw .corrupt }
            return []
        }
        var ok = false
        let output = [UInt8](unsafeUninitializedCapacity: size) { buffer, initialized in
            guard let dst = buffer.baseAddress else { initialized = 0; return }
            var length = size
            let status = snappy_uncompress(compressed, input.count,
                                           UnsafeMutableRawPointer(dst).assumingMemoryBound(to: CChar.self), &length)
            ok = status == SNAPPY_OK && length == size
            initialized = ok ? size : 0
        }
        guard ok else { throw formatError(input) }
        return output
    }

    /// Decompresses a snappy block; see `decompress(_:maxDecodedSize:)` for the guarantees.
    public static func decompress(_ input: [UInt8], maxDecodedSize: Int) throws(SnappyError) -> [UInt8] {
        let result: Result<[UInt8], SnappyError> = input.withUnsafeBytes { raw in
            do throws(SnappyError) {
                return .success(try decompress(raw, maxDecodedSize: maxDecodedSize))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }
}
