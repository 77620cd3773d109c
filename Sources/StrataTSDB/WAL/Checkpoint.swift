import Glibc
import Logging

/// Checkpoints: `<wal dir>/checkpoint.%08d/`, a directory of WAL segments holding the state of
/// every segment up to and including the index, so replay can skip those segments.
///
/// A checkpoint is written to `checkpoint.%08d.tmp`, fsynced, renamed into place and the WAL
/// directory fsynced: a crash leaves either the old checkpoint or the complete new one, and a
/// leftover `.tmp` is ignored by `latest` and removed by the next `write`.
public enum Checkpoint {
    /// Directory name prefix of a checkpoint.
    static let prefix = "checkpoint."
    /// Suffix of a checkpoint still being written.
    static let temporarySuffix = ".tmp"
    /// Records are handed to the WAL in batches of about this many bytes (one write each).
    static let batchBytes = 1024 * 1024

    /// The path of checkpoint `index`.
    public static func path(walDirectory: String, index: Int) -> String {
        walDirectory + "/" + prefix + FileIO.zeroPadded(index, width: WAL.segmentNameWidth)
    }

    /// The newest complete checkpoint in `walDirectory`, or nil (also when the directory is missing).
    public static func latest(in walDirectory: String) throws(WALError) -> (index: Int, path: String)? {
        guard FileIO.exists(walDirectory) else { return nil }
        var best: Int? = nil
        for name in try FileIO.list(walDirectory) {
            guard let index = parse(name) else { continue }
            let full = walDirectory + "/" + name
            guard FileIO.isDirectory(full) else { continue }
            if best.map({ index > $0 }) ?? true { best = index }
        }
        return best.map { ($0, path(walDirectory: walDirectory, index: $0)) }
    }

    /// The index of a complete checkpoint's directory name, or nil.
    static func parse(_ name: String) -> Int? {
        guard name.hasPrefix(prefix) else { return nil }
        let digits = name.dropFirst(prefix.count)
        guard !digits.isEmpty, digits.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else { return nil }
        return Int(digits)
    }

    /// Writes `records` as a checkpoint covering segments <= `index`, atomically, then deletes
    /// older checkpoints and `.tmp` leftovers. Returns the checkpoint's path.
    @discardableResult
    public static func write(walDirectory: String, index: Int, records: some Sequence<[UInt8]>, logger: Logger) throws(WALError) -> String {
        let final = path(walDirectory: walDirectory, index: index)
        let temporary = final + temporarySuffix
        try FileIO.removeTree(temporary)
        let wal = try WAL(directory: temporary, logger: logger)
        var batch: [[UInt8]] = []
        var batchSize = 0
        var count = 0
        for record in records {
            batch.append(record)
            batchSize += record.count
            count += 1
            if batchSize >= batchBytes {
                try wal.log(batch)
                batch.removeAll(keepingCapacity: true)
                batchSize = 0
            }
        }
        if !batch.isEmpty { try wal.log(batch) }
        let written = wal.bytesWritten
        try wal.close()
        try FileIO.fsyncDirectory(temporary)
        // Replacing a checkpoint of the same index: the old one goes first, as rename(2) cannot
        // replace a non-empty directory.
        try FileIO.removeTree(final)
        try FileIO.rename(temporary, final)
        try FileIO.fsyncDirectory(walDirectory)
        var removed = 0
        for name in try FileIO.list(walDirectory) where name.hasPrefix(prefix) {
            let older = parse(name).map { $0 < index } ?? false
            if older || name.hasSuffix(temporarySuffix) {
                try FileIO.removeTree(walDirectory + "/" + name)
                removed += 1
            }
        }
        if removed > 0 { try FileIO.fsyncDirectory(walDirectory) }
        logger.info("WAL checkpoint written", metadata: [
            "dir": "\(final)", "through_segment": "\(index)", "records": "\(count)", "bytes": "\(written)",
        ])
        return final
    }
}
