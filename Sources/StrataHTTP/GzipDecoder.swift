import CZlib

/// Inflation of gzip request bodies (`Content-Encoding: gzip`, as the OpenTelemetry Collector
/// sends by default) with the system zlib, bounded so a small body cannot inflate without limit.
enum GzipDecoder {
    /// Why a body could not be inflated.
    enum Failure: Error {
        /// Not a complete, valid gzip stream.
        case corrupt(String)
        /// The stream inflates past the limit.
        case tooLarge
    }

    /// zlib's `windowBits` for a gzip wrapper: a 15-bit window plus 16 (gzip header and trailer).
    static let gzipWindowBits: Int32 = 15 + 16
    /// Output buffer growth step.
    static let chunkSize = 64 * 1024

    /// The content of the gzip stream `input`, at most `maxSize` bytes.
    static func decompress(_ input: UnsafeRawBufferPointer, maxSize: Int) throws(Failure) -> [UInt8] {
        guard !input.isEmpty else { throw .corrupt("empty body") }
        guard input.count < Int(UInt32.max), let base = input.baseAddress else { throw .tooLarge }
        var stream = z_stream()
        let initCode = inflateInit2_(&stream, gzipWindowBits, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        guard initCode == Z_OK else { throw .corrupt("zlib inflateInit failed with code \(initCode)") }
        defer { inflateEnd(&stream) }
        stream.next_in = UnsafeMutablePointer(mutating: base.assumingMemoryBound(to: UInt8.self))
        stream.avail_in = UInt32(truncatingIfNeeded: input.count)
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: chunkSize)
        while true {
            let (code, produced) = chunk.withUnsafeMutableBufferPointer { dst -> (Int32, Int) in
                stream.next_out = dst.baseAddress
                stream.avail_out = UInt32(truncatingIfNeeded: dst.count)
                let code = inflate(&stream, Z_NO_FLUSH)
                return (code, dst.count - Int(stream.avail_out))
            }
            if produced > 0 {
                guard out.count + produced <= maxSize else { throw .tooLarge }
                out.append(contentsOf: chunk[0..<produced])
            }
            switch code {
            case Z_STREAM_END: return out
            case Z_OK: continue
            case Z_BUF_ERROR: throw .corrupt("truncated gzip stream")
            default: throw .corrupt(stream.msg.map { String(cString: $0) } ?? "zlib code \(code)")
            }
        }
    }
}
