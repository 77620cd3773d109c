import StrataModel
import Testing
@testable import StrataPromQL

/// label_replace's regex: Prometheus compiles `^(?s:regex)$` with Go's (RE2's) syntax and
/// searches it; the template is Go's `Regexp.Expand`.
@Suite("label_replace regexes on RE2")
struct LabelReplaceRegexTests {
    typealias H = FunctionHarness

    /// `label_replace(x, "dst", repl, "src", re)`, with `repl` and `re` as raw (backtick) strings.
    static func replace(_ src: String?, _ repl: String, _ re: String) throws -> String? {
        let q = "label_replace(x, \"dst\", `\(repl)`, \"src\", `\(re)`)"
        var labels = ["dst": "orig"]
        if let src { labels["src"] = src }
        return try H.call("label_replace", [[H.sample(labels, 1)], [], [], [], []], query: q).out.first?.metric["dst"]
    }

    @Test func anchoredAndDotMatchesNewline() throws {
        #expect(try Self.replace("ab", "y", "a|b") == "orig")
        #expect(try Self.replace("b", "y", "a|b") == "y")
        #expect(try Self.replace("foobar", "y", "foo") == "orig")
        #expect(try Self.replace("a\nb", "[$1]", "a(.)b") == "[\n]")
        #expect(try Self.replace("A", "y", "(?i)a") == "y")
        // A missing source label is the empty string, which `.*` and `` match.
        #expect(try Self.replace(nil, "y", "") == "y")
        #expect(try Self.replace(nil, "y", ".+") == "orig")
    }

    @Test func namedAndNumberedGroups() throws {
        let re = "(?P<host>[a-z0-9.-]+):(?<port>\\d+)"
        #expect(try Self.replace("db-1.example:9100", "$host", re) == "db-1.example")
        #expect(try Self.replace("db-1.example:9100", "${port}-${1}", re) == "9100-db-1.example")
        #expect(try Self.replace("db-1.example:9100", "$2$1", re) == "9100db-1.example")
        #expect(try Self.replace("db-1.example:9100", "${0}", re) == "db-1.example:9100")
        // Unknown names and numbers expand to nothing, as in Go.
        #expect(try Self.replace("db-1.example:9100", "[$nope$7]", re) == "[]")
        // A group that takes no part is empty.
        #expect(try Self.replace("b", "[$1|$2]", "(a)|(b)") == "[|b]")
        // Duplicate names: the leftmost that took part.
        #expect(try Self.replace("b", "$n", "(?P<n>a)|(?P<n>b)") == "b")
    }

    @Test func utf8() throws {
        #expect(try Self.replace("ü-日", "$2$1", "(.)-(.)") == "日ü")
        #expect(try Self.replace("ü", "y", "[ü]") == "y")
        #expect(try Self.replace("e\u{301}", "y", "é") == "orig")
    }

    @Test func prometheusWrapsThePatternAsText() throws {
        // `^(?s:a)|(b)$`: Prometheus concatenates the text, so this searches "a" at the start or
        // "b" at the end.
        #expect(try Self.replace("xb", "[$1]", "a)|(b") == "[b]")
        #expect(try Self.replace("ax", "[$1]", "a)|(b") == "[]")
    }

    @Test func invalidRegexIsPrometheusText() {
        for pattern in ["(a", "a**", "a{1001}", "(?=x)", "\\C"] {
            #expect(throws: QueryError.execution("invalid regular expression in label_replace(): \(pattern)")) {
                _ = try Self.replace("a", "y", pattern)
            }
        }
    }

    /// The case: a backtracking engine takes exponential time here; RE2 is linear.
    @Test func nestedQuantifiersRunInLinearTime() throws {
        let value = String(repeating: "a", count: 10_000)
        let clock = ContinuousClock()
        let start = clock.now
        #expect(try Self.replace(value, "x", "(a+)+b") == "orig")
        let noMatch = clock.now - start
        #expect(try Self.replace(value, "x", "(a+)+") == "x")
        let first = try Self.replace(value, "$1", "(a+)+")
        #expect(first?.utf8.count == 10_000)
        let elapsed = clock.now - start
        print("label_replace (a+)+b against 10,000 a's: \(noMatch); with (a+)+ and $1 as well: \(elapsed)")
        #expect(elapsed < .seconds(5))
    }
}
