import StrataDistributor
import StrataLimits
import StrataModel
import Testing

private let perTenantSuffix = ", or contact your service administrator."

/// A valid integer histogram: schema 0, buckets 1, 2 (index 0..1) and 3 (index 5), zero count 1.
private func intHistogram(schema: Int32 = 0, count: UInt64 = 7, sum: Double = 12) -> Histogram {
    Histogram(schema: schema, zeroThreshold: 0.001, zeroCount: 1, count: count, sum: sum,
              positiveSpans: [HistogramSpan(offset: 0, length: 2), HistogramSpan(offset: 3, length: 1)],
              positiveBuckets: [1, 1, 1])
}

private func floatHistogram(schema: Int32 = 0) -> FloatHistogram {
    FloatHistogram(schema: schema, zeroCount: 0.5, count: 6.5, sum: 3,
                   positiveSpans: [HistogramSpan(offset: -1, length: 2)], positiveBuckets: [2, 1],
                   negativeSpans: [HistogramSpan(offset: 0, length: 1)], negativeBuckets: [3])
}

private func batch(_ series: [(String, [HistogramValue], [Int64])]) -> SeriesBatch {
    var b = SeriesBatch()
    for (name, values, floats) in series {
        b.append(labels: Labels(["__name__": name, "job": "x"]),
                 samples: floats.map { Sample(timestamp: $0, value: 1) },
                 histograms: values.enumerated().map { HistogramPoint(timestamp: testNow - Int64($0.offset), value: $0.element) })
    }
    return b
}

private func limits(_ change: (inout Limits) -> Void) -> Limits {
    var l = Limits()
    change(&l)
    return l
}

/// The absolute bucket counts of every positive bucket, summed (what reduction must preserve).
private func positiveTotal(_ h: Histogram) -> Int64 { Histogram.absolute(h.positiveBuckets).reduce(0, +) }

@Suite struct HistogramValidationTests {
    @Test func validHistogramsOfBothKindsAreForwardedWithTheirSeries() async throws {
        let harness = Harness()
        let b = batch([("h", [.integer(intHistogram()), .float(floatHistogram()), .integer(.staleMarker)], [testNow - 10]),
                       ("up", [], [testNow])])
        let summary = try await harness.distributor.push(tenant: .anonymous, batch: b)
        #expect(summary == PushSummary(receivedSamples: 5, acceptedSamples: 5, acceptedHistograms: 3))
        let forwarded = try #require(harness.ingester.received.first?.batch)
        #expect(forwarded.series.count == 2)
        // Forwarded as sent (the stale marker's NaN sum never equals itself, so it is checked apart).
        #expect(Array(forwarded.histograms(of: 0).prefix(2)) == Array(b.histograms(of: 0).prefix(2)))
        #expect(forwarded.histograms(of: 0).count == 3)
        #expect(forwarded.histograms(of: 0).last?.value.isStale == true)
        #expect(forwarded.histograms(of: 1).isEmpty)
    }

    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let value: HistogramValue
        var timestamp: Int64 = testNow
        var limits = Limits()
        let id: ErrorID
        let message: String
        var testDescription: String { name }
    }

    static let series = #"h{job="x"}"#

    static let cases: [Case] = [
        Case(name: "schema above 8", value: .integer(intHistogram(schema: 9)), id: .invalidNativeHistogramSchema,
             message: "received a native histogram sample with an invalid schema: 9 (valid: -4 to 8, or -53 for custom buckets), timestamp: \(testNow) series: '\(series)' (err-strata-invalid-native-histogram-schema)"),
        Case(name: "schema below -4", value: .float(floatHistogram(schema: -5)), id: .invalidNativeHistogramSchema,
             message: "received a native histogram sample with an invalid schema: -5 (valid: -4 to 8, or -53 for custom buckets), timestamp: \(testNow) series: '\(series)' (err-strata-invalid-native-histogram-schema)"),
        Case(name: "spans and buckets disagree",
             value: .integer(Histogram(count: 3, sum: 1, positiveSpans: [HistogramSpan(offset: 0, length: 3)], positiveBuckets: [1, 1])),
             id: .nativeHistogramInvalid,
             message: "received a native histogram sample that is invalid: positive side: spans need 3 buckets, have 2 buckets: histogram spans specify different number of buckets than provided, timestamp: \(testNow) series: '\(series)' (err-strata-native-histogram-invalid)"),
        Case(name: "huge span length",
             value: .integer(Histogram(count: 1, sum: 1, positiveSpans: [HistogramSpan(offset: 0, length: .max), HistogramSpan(offset: 0, length: .max)],
                                       positiveBuckets: [1])),
             id: .nativeHistogramInvalid,
             message: "received a native histogram sample that is invalid: positive side: spans need 8589934590 buckets, have 1 buckets: histogram spans specify different number of buckets than provided, timestamp: \(testNow) series: '\(series)' (err-strata-native-histogram-invalid)"),
        Case(name: "negative offset after the first span",
             value: .integer(Histogram(count: 2, sum: 1, positiveSpans: [HistogramSpan(offset: 0, length: 1), HistogramSpan(offset: -2, length: 1)],
                                       positiveBuckets: [1, 0])),
             id: .nativeHistogramInvalid,
             message: "received a native histogram sample that is invalid: positive side: span number 2 with offset -2: histogram has a span whose offset is negative, timestamp: \(testNow) series: '\(series)' (err-strata-native-histogram-invalid)"),
        Case(name: "negative integer bucket",
             value: .integer(Histogram(count: 1, sum: 1, positiveSpans: [HistogramSpan(offset: 0, length: 2)], positiveBuckets: [2, -3])),
             id: .nativeHistogramInvalid,
             message: "received a native histogram sample that is invalid: positive bucket number 2 has observation count of -1: histogram has a bucket whose observation count is negative, timestamp: \(testNow) series: '\(series)' (err-strata-native-histogram-invalid)"),
        Case(name: "negative float bucket",
             value: .float(FloatHistogram(count: 1, sum: 1, negativeSpans: [HistogramSpan(offset: 0, length: 1)], negativeBuckets: [-0.5])),
             id: .nativeHistogramInvalid,
             message: "received a native histogram sample that is invalid: negative bucket number 1 has observation count of -0.5: histogram has a bucket whose observation count is negative, timestamp: \(testNow) series: '\(series)' (err-strata-native-histogram-invalid)"),
        Case(name: "count smaller than the buckets", value: .integer(intHistogram(count: 5)), id: .nativeHistogramInvalid,
             message: "received a native histogram sample that is invalid: 7 observations found in buckets, but the Count field is 5: histogram's observation count should equal the number of observations found in the buckets (in absence of NaN), timestamp: \(testNow) series: '\(series)' (err-strata-native-histogram-invalid)"),
        Case(name: "count smaller than the buckets with a NaN sum", value: .integer(intHistogram(count: 6, sum: .nan)), id: .nativeHistogramInvalid,
             message: "received a native histogram sample that is invalid: 7 observations found in buckets, but the Count field is 6: histogram's observation count should be at least the number of observations found in the buckets, timestamp: \(testNow) series: '\(series)' (err-strata-native-histogram-invalid)"),
        Case(name: "custom bounds not ascending",
             value: .integer(Histogram(schema: -53, count: 1, sum: 1, positiveSpans: [HistogramSpan(offset: 0, length: 1)], positiveBuckets: [1],
                                       customValues: [1, 1])),
             id: .nativeHistogramInvalid,
             message: "received a native histogram sample that is invalid: custom buckets: previous bound is 1.0 and current is 1.0; custom bounds must be strictly increasing, timestamp: \(testNow) series: '\(series)' (err-strata-native-histogram-invalid)"),
        Case(name: "custom bound +Inf",
             value: .float(FloatHistogram(schema: -53, count: 1, sum: 1, customValues: [1, .infinity])),
             id: .nativeHistogramInvalid,
             message: "received a native histogram sample that is invalid: custom buckets: bound number 2 is inf; custom bounds must be finite (+Inf is implicit), timestamp: \(testNow) series: '\(series)' (err-strata-native-histogram-invalid)"),
        Case(name: "custom buckets past the bounds",
             value: .integer(Histogram(schema: -53, count: 1, sum: 1, positiveSpans: [HistogramSpan(offset: 2, length: 1)], positiveBuckets: [1],
                                       customValues: [1])),
             id: .nativeHistogramInvalid,
             message: "received a native histogram sample that is invalid: custom buckets: span number 1 reaches bucket index 2, but there are only 1 custom bounds (index 1 is +Inf), timestamp: \(testNow) series: '\(series)' (err-strata-native-histogram-invalid)"),
        Case(name: "custom buckets with negative buckets",
             value: .integer(Histogram(schema: -53, count: 1, sum: 1, negativeSpans: [HistogramSpan(offset: 0, length: 1)], negativeBuckets: [1],
                                       customValues: [1])),
             id: .nativeHistogramInvalid,
             message: "received a native histogram sample that is invalid: custom buckets: must have zero negative spans, timestamp: \(testNow) series: '\(series)' (err-strata-native-histogram-invalid)"),
        Case(name: "exponential schema with custom bounds",
             value: .integer(Histogram(count: 0, sum: 0, customValues: [1])),
             id: .nativeHistogramInvalid,
             message: "received a native histogram sample that is invalid: histogram with exponential schema must not have custom bounds, timestamp: \(testNow) series: '\(series)' (err-strata-native-histogram-invalid)"),
        Case(name: "too far in future", value: .integer(intHistogram()), timestamp: testNow + 600_001, id: .tooFarInFuture,
             message: "received a sample whose timestamp is too far in the future, timestamp: 1700000600001 series: 'h' (err-strata-too-far-in-future). To adjust the related per-tenant limit, configure -validation.create-grace-period" + perTenantSuffix),
        Case(name: "too far in past", value: .float(floatHistogram()), timestamp: testNow - 3_600_001,
             limits: limits { $0.pastGracePeriod = .seconds(3_600) }, id: .tooFarInPast,
             message: "received a sample whose timestamp is too far in the past, timestamp: 1699996399999 series: 'h' (err-strata-too-far-in-past). To adjust the related per-tenant limit, configure -validation.past-grace-period" + perTenantSuffix),
        Case(name: "over the bucket limit without reduction", value: .integer(intHistogram()),
             limits: limits { $0.maxNativeHistogramBuckets = 2; $0.reduceNativeHistogramOverMaxBuckets = false }, id: .maxNativeHistogramBuckets,
             message: "received a native histogram sample with too many buckets, timestamp: \(testNow) series: \(series), buckets: 3, limit: 2 (err-strata-max-native-histogram-buckets). To adjust the related per-tenant limit, configure -validation.max-native-histogram-buckets" + perTenantSuffix),
        Case(name: "over the bucket limit at schema -4",
             value: .integer(Histogram(schema: -4, count: 2, sum: 1, positiveSpans: [HistogramSpan(offset: 0, length: 1), HistogramSpan(offset: 5, length: 1)],
                                       positiveBuckets: [1, 0])),
             limits: limits { $0.maxNativeHistogramBuckets = 1 }, id: .notReducibleNativeHistogram,
             message: "received a native histogram sample with too many buckets and cannot reduce, timestamp: \(testNow) series: \(series), buckets: 2, limit: 1 (err-strata-not-reducible-native-histogram). To adjust the related per-tenant limit, configure -validation.max-native-histogram-buckets" + perTenantSuffix),
        Case(name: "custom buckets over the bucket limit",
             value: .float(FloatHistogram(schema: -53, count: 2, sum: 1, positiveSpans: [HistogramSpan(offset: 0, length: 2)], positiveBuckets: [1, 1],
                                          customValues: [1, 2])),
             limits: limits { $0.maxNativeHistogramBuckets = 1 }, id: .notReducibleNativeHistogram,
             message: "received a native histogram sample with too many buckets and cannot reduce, timestamp: \(testNow) series: \(series), buckets: 2, limit: 1 (err-strata-not-reducible-native-histogram). To adjust the related per-tenant limit, configure -validation.max-native-histogram-buckets" + perTenantSuffix),
    ]

    @Test(arguments: cases)
    func refusedAloneWithIDAndMessage(_ c: Case) async throws {
        let harness = Harness(limits: c.limits)
        var b = SeriesBatch()
        b.append(labels: Labels(["__name__": "h", "job": "x"]), samples: [Sample(timestamp: testNow, value: 1)],
                 histograms: [HistogramPoint(timestamp: c.timestamp, value: c.value),
                              HistogramPoint(timestamp: testNow + 1, value: .integer(.staleMarker))])
        let error = await harness.pushExpectingError(b)
        guard case .invalid(let message, let id, let rejected, let accepted, let histograms) = error else {
            Issue.record("expected .invalid, got \(String(describing: error))")
            return
        }
        #expect(id == c.id)
        #expect(message == c.message + " (1 of 3 samples in the request were rejected)")
        #expect(rejected == 1)
        #expect(accepted == 2)
        #expect(histograms == 1)
        #expect(error?.httpStatus == 400)
        // The float sample and the other histogram of the series were stored.
        let forwarded = try #require(harness.ingester.received.first?.batch)
        #expect(forwarded.samples(of: 0).count == 1)
        #expect(forwarded.histograms(of: 0).map(\.timestamp) == [testNow + 1])
        #expect(harness.metrics.value("strata_discarded_samples_total", [("reason", c.id.discardReasonForTests), ("user", "anonymous")]) == 1)
    }

    @Test func overTheLimitIsReducedUntilItFits() async throws {
        // Schema 3, eight consecutive buckets at indexes 1…8: at schema 0 they are one bucket
        // (index 1 covers (1, 2]), at schema 1 two, at schema 2 four.
        let h = Histogram(schema: 3, count: 36, sum: 50, positiveSpans: [HistogramSpan(offset: 1, length: 8)],
                          positiveBuckets: Histogram.deltas([1, 2, 3, 4, 5, 6, 7, 8]))
        let f = h.toFloat()
        for (limit, schema, buckets) in [(4, Int32(2), 4), (2, Int32(1), 2), (1, Int32(0), 1), (8, Int32(3), 8)] {
            let harness = Harness(limits: limits { $0.maxNativeHistogramBuckets = limit })
            let summary = try await harness.distributor.push(tenant: .anonymous, batch: batch([("h", [.integer(h), .float(f)], [])]))
            #expect(summary.acceptedHistograms == 2)
            let forwarded = try #require(harness.ingester.received.first?.batch)
            let points = Array(forwarded.histograms(of: 0))
            guard points.count == 2, case .integer(let reduced) = points[0].value, case .float(let reducedFloat) = points[1].value else {
                Issue.record("histograms lost at limit \(limit)")
                continue
            }
            #expect(reduced.schema == schema && reducedFloat.schema == schema)
            #expect(reduced.positiveBuckets.count == buckets && reducedFloat.positiveBuckets.count == buckets)
            #expect(positiveTotal(reduced) == 36 && reducedFloat.positiveBuckets.reduce(0, +) == 36)
            #expect(reduced.count == 36 && reduced.sum == 50)
            #expect(reduced.toFloat().positiveBuckets == reducedFloat.positiveBuckets)
        }
        // At schema 2 the buckets are (1,2]→1: indexes 1,2 → 1; 3,4 → 2; 5,6 → 3; 7,8 → 4.
        let harness = Harness(limits: limits { $0.maxNativeHistogramBuckets = 4 })
        _ = try await harness.distributor.push(tenant: .anonymous, batch: batch([("h", [.integer(h)], [])]))
        if case .integer(let reduced)? = harness.ingester.received.first?.batch.histograms(of: 0).first?.value {
            #expect(reduced.positiveSpans == [HistogramSpan(offset: 1, length: 4)])
            #expect(Histogram.absolute(reduced.positiveBuckets) == [3, 7, 11, 15])
        } else {
            Issue.record("no reduced histogram")
        }
    }

    @Test func seriesWithOnlyRefusedHistogramsIsDropped() async throws {
        let harness = Harness()
        let b = batch([("bad", [.integer(intHistogram(schema: 12))], []), ("good", [.integer(intHistogram())], [])])
        let error = await harness.pushExpectingError(b)
        #expect(error?.errorID == .invalidNativeHistogramSchema)
        #expect(harness.ingester.receivedMetricNames == ["good"])
        let forwarded = try #require(harness.ingester.received.first?.batch)
        #expect(forwarded.histograms(of: 0).count == 1)
    }

    @Test func keepingAndRemovingLabelsKeepHistogramsWithTheirSeries() {
        var b = SeriesBatch()
        b.append(labels: Labels(["__name__": "a", "__replica__": "r1"]), samples: [], histograms: [HistogramPoint(timestamp: 1, value: .integer(intHistogram()))])
        b.append(labels: Labels(["__name__": "b", "__replica__": "r1"]), samples: [Sample(timestamp: 2, value: 1)],
                 histograms: [HistogramPoint(timestamp: 3, value: .float(floatHistogram())), HistogramPoint(timestamp: 4, value: .integer(.staleMarker))])
        let kept = b.keeping(series: [1])
        #expect(kept.series.count == 1)
        #expect(kept.histograms(of: 0).map(\.timestamp) == [3, 4])
        let stripped = b.removingLabel(named: "__replica__")
        #expect(stripped.labels(of: 1) == Labels(["__name__": "b"]))
        #expect(stripped.histograms(of: 0).map(\.timestamp) == [1])
        #expect(stripped.histograms(of: 1).map(\.timestamp) == [3, 4])
    }
}

extension ErrorID {
    /// The discard reason the distributor uses: the ID with `_` for `-` for validation IDs.
    var discardReasonForTests: String { String(rawValue.map { $0 == "-" ? "_" : $0 }) }
}
