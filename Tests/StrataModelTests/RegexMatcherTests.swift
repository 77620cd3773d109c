import StrataTestSupport
@testable import StrataModel
import Testing

/// Prometheus 3's matcher semantics on RE2: `^(?s:pattern)$`, Go's syntax and error texts.
@Suite struct RegexMatcherTests {
    static func re(_ pattern: String) throws -> LabelMatcher { try LabelMatcher(.regexMatch, "x", pattern) }

    /// The RE2 answer for `pattern`, bypassing the fast shapes and the shared cache.
    static func engine(_ pattern: String, _ value: String) throws -> Bool {
        try RegexCache.compile(pattern, flavor: .matcher).matches(value)
    }

    @Test func anchoredAtBothEnds() throws {
        #expect(try !Self.re("foo").matches("foobar"))
        #expect(try !Self.re("foo").matches("xfoo"))
        #expect(try !Self.re("fo[o]").matches("foobar"))
        #expect(try Self.re("fo[o]").matches("foo"))
        // The anchors enclose the whole alternation, not its first and last branch.
        #expect(try !Self.re("a|b").matches("ab"))
        #expect(try !Self.re("a|b+").matches("ab"))
        #expect(try Self.re("a|b+").matches("bb"))
        #expect(try !Self.re("x|[y]z").matches("xz"))
        // A full match exists only through the second alternative: still found.
        #expect(try Self.re("a|ab").matches("ab"))
        #expect(try Self.engine("a|ab", "ab"))
    }

    @Test func caseInsensitiveFlag() throws {
        #expect(try Self.re("(?i)FOO").matches("foo"))
        #expect(try Self.re("(?i)FOO").matches("FoO"))
        #expect(try !Self.re("(?i)FOO").matches("foox"))
        #expect(try !Self.re("FOO").matches("foo"))
        #expect(try Self.re("(?i)straße").matches("STRASSE") == false)
        #expect(try Self.re("(?i)é").matches("É"))
    }

    @Test func dotMatchesNewline() throws {
        #expect(try Self.re("a.b").matches("a\nb"))
        #expect(try Self.re(".*").matches("\n\n"))
        #expect(try Self.re(".+").matches("\n"))
        #expect(try Self.re("a.*").matches("a\nb"))
        #expect(try Self.re("(.)").matches("\n"))
        // A pattern may turn the flag off for itself.
        #expect(try !Self.re("(?-s:.)").matches("\n"))
        // Negated classes include newline (Go's ClassNL).
        #expect(try Self.re("[^a]").matches("\n"))
    }

    @Test func emptyValues() throws {
        #expect(try Self.re("").matches(""))
        #expect(try !Self.re("").matches("a"))
        #expect(try Self.re("").matchesEmpty)
        #expect(try Self.re(".*").matchesEmpty)
        #expect(try Self.re("a*").matchesEmpty)
        #expect(try !Self.re(".+").matchesEmpty)
        #expect(try Self.re("x|").matchesEmpty)
        let notEmpty = try LabelMatcher(.regexNoMatch, "x", "")
        #expect(notEmpty.matches("a"))
        #expect(!notEmpty.matches(""))
        #expect(!notEmpty.matchesEmpty)
        #expect(try !LabelMatcher(.regexNoMatch, "x", ".*").matchesEmpty)
    }

    @Test func utf8() throws {
        // `.` is one character, whatever its byte length.
        for c in ["ü", "日", "😀", "a"] {
            #expect(try Self.re("^.$").matches(c), "\(c)")
            #expect(try Self.re(".").matches(c), "\(c)")
            #expect(try !Self.re("..").matches(c), "\(c)")
        }
        #expect(try Self.re("[ü]").matches("ü"))
        #expect(try Self.re("[äöü]+").matches("üöä"))
        #expect(try Self.re("\\x{FC}").matches("ü"))
        #expect(try Self.re("\\p{Han}+").matches("日本"))
        // Characters are code points as in Go, not grapheme clusters: e + U+0301 is two.
        #expect(try Self.re("..").matches("e\u{301}"))
        #expect(try !Self.re(".").matches("e\u{301}"))
        // Bytes, not canonical equivalence: precomposed é does not match e + U+0301.
        #expect(try !Self.re("é").matches("e\u{301}"))
        #expect(try !Self.re("[é]").matches("e\u{301}"))
        #expect(try !Self.re("é|x").matches("e\u{301}"))
        #expect(try !Self.re("é.*").matches("e\u{301}x"))
        #expect(try Self.re("e.*").matches("e\u{301}x"))
        #expect(try !LabelMatcher(.equal, "x", "é").matches("e\u{301}"))
        // `\d`, `\w`, `\s` are ASCII-only as in Go.
        #expect(try !Self.re("\\d").matches("\u{0663}"))
        #expect(try !Self.re("\\w").matches("ü"))
    }

    @Test("syntax errors are Go's regexp/syntax texts", arguments: [
        ("(a", "missing closing ): `(a`"),
        ("a)", "unexpected ): `a)`"),
        ("[a", "missing closing ]: `[a`"),
        ("a**", "invalid nested repetition operator: `**`"),
        ("a{1001}", "invalid repeat count: `{1001}`"),
        ("(a{1000}){1000}", "invalid repeat count: `{1000}`"),
        ("[z-a]", "invalid character class range: `z-a`"),
        ("\\8", "invalid escape sequence: `\\8`"),
        ("\\C", "invalid escape sequence: `\\C`"),
        ("\\Z", "invalid escape sequence: `\\Z`"),
        ("*", "missing argument to repetition operator: `*`"),
        ("(?=a)", "invalid or unsupported Perl syntax: `(?=`"),
        ("(?i", "invalid or unsupported Perl syntax: `(?i`"),
        ("a\\", "trailing backslash at end of expression: ``"),
        ("\\pX", "invalid character class range: `\\pX`"),
        ("(?P<>a)", "invalid named capture: `(?P<>`"),
        ("(?<n>a)(", "missing closing ): `(?<n>a)(`"),
    ])
    func syntaxErrors(pattern: String, text: String) {
        #expect {
            _ = try LabelMatcher(.regexMatch, "x", pattern)
        } throws: { error in
            guard let e = error as? MatcherError else { return false }
            return e.description == "error parsing regexp: \(text)" && e == .invalidRegex(pattern: pattern, reason: Self.reason(e))
        }
        // label_replace's compilation refuses it as well.
        #expect(throws: RegexSyntaxError.self) { try RE2Regex.labelReplace(pattern) }
    }

    static func reason(_ e: MatcherError) -> RegexSyntaxError {
        switch e { case .invalidRegex(_, let r): return r }
    }

    @Test func goOnlySyntaxIsAccepted() throws {
        // Go 1.22 accepts `(?<name>...)`; this RE2 needs `(?P<name>...)`.
        #expect(try Self.re("(?<n>a)b").matches("ab"))
        #expect(try Self.re("[(?<n>a)]").matches("<"))
        #expect(try RE2Regex.labelReplace("(?<host>[a-z]+):(?P<port>\\d+)").namedGroups.map(\.name) == ["host", "port"])
        #expect(try Self.re("\\Q(?<n>\\E").matches("(?<n>"))
        #expect(try Self.re("x{1000}").matches(String(repeating: "x", count: 1000)))
        #expect(try Self.re("\\_").matches("_"))
    }

    @Test func fastShapesAreRecognised() throws {
        func shape(_ p: String) -> String {
            switch FastRegexShape.parse(p) {
            case nil: return "regex"
            case .literal?: return "literal"
            case .set?: return "set"
            case .any?: return "any"
            case .nonEmpty?: return "nonEmpty"
            case .prefix?: return "prefix"
            case .suffix?: return "suffix"
            case .contains?: return "contains"
            case .regex?: return "regex"
            }
        }
        #expect(shape("foo") == "literal")
        #expect(shape("foo\\.bar") == "literal")
        #expect(shape("a|b|c") == "set")
        #expect(shape(".*") == "any")
        #expect(shape(".+") == "nonEmpty")
        #expect(shape("foo.*") == "prefix")
        #expect(shape("foo.+") == "prefix")
        #expect(shape(".*foo") == "suffix")
        #expect(shape(".*foo.*") == "contains")
        for p in ["(?i)foo", "foo\\d", ".*?", ".**", "a.b", "a|b.*", "[a]", "a+", "^a", "a$", "\\Qa\\E", "a{2}", ".*{2}", "(a)"] {
            #expect(shape(p) == "regex", "\(p)")
        }
        #expect(try Self.re("foo\\.bar").setMatches == ["foo.bar"])
        #expect(try Self.re("a|b|a").setMatches == ["a", "b"])
    }

    /// Every pattern built from these pieces that takes a fast shape must answer as RE2 does.
    @Test func fastShapesAgreeWithRE2() throws {
        let pieces = ["a", "b", "é", "e\u{301}", "\\.", "\\|", "\\*", ".", ".*", ".+", "|", "\n", "\\-", "x"]
        let inputs = ["", "a", "b", "ab", "ba", "aa", ".", "|", "*", "\n", "a\nb", "é", "e\u{301}", "ée\u{301}", "a.b", "a|b",
                      "x", "xa", "ax", "-", "a-", "ba.", "éa", "aé", "bbb", "a*", "*a"]
        var generator = SeededRandom(seed: 13)
        var checked = 0
        var fast = 0
        for _ in 0..<3000 {
            let length = Int(generator.next() % 5)
            var pattern = ""
            for _ in 0..<length { pattern += pieces[Int(generator.next() % UInt64(pieces.count))] }
            checked += 1
            guard let shape = FastRegexShape.parse(pattern) else { continue }
            fast += 1
            let compiled = try RegexCache.compile(pattern, flavor: .matcher)
            for input in inputs {
                #expect(shape.matches(input) == compiled.matches(input), "pattern \(pattern.debugDescription) input \(input.debugDescription)")
            }
        }
        // The generator must actually exercise the fast shapes.
        #expect(fast > 300, "\(fast) of \(checked)")
    }

    @Test func cacheStaysWithinItsByteBudget() throws {
        let budget = 256 << 10
        let cache = RegexCache(budgetBytes: budget)
        var largest = 0
        for i in 0..<400 {
            // Distinct patterns of 100-600 instructions each.
            _ = try cache.regex("a{\(100 + i % 500)}|b\(i)", flavor: .matcher)
            #expect(cache.bytes <= budget)
            largest = max(largest, cache.bytes)
        }
        #expect(cache.count < 400)
        #expect(cache.count > 0)
        #expect(largest > budget / 2)
        // Least recently used goes first: a pattern used in between stays.
        let kept = try cache.regex("kept[0-9]+", flavor: .matcher)
        for i in 0..<400 {
            _ = try cache.regex("c{\(100 + i % 500)}|d\(i)", flavor: .matcher)
            #expect(try cache.regex("kept[0-9]+", flavor: .matcher) === kept)
        }
        #expect(cache.bytes <= budget)
        // A regex larger than the whole budget is compiled and used, but not kept.
        let tiny = RegexCache(budgetBytes: 1024)
        #expect(try tiny.regex("a[bc]+", flavor: .matcher).matches("abcb"))
        #expect(tiny.count == 0 && tiny.bytes == 0)
    }

    @Test func cacheKeysAreBytesAndFlavors() throws {
        let cache = RegexCache(budgetBytes: 1 << 20)
        let nfc = try cache.regex("[é]", flavor: .matcher)
        let nfd = try cache.regex("[e\u{301}]", flavor: .matcher)
        #expect(nfc !== nfd)
        #expect(nfd.matches("\u{301}"))
        #expect(!nfc.matches("\u{301}"))
        let replace = try cache.regex("[é]", flavor: .labelReplace)
        #expect(replace !== nfc)
        #expect(cache.count == 3)
    }

    @Test func concurrentUseIsSafe() async throws {
        let cache = RegexCache(budgetBytes: 64 << 10)
        try await withThrowingTaskGroup(of: Int.self) { group in
            for t in 0..<8 {
                group.addTask {
                    var hits = 0
                    for i in 0..<300 {
                        let re = try cache.regex("t\((t + i) % 40)[a-z]+", flavor: .matcher)
                        if re.matches("t\((t + i) % 40)abc") { hits += 1 }
                    }
                    return hits
                }
            }
            var total = 0
            for try await hits in group { total += hits }
            #expect(total == 8 * 300)
        }
        #expect(cache.bytes <= 64 << 10)
    }

    /// The case: an exponential backtracking engine never finishes this; RE2 is linear.
    @Test func nestedQuantifiersRunInLinearTime() throws {
        let value = String(repeating: "a", count: 10_000)
        let clock = ContinuousClock()
        let start = clock.now
        let matcher = try Self.re("(a+)+b")
        #expect(!matcher.matches(value))
        #expect(try Self.re("(a+)+").matches(value))
        #expect(try LabelMatcher(.regexNoMatch, "x", "(a|aa)+b").matches(value))
        let elapsed = clock.now - start
        print("(a+)+b and (a+)+ and (a|aa)+b against 10,000 a's as matchers (compile + match): \(elapsed)")
        // Generous: a backtracking engine takes longer than the age of the universe.
        #expect(elapsed < .seconds(5))
    }
}
