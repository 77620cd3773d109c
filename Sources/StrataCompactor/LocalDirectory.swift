import Foundation

/// The compactor's local working directories (downloads and outputs), through FileManager: this
/// is setup around a job, not a hot path.
enum LocalDirectory {
    /// Removes `path` and everything under it; a missing path is fine.
    static func remove(_ path: String) throws(CompactionError) {
        guard FileManager.default.fileExists(atPath: path) else { return }
        do {
            try FileManager.default.removeItem(atPath: path)
        } catch {
            throw .localDirectory(path: path, reason: "\(error)")
        }
    }

    /// An empty directory at `path`.
    static func recreate(_ path: String) throws(CompactionError) {
        try remove(path)
        try recreateIfMissing(path)
    }

    /// A directory at `path`, created with its parents when missing.
    static func recreateIfMissing(_ path: String) throws(CompactionError) {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw .localDirectory(path: path, reason: "\(error)")
        }
    }

    /// Bytes of the regular files under `path`.
    static func size(_ path: String) -> Int {
        guard let walker = FileManager.default.enumerator(atPath: path) else { return 0 }
        var total = 0
        while let name = walker.nextObject() as? String {
            let attributes = try? FileManager.default.attributesOfItem(atPath: path + "/" + name)
            if attributes?[.type] as? FileAttributeType == .typeRegular {
                total += (attributes?[.size] as? NSNumber)?.intValue ?? 0
            }
        }
        return total
    }
}
