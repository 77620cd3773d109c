import StrataModel
import Testing
@testable import StrataPromQL

@Suite("label_replace and label_join")
struct LabelFunctionTests {
    typealias H = FunctionHarness

    static func replace(_ labels: [String: String], _ dst: String, _ repl: String, _ src: String, _ re: String) throws -> Vector {
        let q = "label_replace(x, \"\(dst)\", \"\(repl)\", \"\(src)\", \"\(re)\")"
        return try H.call("label_replace", [[H.sample(labels, 1)], [], [], [], []], query: q).out
    }

    @Test("full-string match with group expansion")
    func expansion() throws {
        let r = try Self.replace(["src": "source-value-10"], "dst", "destination-value-$1", "src", "source-value-(.*)")
        #expect(r.first?.metric["dst"] == "destination-value-10")
        // Not a substring match.
        let n = try Self.replace(["src": "source-value-10", "dst": "orig"], "dst", "x-$1", "src", "value-(.*)")
        #expect(n.first?.metric["dst"] == "orig")
        let two = try Self.replace(["src": "a-value-b"], "dst", "$1-value-$2", "src", "(.*)-value-(.*)")
        #expect(two.first?.metric["dst"] == "a-value-b")
    }

    @Test("Go template rules: $1x names a group, ${1}x does not, $$ is a dollar")
    func templates() throws {
        #expect(try Self.replace(["src": "ab"], "dst", "$1x", "src", "(a)b").first?.metric["dst"] == nil)
        #expect(try Self.replace(["src": "ab"], "dst", "${1}x", "src", "(a)b").first?.metric["dst"] == "ax")
        #expect(try Self.replace(["src": "ab"], "dst", "$$1", "src", "(a)b").first?.metric["dst"] == "$1")
        #expect(try Self.replace(["src": "ab"], "dst", "${n}!", "src", "(?P<n>a)b").first?.metric["dst"] == "a!")
        #expect(try Self.replace(["src": "ab"], "dst", "$", "src", "(a)b").first?.metric["dst"] == "$")
        // `\\d` is ASCII-only, as in Go.
        #expect(try Self.replace(["src": "x\u{0663}"], "dst", "$1", "src", "x(\\\\d)").first?.metric["dst"] == nil)
        #expect(try Self.replace(["src": "x3"], "dst", "$1", "src", "x(\\\\d)").first?.metric["dst"] == "3")
    }

    @Test("an empty result removes the label; a missing source is the empty string")
    func emptyValues() throws {
        let r = try Self.replace(["dst": "d", "a": "1"], "dst", "", "dst", ".*")
        #expect(r.first?.metric == Labels(["a": "1"]))
        let m = try Self.replace(["a": "1"], "dst", "value-$1", "nonexistent", "(.*)")
        #expect(m.first?.metric["dst"] == "value-")
    }

    @Test("replacing __name__ revives a name marked for removal")
    func nameRevival() throws {
        var s = H.sample(["__name__": "m", "a": "1"], 1)
        s.dropName = true
        let q = "label_replace(x, \"__name__\", \"rate_$1\", \"__name__\", \"(.+)\")"
        let r = try H.call("label_replace", [[s], [], [], [], []], query: q).out
        #expect(r.first?.metric.metricName == "rate_m")
        #expect(r.first?.dropName == false)
        let other = "label_replace(x, \"n\", \"$1\", \"__name__\", \"(.+)\")"
        #expect(try H.call("label_replace", [[s], [], [], [], []], query: other).out.first?.dropName == true)
    }

    @Test("invalid regex and destination names are execution errors")
    func errors() throws {
        #expect(throws: QueryError.self) { try Self.replace(["a": "1"], "dst", "$1", "a", "(.*") }
        #expect(throws: QueryError.self) {
            try H.call("label_replace", [[H.sample([:], 1)], [], [], [], []], query: "label_replace(x, \"\\xff\", \"\", \"a\", \"(.*)\")")
        }
    }

    @Test("label_join joins values in order, treating missing labels as empty")
    func join() throws {
        let s = H.sample(["src": "a", "src1": "b", "src2": "c", "dst": "orig"], 0)
        let q = "label_join(x, \"dst\", \"-\", \"src\", \"src3\", \"src1\")"
        let r = try H.call("label_join", [[s], [], [], [], [], []], query: q).out
        #expect(r.first?.metric["dst"] == "a--b")
        let none = try H.call("label_join", [[s], [], []], query: "label_join(x, \"dst\", \", \")").out
        #expect(none.first?.metric["dst"] == nil)
    }
}
