import Foundation

/// Finds and reads the upstream promqltest corpus.
enum ConformanceCorpus {
    /// `<repo>/../shared/testdata/promqltest`, found from this file's path (so clones and
    /// harnesses next to a `shared` folder work too).
    static var directory: URL {
        URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent()  // Conformance
            .deletingLastPathComponent()  // StrataPromQLTestSupport
            .deletingLastPathComponent()  // Tests
            .deletingLastPathComponent()  // repo
            .deletingLastPathComponent()
            .appendingPathComponent("shared/testdata/promqltest")
    }

    /// The `.test` file names, sorted; throws with a clear message when the folder is missing.
    static func files() throws -> [String] {
        let dir = directory
        guard FileManager.default.fileExists(atPath: dir.path) else { throw ConformanceCorpusMissing(path: dir.path) }
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".test") }.sorted()
        guard !names.isEmpty else { throw ConformanceCorpusMissing(path: dir.path) }
        return names
    }

    /// The text of one file.
    static func text(of file: String) throws -> String {
        try String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8)
    }
}

/// The corpus folder is not where it should be.
struct ConformanceCorpusMissing: Error, CustomStringConvertible {
    var path: String
    var description: String {
        "PromQL test corpus not found at \(path): it must hold Prometheus's promqltest .test files (see /work/shared/testdata/promqltest/SOURCE.md)"
    }
}
