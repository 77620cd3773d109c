import CZlib

/// Why gzip compression or decompression failed.
public enum GzipError: Error, Equatable, Sendable, CustomStringConvertible {
    /// zlib refused to start or failed while compressing (out of memory, input too large).
    case compressionFailed(code: Int32)
    /// The bytes are not a complete, valid gzip stream.
    case corrupt(reason: String)
    /// The stream inflates to more than the allowed size.
    case tooLarge(limit: Int)

    public var description: String {
        switch self {
        case .compressionFailed(let code):
            return "gzip compression failed (zlib code \(code))"
        case .corrupt(let reason):
            return "invalid gzip data: \(reason)"
        case .tooLarge(let limit):
            return "gzip data inflates to more than \(limit) bytes"
        }
    }
}

/// Gzip (RFC 1952) with the system zlib, for objects such as `bucket-index.json.gz` that other
/// tools (`gzip -d`, Mimir) must read.
public enum Gzip {
    /// zlib's `windowBits` for a gzip wrapper: a 15-bit window plus 16 (gzip header and trailer).
    static let gzipWindowBits: Int32 = 15 + 16
    /// zlib's default `memLevel`.
    static let memLevel: Int32 = 8
    /// zlib's default compression level.
    public static let defaultLevel: Int32 = 6
    /// Output buffer growth step while inflating.
    static let inflateChunk = 64 * 1024
    /// zlib counts in 32-bit lengths; larger inputs are refused rather than truncated.
    static let maxInput = Int(UInt32.max)

    /// `input` as one gzip member.
    public static func compress(_ input: [UInt8], level: Int32 = defaultLevel) throws(GzipError) -> [UInt8] {
        guard input.count < maxInput else { throw .compressionFailed(code: Z_BUF_ERROR) }
        var stream = z_stream()
        // deflateInit2 is a C macro; its function takes the library version and struct size.
        let initCode = deflateInit2_(&stream, level, Z_DEFLATED, gzipWindowBits, memLevel, Z_DEFAULT_STRATEGY,
                                     ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        guard initCode == Z_OK else { throw .compressionFailed(code: initCode) }
        defer { deflateEnd(&stream) }
        let bound = Int(deflateBound(&stream, UInt(input.count))) + 32
        guard bound < maxInput else { throw .compressionFailed(code: Z_BUF_ERROR) }
        var out = [UInt8](repeating: 0, count: bound)
        var code: Int32 = Z_OK
        let written = input.withUnsafeBufferPointer { src -> Int in
            out.withUnsafeMutableBufferPointer { dst -> Int in
                stream.next_in = UnsafeMutablePointer(mutating: src.baseAddress)
                stream.avail_in = UInt32(truncatingIfNeeded: src.count)
                stream.next_out = dst.baseAddress
                stream.avail_out = UInt32(truncatingIfNeeded: dst.count)
                code = deflate(&stream, Z_FINISH)
                return dst.count - Int(stream.avail_out)
            }
        }
        guard code == Z_STREAM_END else { throw .compressionFailed(code: code) }
        out.removeSubrange(written...)
        return out
    }

    /// The content of the gzip stream `input`, refusing to inflate past `maxSize` bytes so a
    /// hostile object (a "zip bomb") cannot exhaust memory. Concatenated members are not read:
    /// everything Strata reads was written as a single member.
    public static func decompress(_ input: [UInt8], maxSize: Int) throws(GzipError) -> [UInt8] {
        guard !input.isEmpty else { throw .corrupt(reason: "empty input") }
        guard input.count < maxInput else { throw .corrupt(reason: "input of \(input.count) bytes is too large") }
        var stream = z_stream()
        let initCode = inflateInit2_(&stream, gzipWindowBits, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        guard initCode == Z_OK else { throw .corrupt(reason: "zlib inflateInit failed with code \(initCode)") }
        defer { inflateEnd(&stream) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: inflateChunk)
        var failure: GzipError? = nil
        input.withUnsafeBufferPointer { src in
            stream.next_in = UnsafeMutablePointer(mutating: src.baseAddress)
            stream.avail_in = UInt32(truncatingIfNeeded: src.count)
            while true {
                let (code, produced) = chunk.withUnsafeMutableBufferPointer { dst -> (Int32, Int) in
                    stream.next_out = dst.baseAddress
                    stream.avail_out = UInt32(truncatingIfNeeded: dst.count)
                    let code = inflate(&stream, Z_NO_FLUSH)
                    return (code, dst.count - Int(stream.avail_out))
                }
                if produced > 0 {
                    guard out.count + produced <= maxSize else {
                        failure = .tooLarge(limit: maxSize)
                        return
                    }
                    out.append(contentsOf: chunk[0..<produced])
                }
                switch code {
                case Z_STREAM_END:
                    return
                case Z_OK:
                    continue
                case Z_BUF_ERROR:
                    // No progress possible: the input ended before the stream did.
                    failure = .corrupt(reason: "truncated stream")
                    return
                default:
                    let message = stream.msg.map { String(cString: $0) } ?? "zlib code \(code)"
                    failure = .corrupt(reason: message)
                    return
                }
            }
        }
        if let failure { throw failure }
        return out
    }
}
