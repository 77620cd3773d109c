import Foundation
import StrataModel

/// Runs promtool, the real Prometheus tool, for block compatibility checks.
public enum Promtool {
    /// Where Debian's `prometheus` package installs it.
    public static let path = "/usr/bin/promtool"

    /// promtool is missing or printed something unexpected.
    public struct Failure: Error, CustomStringConvertible {
        /// What went wrong.
        public var description: String
    }

    /// Throws with an actionable message when promtool is not installed.
    public static func require() throws {
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw Failure(description: "promtool not found at \(path): install the Debian package `prometheus` (promtool 2.42) to run the block compatibility tests")
        }
    }

    /// Runs promtool with `args` and returns its stdout (see `ExternalTool.run`).
    @discardableResult
    public static func run(_ args: [String]) throws -> String {
        try ExternalTool.run(path, args)
    }

    /// Parses `promtool tsdb dump` output: one `{name="value", …} <value %g> <timestamp ms>` line
    /// per sample. NaNs print as `NaN` (a stale marker and any other NaN alike).
    public static func parseDump(_ text: String) throws -> [Labels: [Sample]] {
        var out: [Labels: [Sample]] = [:]
        for line in text.split(separator: "\n") {
            let chars = Array(line.unicodeScalars)
            func bad(_ why: String) -> Failure { Failure(description: "bad dump line (\(why)): \(line)") }
            var i = 0
            guard chars.first == "{" else { throw bad("no opening brace") }
            i += 1
            var labels: [Label] = []
            while i < chars.count && chars[i] != "}" {
                var name = ""
                while i < chars.count && chars[i] != "=" { name.unicodeScalars.append(chars[i]); i += 1 }
                i += 2 // `="`
                var value = ""
                while i < chars.count && chars[i] != "\"" {
                    if chars[i] == "\\" && i + 1 < chars.count {
                        i += 1
                        switch chars[i] {
                        case "n": value += "\n"
                        case "t": value += "\t"
                        default: value.unicodeScalars.append(chars[i])
                        }
                    } else {
                        value.unicodeScalars.append(chars[i])
                    }
                    i += 1
                }
                guard i < chars.count else { throw bad("unterminated label value") }
                i += 1 // closing quote
                labels.append(Label(name: name, value: value))
                if i < chars.count && chars[i] == "," { i += 2 }
            }
            i += 2 // `} `
            guard i <= chars.count else { throw bad("no sample") }
            let rest = String(String.UnicodeScalarView(chars[i...])).split(separator: " ")
            guard rest.count == 2, let v = parseGoFloat(String(rest[0])), let t = Int64(rest[1]) else {
                throw bad("sample is not `<value> <timestamp>`")
            }
            out[Labels(labels), default: []].append(Sample(timestamp: t, value: v))
        }
        return out
    }

    /// Go's `%g` text of a float64 back to the value.
    public static func parseGoFloat(_ s: String) -> Double? {
        switch s {
        case "NaN": return .nan
        case "+Inf": return .infinity
        case "-Inf": return -.infinity
        default: return Double(s)
        }
    }
}
