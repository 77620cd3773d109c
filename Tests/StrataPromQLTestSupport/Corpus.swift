import Foundation

/// One expression taken from an upstream `.test` file.
public struct CorpusCase: Sendable, CustomStringConvertible {
    /// The `.test` file's name.
    public let file: String
    /// 1-based line of the `eval` command.
    public let line: Int
    /// The PromQL expression, as written.
    public let expression: String
    /// `eval_fail`, or followed by `expect fail`: may legitimately fail to parse.
    public let expectFail: Bool

    /// `file:line: expression`.
    public var description: String { "\(file):\(line): \(expression)" }
}

/// Reads the expressions of Prometheus's promqltest `.test` files.
public enum Corpus {
    /// `<repo>/../shared/testdata/promqltest`, found from this file's path.
    public static var directory: URL {
        URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent()  // StrataPromQLTestSupport
            .deletingLastPathComponent()  // Tests
            .deletingLastPathComponent()  // repo
            .deletingLastPathComponent()
            .appendingPathComponent("shared/testdata/promqltest")
    }

    /// The `.test` files, sorted; throws with a clear message when the folder is missing.
    public static func files(in dir: URL = directory) throws -> [URL] {
        guard FileManager.default.fileExists(atPath: dir.path) else {
            throw CorpusError.missing(dir.path)
        }
        return try FileManager.default.contentsOfDirectory(at: dir, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "test" }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
    }

    /// Every evaluated expression of one file.
    public static func cases(in url: URL) throws -> [CorpusCase] {
        let text = try String(contentsOf: url, encoding: .utf8)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        var result: [CorpusCase] = []
        for (i, raw) in lines.enumerated() {
            let line = raw.drop { $0 == " " || $0 == "\t" }
            guard line.hasPrefix("eval") else { continue }
            let words = line.split(separator: " ", omittingEmptySubsequences: true)
            guard words.count >= 2 else { continue }
            let command = words[0]
            guard ["eval", "eval_fail", "eval_ordered", "eval_warn", "eval_info"].contains(command) else { continue }
            // eval instant at <t> EXPR | eval range from <a> to <b> step <s> EXPR
            let skip: Int
            if words[1] == "instant" { skip = 4 } else if words[1] == "range" { skip = 8 } else { continue }
            guard words.count > skip else { continue }
            // Keep the expression's own spacing: cut after the `skip`-th word.
            var rest = Substring(line)
            for _ in 0..<skip {
                rest = rest.drop { $0 == " " || $0 == "\t" }
                rest = rest.drop { $0 != " " && $0 != "\t" }
            }
            let expression = rest.trimmingCharacters(in: .whitespaces)
            var expectFail = command == "eval_fail"
            var j = i + 1
            while j < lines.count {
                let next = lines[j].trimmingCharacters(in: .whitespaces)
                guard next.hasPrefix("expect ") else { break }
                if next.hasPrefix("expect fail") { expectFail = true }
                j += 1
            }
            result.append(CorpusCase(file: url.lastPathComponent, line: i + 1, expression: expression, expectFail: expectFail))
        }
        return result
    }
}

/// Why the corpus could not be read.
public enum CorpusError: Error, CustomStringConvertible {
    case missing(String)

    /// What is missing and what it must hold.
    public var description: String {
        "PromQL test corpus not found at \(missingPath): it must hold Prometheus's promqltest .test files"
    }

    private var missingPath: String {
        switch self { case .missing(let p): return p }
    }
}
