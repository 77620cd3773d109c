/// Cuts a byte stream of concatenated JSON objects (etcd's streaming watch body) into objects.
///
/// Tracks brace depth outside strings; bytes between objects (newlines) are skipped. A single
/// object larger than `maxObjectBytes` is an error rather than unbounded buffering.
struct JSONObjectSplitter {
    /// Upper bound for one watch message; a ring with thousands of instances stays well below it.
    static let defaultMaxObjectBytes = 64 << 20

    private var buffer: [UInt8] = []
    private var scanned = 0
    private var depth = 0
    private var inString = false
    private var escaped = false
    private var objectStart: Int?
    let maxObjectBytes: Int

    init(maxObjectBytes: Int = JSONObjectSplitter.defaultMaxObjectBytes) {
        self.maxObjectBytes = maxObjectBytes
    }

    struct TooLarge: Error {
        let bytes: Int
    }

    /// Appends `bytes` and returns every object completed by them.
    mutating func append(_ bytes: some Sequence<UInt8>) throws(TooLarge) -> [[UInt8]] {
        buffer.append(contentsOf: bytes)
        var objects: [[UInt8]] = []
        var consumed = 0
        while scanned < buffer.count {
            let byte = buffer[scanned]
            if inString {
                if escaped {
                    escaped = false
                } else if byte == UInt8(ascii: "\\") {
                    escaped = true
                } else if byte == UInt8(ascii: "\"") {
                    inString = false
                }
            } else if byte == UInt8(ascii: "\"") {
                if depth > 0 { inString = true }
            } else if byte == UInt8(ascii: "{") {
                if depth == 0 { objectStart = scanned }
                depth += 1
            } else if byte == UInt8(ascii: "}") && depth > 0 {
                depth -= 1
                if depth == 0, let start = objectStart {
                    objects.append(Array(buffer[start...scanned]))
                    objectStart = nil
                    consumed = scanned + 1
                }
            } else if depth == 0 {
                consumed = scanned + 1
            }
            scanned += 1
        }
        if consumed > 0 {
            buffer.removeFirst(consumed)
            scanned -= consumed
            if let start = objectStart { objectStart = start - consumed }
        }
        if buffer.count > maxObjectBytes { throw TooLarge(bytes: buffer.count) }
        return objects
    }
}
