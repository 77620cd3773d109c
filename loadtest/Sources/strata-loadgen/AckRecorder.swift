import Foundation
import StrataModel

/// Writes `-record-acked` files: for every acknowledged request, one line per sample it carried,
/// so that a checker can later verify that every acknowledged sample was stored.
///
/// Format (text, one record per line, appended to):
///
///     # strata-loadgen acked-samples v1 url=<url> seed=<seed> started_ms=<ms>
///     S <hash> <series in Prometheus notation>
///     A <hash> <timestamp ms> <value bits>
///
/// `hash` is `Labels.stableHash` (xxHash64 over `name 0xff value 0xff …` of the sorted labels) as
/// 16 lowercase hex digits; `value bits` is the IEEE-754 bit pattern of the value as 16 hex digits,
/// so NaN and -0 round-trip exactly. `S` lines come first, one per series of the fleet (whether or
/// not any of its samples were acknowledged); `A` lines follow in acknowledgement order, which is
/// time order per series.
///
/// Not `Sendable`: one task owns it and writes outside the timed phase.
final class AckRecorder {
    private let handle: FileHandle
    private var buffer: [UInt8] = []
    /// Number of `A` lines written.
    private(set) var samplesWritten = 0

    /// Opens (creating if needed) `path` for appending.
    init(path: String) throws {
        if !FileManager.default.fileExists(atPath: path) {
            guard FileManager.default.createFile(atPath: path, contents: nil) else {
                throw RecorderError(description: "cannot create -record-acked file \(path)")
            }
        }
        guard let handle = FileHandle(forWritingAtPath: path) else {
            throw RecorderError(description: "cannot open -record-acked file \(path) for writing")
        }
        self.handle = handle
        handle.seekToEndOfFile()
        buffer.reserveCapacity(1 << 20)
    }

    /// Writes the run header and one `S` line per series.
    func writeHeader(config: Config, fleet: Fleet, startedMs: Int64) throws {
        append("# strata-loadgen acked-samples v1 url=\(config.url) seed=\(config.seed) started_ms=\(startedMs)\n")
        for series in fleet.series {
            buffer.append(UInt8(ascii: "S"))
            buffer.append(UInt8(ascii: " "))
            appendHex(series.hash)
            buffer.append(UInt8(ascii: " "))
            append(series.labels.description)
            buffer.append(UInt8(ascii: "\n"))
            try flushIfFull()
        }
        try flush()
    }

    /// Writes one `A` line per sample of an acknowledged request.
    func write(_ content: RequestContent) throws {
        var offset = 0
        for (hash, count) in zip(content.hashes, content.counts) {
            for sample in content.samples[offset..<offset + Int(count)] {
                buffer.append(UInt8(ascii: "A"))
                buffer.append(UInt8(ascii: " "))
                appendHex(hash)
                buffer.append(UInt8(ascii: " "))
                append(String(sample.timestamp))
                buffer.append(UInt8(ascii: " "))
                appendHex(sample.value.bitPattern)
                buffer.append(UInt8(ascii: "\n"))
            }
            offset += Int(count)
            samplesWritten += Int(count)
            try flushIfFull()
        }
    }

    /// Writes buffered lines to the file.
    func flush() throws {
        guard !buffer.isEmpty else { return }
        try handle.write(contentsOf: buffer)
        buffer.removeAll(keepingCapacity: true)
    }

    /// Flushes and closes the file.
    func close() throws {
        try flush()
        try handle.close()
    }

    private func flushIfFull() throws {
        if buffer.count >= 1 << 20 { try flush() }
    }

    private func append(_ s: String) {
        buffer.append(contentsOf: s.utf8)
    }

    private func appendHex(_ v: UInt64) {
        let digits: StaticString = "0123456789abcdef"
        digits.withUTF8Buffer { d in
            var shift = 60
            while shift >= 0 {
                buffer.append(d[Int((v >> UInt64(shift)) & 0xf)])
                shift -= 4
            }
        }
    }
}

/// A `-record-acked` file problem.
struct RecorderError: Error, CustomStringConvertible {
    var description: String
}
