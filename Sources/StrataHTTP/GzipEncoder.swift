import CZlib
import NIOCore

/// Gzip (RFC 1952) compression of API responses with the system zlib (Debian `zlib1g-dev`).
enum GzipEncoder {
    /// Fast compression: API JSON is repetitive enough that level 1 gets most of the gain at a
    /// fraction of the CPU of the default level.
    static let level: Int32 = 1
    /// zlib's `windowBits` for a gzip wrapper: 15-bit window plus 16 (header and CRC trailer).
    static let gzipWindowBits: Int32 = 15 + 16
    /// zlib's default `memLevel`.
    static let memLevel: Int32 = 8

    /// `input` as one gzip member, or nil when zlib reports an error (the caller then sends the
    /// body uncompressed, which every client accepts).
    static func compress(_ input: ByteBuffer) -> ByteBuffer? {
        input.withUnsafeReadableBytes { raw -> ByteBuffer? in
            var stream = z_stream()
            // deflateInit2 is a C macro; its function takes the library version and struct size.
            let rc = deflateInit2_(&stream, level, Z_DEFLATED, gzipWindowBits, memLevel, Z_DEFAULT_STRATEGY,
                                   ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
            guard rc == Z_OK else { return nil }
            defer { deflateEnd(&stream) }
            let bound = Int(deflateBound(&stream, UInt(raw.count))) + 32
            var out = ByteBufferAllocator().buffer(capacity: bound)
            let src = raw.bindMemory(to: UInt8.self)
            guard src.count < Int(UInt32.max), bound < Int(UInt32.max) else { return nil }
            var finished = false
            _ = out.writeWithUnsafeMutableBytes(minimumWritableBytes: bound) { dst -> Int in
                stream.next_in = UnsafeMutablePointer(mutating: src.baseAddress)
                stream.avail_in = UInt32(truncatingIfNeeded: src.count)
                stream.next_out = dst.baseAddress?.assumingMemoryBound(to: UInt8.self)
                stream.avail_out = UInt32(truncatingIfNeeded: dst.count)
                guard deflate(&stream, Z_FINISH) == Z_STREAM_END else { return 0 }
                finished = true
                return dst.count - Int(stream.avail_out)
            }
            return finished ? out : nil
        }
    }

    /// True when an `Accept-Encoding` header value names gzip (`gzip`, `gzip;q=0.8`) without
    /// refusing it with `q=0`.
    static func accepts(_ acceptEncoding: String?) -> Bool {
        guard let acceptEncoding else { return false }
        for item in acceptEncoding.split(separator: ",") {
            let parts = item.split(separator: ";").map { $0.trimmingCharacters(in: " \t").lowercased() }
            guard let coding = parts.first, coding == "gzip" || coding == "x-gzip" else { continue }
            let refused = parts.dropFirst().contains { $0.hasPrefix("q=") && Double($0.dropFirst(2)) == 0 }
            return !refused
        }
        return false
    }
}

extension StringProtocol {
    fileprivate func trimmingCharacters(in set: String) -> String {
        var s = Substring(self)
        while let f = s.first, set.contains(f) { s = s.dropFirst() }
        while let l = s.last, set.contains(l) { s = s.dropLast() }
        return String(s)
    }
}
