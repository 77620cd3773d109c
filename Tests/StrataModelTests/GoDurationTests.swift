import StrataModel
import Testing

@Suite struct GoDurationTests {
    static let parseCases: [(String, Duration)] = [
        ("0", Duration.zero),
        ("0s", .zero),
        ("10m", .seconds(600)),
        ("1h30m", .seconds(5_400)),
        ("500ms", .milliseconds(500)),
        ("2d", .seconds(172_800)),
        ("1w", .seconds(604_800)),
        ("1y", .seconds(31_536_000)),
        ("1h0m0s", .seconds(3_600)),
        ("1.5h", .seconds(5_400)),
        ("250us", .microseconds(250)),
        ("250µs", .microseconds(250)),
        ("10ns", .nanoseconds(10)),
        ("1d2h3m4s5ms", .milliseconds(93_784_005)),
        ("-5s", .seconds(-5)),
    ]

    @Test(arguments: parseCases)
    func parses(text: String, expected: Duration) throws {
        #expect(try GoDuration.parseThrowing(text) == expected)
    }

    @Test func refusesMalformedWithPrometheusWording() {
        #expect(throws: GoDurationError.empty) { try GoDuration.parseThrowing("") }
        #expect(throws: GoDurationError.invalid("10")) { try GoDuration.parseThrowing("10") }
        #expect(throws: GoDurationError.invalid("m")) { try GoDuration.parseThrowing("m") }
        #expect(throws: GoDurationError.invalid("1s1h")) { try GoDuration.parseThrowing("1s1h") }
        #expect(throws: GoDurationError.invalid("1m1m")) { try GoDuration.parseThrowing("1m1m") }
        #expect(throws: GoDurationError.unknownUnit(unit: "x", duration: "5x")) { try GoDuration.parseThrowing("5x") }
        #expect(throws: GoDurationError.outOfRange("9999999999y")) { try GoDuration.parseThrowing("9999999999y") }
        #expect(GoDurationError.invalid("10").description == #"not a valid duration string: "10""#)
        #expect(GoDurationError.unknownUnit(unit: "x", duration: "5x").description == #"unknown unit "x" in duration "5x""#)
        #expect(GoDurationError.empty.description == "empty duration string")
    }

    static let prometheusFormatCases: [(Duration, String)] = [
        (Duration.zero, "0s"),
        (.seconds(600), "10m"),
        (.seconds(5_400), "1h30m"),
        (.milliseconds(500), "500ms"),
        (.seconds(172_800), "2d"),
        (.seconds(604_800), "1w"),
        (.seconds(7_776_000), "90d"),
        (.seconds(31_536_000), "1y"),
        (.seconds(86_401), "1d1s"),
        (.microseconds(1_500), "1ms500us"),
    ]

    @Test(arguments: prometheusFormatCases)
    func formatsLikePrometheus(duration: Duration, expected: String) {
        #expect(GoDuration.format(duration) == expected)
    }

    static let goFormatCases: [(Duration, String)] = [
        (Duration.zero, "0s"),
        (.seconds(600), "10m0s"),
        (.seconds(5_400), "1h30m0s"),
        (.milliseconds(500), "500ms"),
        (.milliseconds(1_500), "1.5s"),
        (.microseconds(250), "250µs"),
        (.nanoseconds(10), "10ns"),
        (.seconds(-3_600), "-1h0m0s"),
    ]

    @Test(arguments: goFormatCases)
    func formatsLikeGo(duration: Duration, expected: String) {
        #expect(GoDuration.formatGo(duration) == expected)
    }

    @Test func optionalParseReturnsNilOnError() {
        #expect(GoDuration.parse("1h30m") == .seconds(5_400))
        #expect(GoDuration.parse("soon") == nil)
        #expect(GoDuration.parse("") == nil)
    }

    @Test func formatThenParseRoundTrips() throws {
        let samples: [Duration] = [.zero, .nanoseconds(1), .microseconds(7), .milliseconds(1_001), .seconds(59),
                                   .seconds(3_601), .seconds(691_200), .seconds(31_622_400)]
        for d in samples {
            #expect(try GoDuration.parseThrowing(GoDuration.format(d)) == d)
            #expect(try GoDuration.parseThrowing(GoDuration.formatGo(d)) == d)
        }
    }
}
