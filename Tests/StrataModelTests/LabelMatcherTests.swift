import StrataModel
import Testing

@Suite struct LabelMatcherTests {
    @Test func equalityMatchers() throws {
        let eq = try LabelMatcher(.equal, "job", "api")
        #expect(eq.matches("api"))
        #expect(!eq.matches("apis"))
        let ne = try LabelMatcher(.notEqual, "job", "api")
        #expect(!ne.matches("api"))
        #expect(ne.matches(""))
    }

    @Test func regexIsFullyAnchored() throws {
        let re = try LabelMatcher(.regexMatch, "job", "a[pq]i")
        #expect(re.matches("api"))
        #expect(!re.matches("xapi"))
        #expect(!re.matches("apix"))
        let nre = try LabelMatcher(.regexNoMatch, "job", "a[pq]i")
        #expect(nre.matches("xapi"))
        #expect(!nre.matches("aqi"))
    }

    @Test func dotMatchesNewline() throws {
        #expect(try LabelMatcher(.regexMatch, "x", "a.b").matches("a\nb"))
    }

    @Test func fastPathShapes() throws {
        #expect(try LabelMatcher(.regexMatch, "x", ".*").matches(""))
        #expect(try !LabelMatcher(.regexMatch, "x", ".+").matches(""))
        #expect(try LabelMatcher(.regexMatch, "x", "foo.*").matches("foobar"))
        #expect(try !LabelMatcher(.regexMatch, "x", "foo.*").matches("barfoo"))
        #expect(try LabelMatcher(.regexMatch, "x", ".*bar").matches("foobar"))
        #expect(try LabelMatcher(.regexMatch, "x", ".*oba.*").matches("foobar"))
        let set = try LabelMatcher(.regexMatch, "x", "b|a|c")
        #expect(set.matches("a"))
        #expect(!set.matches("a|b"))
        #expect(set.setMatches == ["a", "b", "c"])
    }

    @Test func setMatchesOnlyForPositiveLiterals() throws {
        #expect(try LabelMatcher(.equal, "x", "v").setMatches == ["v"])
        #expect(try LabelMatcher(.notEqual, "x", "v").setMatches == nil)
        #expect(try LabelMatcher(.regexMatch, "x", "a+").setMatches == nil)
    }

    @Test func matchesEmpty() throws {
        #expect(try LabelMatcher(.equal, "x", "").matchesEmpty)
        #expect(try !LabelMatcher(.equal, "x", "v").matchesEmpty)
        #expect(try LabelMatcher(.regexMatch, "x", "v|").matchesEmpty)
    }

    @Test func invalidRegexIsAnError() {
        #expect(throws: MatcherError.self) { try LabelMatcher(.regexMatch, "x", "a(") }
    }

    @Test func descriptionIsPromQL() throws {
        #expect(try LabelMatcher(.regexMatch, "job", "a|b").description == #"job=~"a|b""#)
        #expect(try LabelMatcher(.notEqual, "job", "x").description == #"job!="x""#)
    }
}
