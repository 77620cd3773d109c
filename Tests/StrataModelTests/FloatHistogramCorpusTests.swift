import StrataModel
import Testing

/// Cases of Prometheus's PromQL test corpus (native_histograms.test, Prometheus 3.14) replayed
/// against the histogram arithmetic directly, with the corpus's own expectations.
@Suite struct FloatHistogramCorpusTests {
    /// Reads the `{{…}}` notation of the corpus (the keys used here: schema, count, sum,
    /// z_bucket, z_bucket_w, offset, buckets, n_offset, n_buckets, custom_values,
    /// counter_reset_hint).
    static func parse(_ notation: String) -> FloatHistogram {
        var h = FloatHistogram()
        var body = Substring(notation)
        if body.hasPrefix("{{") { body = body.dropFirst(2) }
        if body.hasSuffix("}}") { body = body.dropLast(2) }
        var offset: Int32 = 0, negativeOffset: Int32 = 0
        var positive: [Double] = [], negative: [Double] = []
        var rest = body[...]
        while let colon = rest.firstIndex(of: ":") {
            let key = String(rest[..<colon].filter { $0 != " " })
            rest = rest[rest.index(after: colon)...]
            let value: Substring
            if rest.first == "[", let close = rest.firstIndex(of: "]") {
                value = rest[rest.index(after: rest.startIndex)..<close]
                rest = rest[rest.index(after: close)...]
            } else {
                let end = rest.firstIndex(of: " ") ?? rest.endIndex
                value = rest[..<end]
                rest = rest[end...]
            }
            let numbers = value.split(separator: " ").map { Double(String($0)) ?? .nan }
            switch key {
            case "schema": h.schema = Int32(numbers[0])
            case "count": h.count = numbers[0]
            case "sum": h.sum = numbers[0]
            case "z_bucket": h.zeroCount = numbers[0]
            case "z_bucket_w": h.zeroThreshold = numbers[0]
            case "offset": offset = Int32(numbers[0])
            case "n_offset": negativeOffset = Int32(numbers[0])
            case "buckets": positive = numbers
            case "n_buckets": negative = numbers
            case "custom_values": h.customValues = numbers
            case "counter_reset_hint":
                switch value {
                case "gauge": h.counterResetHint = .gauge
                case "reset": h.counterResetHint = .counterReset
                case "not_reset": h.counterResetHint = .notCounterReset
                default: h.counterResetHint = .unknown
                }
            default: break
            }
        }
        if !positive.isEmpty {
            h.positiveSpans = [HistogramSpan(offset: offset, length: UInt32(positive.count))]
            h.positiveBuckets = positive
        }
        if !negative.isEmpty {
            h.negativeSpans = [HistogramSpan(offset: negativeOffset, length: UInt32(negative.count))]
            h.negativeBuckets = negative
        }
        return h
    }

    private static func close(_ a: Double, _ b: Double) -> Bool {
        if a.isNaN || b.isNaN { return a.isNaN && b.isNaN }
        return a == b || abs(a - b) <= 1e-9 * max(abs(a), abs(b))
    }

    /// Equal up to float tolerance and empty buckets, as the corpus runner compares.
    static func matches(_ a: FloatHistogram, _ b: FloatHistogram) -> Bool {
        func side(_ h: FloatHistogram, positive: Bool) -> [(Int32, Double)] {
            (positive ? h.positiveBucketList() : h.negativeBucketList()).filter { $0.count != 0 }.map { ($0.index, $0.count) }
        }
        func same(_ x: [(Int32, Double)], _ y: [(Int32, Double)]) -> Bool {
            x.count == y.count && zip(x, y).allSatisfy { $0.0 == $1.0 && close($0.1, $1.1) }
        }
        return a.schema == b.schema && close(a.count, b.count) && close(a.sum, b.sum) && close(a.zeroCount, b.zeroCount)
            && a.zeroThreshold == b.zeroThreshold && a.customValues == b.customValues && a.counterResetHint == b.counterResetHint
            && same(side(a, positive: true), side(b, positive: true)) && same(side(a, positive: false), side(b, positive: false))
    }

    @Test func parserReadsTheNotation() {
        let h = Self.parse("{{schema:1 count:3 sum:5 z_bucket:1 z_bucket_w:0.001 offset:2 buckets:[1 0 0 1] counter_reset_hint:gauge}}")
        #expect(h.testNotation == "{{schema:1 count:3 sum:5 z_bucket:1 z_bucket_w:0.001 counter_reset_hint:gauge offset:2 buckets:[1 0 0 1]}}")
    }

    @Test(arguments: [
        // histogram_sub_1, _2, _3: the same schema, then schema 1 on either side.
        ("{{schema:0 count:41 sum:2345.6 z_bucket:5 z_bucket_w:0.001 buckets:[1 3 1 2 1 1 1] n_buckets:[0 1 4 2 7 0 0 0 0 5 5 2]}}",
         "{{schema:0 count:11 sum:1234.5 z_bucket:3 z_bucket_w:0.001 buckets:[0 2 1] n_buckets:[0 0 3 2]}}",
         "{{schema:0 count:30 sum:1111.1 z_bucket:2 z_bucket_w:0.001 buckets:[1 1 0 2 1 1 1] n_buckets:[0 1 1 0 7 0 0 0 0 5 5 2]}}"),
        ("{{schema:0 count:41 sum:2345.6 z_bucket:5 z_bucket_w:0.001 buckets:[1 3 1 2 1 1 1] n_buckets:[0 1 4 2 7 0 0 0 0 5 5 2]}}",
         "{{schema:1 count:11 sum:1234.5 z_bucket:3 z_bucket_w:0.001 buckets:[0 2 1] n_buckets:[0 0 3 2]}}",
         "{{schema:0 count:30 sum:1111.1 z_bucket:2 z_bucket_w:0.001 buckets:[1 0 1 2 1 1 1] n_buckets:[0 -2 2 2 7 0 0 0 0 5 5 2]}}"),
        ("{{schema:1 count:11 sum:1234.5 z_bucket:3 z_bucket_w:0.001 buckets:[0 2 1] n_buckets:[0 0 3 2]}}",
         "{{schema:0 count:41 sum:2345.6 z_bucket:5 z_bucket_w:0.001 buckets:[1 3 1 2 1 1 1] n_buckets:[0 1 4 2 7 0 0 0 0 5 5 2]}}",
         "{{schema:0 count:-30 sum:-1111.1 z_bucket:-2 z_bucket_w:0.001 buckets:[-1 0 -1 -2 -1 -1 -1] n_buckets:[0 2 -2 -2 -7 0 0 0 0 -5 -5 -2]}}"),
    ])
    func subtraction(a: String, b: String, expected: String) throws {
        var h = Self.parse(a)
        try h.subtract(Self.parse(b))
        #expect(Self.matches(h, Self.parse(expected)), "\(h.testNotation)")
    }

    @Test func additionAndKahanSum() throws {
        let inputs = [
            "{{schema:0 count:25 sum:3.1 z_bucket:4 z_bucket_w:0.001 buckets:[1 2 0 1 1] n_buckets:[2 4 0 0 1 9]}}",
            "{{schema:0 count:41 sum:1e100 z_bucket:5 z_bucket_w:0.001 buckets:[1 3 1 2 1 1 1] n_buckets:[0 1 4 2 7 0 0 0 0 5 5 2]}}",
            "{{schema:0 count:41 sum:-1e100 z_bucket:5 z_bucket_w:0.001 buckets:[1 3 1 2 1 1 1] n_buckets:[0 1 4 2 7 0 0 0 0 5 5 2]}}",
            "{{schema:1 count:0 sum:1.3 z_bucket:3 z_bucket_w:0.001 buckets:[2 4 2 3 2 2] n_buckets:[1 2 5 3 8 1 1 1 1 6 3]}}",
        ].map(Self.parse)
        var pair = inputs[0]
        try pair.add(inputs[3])
        #expect(Self.matches(pair, Self.parse(
            "{{schema:0 count:25 sum:4.4 z_bucket:7 z_bucket_w:0.001 buckets:[3 8 5 3 1] n_buckets:[3 11 11 2 3 18]}}")),
            "\(pair.testNotation)")

        var sum = inputs[0]
        var compensation: FloatHistogram?
        for h in inputs.dropFirst() { compensation = try sum.kahanAdd(h, compensation: compensation).compensation }
        if let compensation { try sum.add(compensation) }
        #expect(Self.matches(sum, Self.parse(
            "{{schema:0 count:107 sum:4.4 z_bucket:17 z_bucket_w:0.001 buckets:[5 14 7 7 3 2 2] n_buckets:[3 13 19 6 17 18 0 0 0 10 10 4]}}")),
            "\(sum.testNotation)")
    }

    @Test(arguments: [
        (1.0, 16.0), (0.99, 15.34822590920423), (0.9, 10.556063286183155), (0.7, 1.2030250360821164), (0.55, 0.0006),
        (0.5, 0.0), (0.45, -0.0006), (0.3, -1.2030250360821169), (0.1, -10.556063286183155), (0.01, -15.34822590920423),
        (0.0, -16.0),
    ])
    func quantileOnBothSides(q: Double, expected: Double) {
        let h = Self.parse("{{schema:0 count:24 sum:100 z_bucket:4 z_bucket_w:0.001 buckets:[2 3 0 1 4] n_buckets:[2 3 0 1 4]}}")
        #expect(Self.close(h.quantile(q), expected) || abs(h.quantile(q) - expected) < 1e-12, "\(h.quantile(q))")
    }

    @Test func quantileAndFractionInDifferentSchemas() {
        let cases: [(String, Double)] = [
            ("{{schema:-1 sum:6 count:5 buckets:[0 5]}}", 2), ("{{schema:0 sum:4 count:5 buckets:[0 5]}}", 1.4142135623730951),
            ("{{schema:1 sum:4 count:5 buckets:[0 5]}}", 1.189207115002721), ("{{schema:-1 sum:6 count:5 buckets:[0 0 5]}}", 8),
            ("{{schema:0 sum:4 count:5 buckets:[0 0 5]}}", 2.82842712474619),
            ("{{schema:1 sum:4 count:5 buckets:[0 0 5]}}", 1.6817928305074292),
        ]
        for (notation, median) in cases {
            let h = Self.parse(notation)
            #expect(Self.close(h.quantile(0.5), median), "\(notation)")
            #expect(Self.close(h.fraction(lower: 0, upper: median), 0.5), "\(notation)")
        }
    }

    @Test func standardDeviations() {
        let threeSides = Self.parse("{{schema:3 count:7 sum:62 z_bucket:1 buckets:[0 0 0 0 0 0 0 0 0 0 0 0 0 1 0 0 0 0 0 0 0 0 0 0 1 0 1 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 1 ] n_buckets:[0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 1 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 1 ]}}")
        #expect(abs(threeSides.stddev() - 42.94723640026) < 1e-9)
        #expect(abs(threeSides.stdvar() - 1844.4651144196398) < 1e-9)
        let negative = Self.parse("{{schema:0 count:10 sum:-112946 z_bucket:0 n_buckets:[0 0 1 1 1 0 1 1 0 0 3 0 0 0 1 0 0 1]}}")
        #expect(abs(negative.stddev() - 27556.344499842) < 1e-6)
        #expect(abs(negative.stdvar() / 759352122.1939945 - 1) < 1e-12)
        var infinite = threeSides
        infinite.sum = .infinity
        #expect(infinite.stddev() == .infinity)
    }
}
