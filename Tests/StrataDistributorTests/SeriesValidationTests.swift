import StrataDistributor
import StrataLimits
import StrataModel
import Testing

/// One validation rule: a series that breaks it, the limits in force, and what the client must see.
struct RuleCase: Sendable, CustomTestStringConvertible {
    let name: String
    let labels: [(String, String)]
    var timestamps: [Int64] = [testNow]
    var limits: Limits = Limits()
    let id: ErrorID
    let reason: String
    let message: String

    var testDescription: String { name }
}

private func limits(_ change: (inout Limits) -> Void) -> Limits {
    var l = Limits()
    change(&l)
    return l
}

private let perTenantSuffix = ", or contact your service administrator."

@Suite struct SeriesValidationTests {
    static let cases: [RuleCase] = [
        RuleCase(name: "missing metric name", labels: [("job", "x")], id: .missingMetricName, reason: "missing_metric_name",
                 message: "received series has no metric name (err-strata-missing-metric-name)"),
        RuleCase(name: "invalid metric name", labels: [("__name__", "1up")], id: .metricNameInvalid, reason: "metric_name_invalid",
                 message: "received a series with invalid metric name: '1up' (err-strata-metric-name-invalid)"),
        RuleCase(name: "non-ASCII metric name", labels: [("__name__", "üp")], id: .metricNameInvalid, reason: "metric_name_invalid",
                 message: "received a series with invalid metric name: 'p (non-ascii characters removed)' (err-strata-metric-name-invalid)"),
        RuleCase(name: "invalid label name", labels: [("__name__", "up"), ("bad-name", "x")], id: .labelInvalid, reason: "label_invalid",
                 message: #"received a series with an invalid label: 'bad-name' series: 'up{bad-name="x"}' (err-strata-label-invalid)"#),
        RuleCase(name: "label name starting with a digit", labels: [("__name__", "up"), ("1a", "x")], id: .labelInvalid, reason: "label_invalid",
                 message: #"received a series with an invalid label: '1a' series: 'up{1a="x"}' (err-strata-label-invalid)"#),
        RuleCase(name: "too many labels", labels: [("__name__", "up"), ("a", "1"), ("b", "2")],
                 limits: limits { $0.maxLabelNamesPerSeries = 2 }, id: .maxLabelNamesPerSeries, reason: "max_label_names_per_series",
                 message: #"received a series whose number of labels exceeds the limit (actual: 3, limit: 2) series: 'up{a="1", b="2"}' (err-strata-max-label-names-per-series). To adjust the related per-tenant limit, configure -validation.max-label-names-per-series"# + perTenantSuffix),
        RuleCase(name: "label name too long", labels: [("__name__", "up"), ("abcdefghijk", "v")],
                 limits: limits { $0.maxLabelNameLength = 10 }, id: .labelNameTooLong, reason: "label_name_too_long",
                 message: #"received a series whose label name length exceeds the limit, label: 'abcdefghijk' series: 'up{abcdefghijk="v"}' (err-strata-label-name-too-long). To adjust the related per-tenant limit, configure -validation.max-length-label-name"# + perTenantSuffix),
        RuleCase(name: "label value too long", labels: [("__name__", "up"), ("job", "abcd")],
                 limits: limits { $0.maxLabelValueLength = 3 }, id: .labelValueTooLong, reason: "label_value_too_long",
                 message: #"received a series whose label value length exceeds the limit, label: 'job', value: 'abcd' (truncated) series: 'up{job="abcd"}' (err-strata-label-value-too-long). To adjust the related per-tenant limit, configure -validation.max-length-label-value"# + perTenantSuffix),
        RuleCase(name: "duplicate label names", labels: [("__name__", "up"), ("job", "a"), ("job", "b")],
                 id: .duplicateLabelNames, reason: "duplicate_label_names",
                 message: #"received a series with duplicate label name, label: 'job' series: 'up{job="a", job="b"}' (err-strata-duplicate-label-names)"#),
        RuleCase(name: "labels not sorted", labels: [("__name__", "up"), ("job", "a"), ("env", "b")],
                 id: .labelsNotSorted, reason: "labels_not_sorted",
                 message: #"received a series where the label names are not alphabetically sorted, label: 'env' series: 'up{job="a", env="b"}' (err-strata-labels-not-sorted)"#),
        RuleCase(name: "too far in future", labels: [("__name__", "up"), ("job", "a")], timestamps: [testNow + 600_001],
                 id: .tooFarInFuture, reason: "too_far_in_future",
                 message: "received a sample whose timestamp is too far in the future, timestamp: 1700000600001 series: 'up' (err-strata-too-far-in-future). To adjust the related per-tenant limit, configure -validation.create-grace-period" + perTenantSuffix),
        RuleCase(name: "too far in past", labels: [("__name__", "up"), ("job", "a")], timestamps: [testNow - 3_600_001],
                 limits: limits { $0.pastGracePeriod = .seconds(3_600) }, id: .tooFarInPast, reason: "too_far_in_past",
                 message: "received a sample whose timestamp is too far in the past, timestamp: 1699996399999 series: 'up' (err-strata-too-far-in-past). To adjust the related per-tenant limit, configure -validation.past-grace-period" + perTenantSuffix),
    ]

    @Test(arguments: cases)
    func ruleRejectsWithIDAndMessage(_ rule: RuleCase) async throws {
        let harness = Harness(limits: rule.limits)
        let batch = makeBatch([(rule.labels, rule.timestamps), validSeries("ok")])
        let error = await harness.pushExpectingError(batch)
        guard case .invalid(let message, let id, let rejected, let accepted, _) = error else {
            Issue.record("expected .invalid, got \(String(describing: error))")
            return
        }
        #expect(id == rule.id)
        #expect(message == rule.message + " (1 of 2 samples in the request were rejected)")
        #expect(rejected == 1)
        #expect(accepted == 1)
        #expect(error?.httpStatus == 400)
        // The valid series was stored regardless.
        #expect(harness.ingester.receivedMetricNames == ["ok"])
        #expect(harness.metrics.value("strata_discarded_samples_total", [("reason", rule.reason), ("user", "anonymous")]) == 1)
    }

    @Test func validBoundariesPass() async throws {
        let harness = Harness(limits: limits {
            $0.maxLabelNamesPerSeries = 3
            $0.maxLabelNameLength = 8
            $0.maxLabelValueLength = 4
            $0.pastGracePeriod = .seconds(60)
        })
        let batch = makeBatch([
            ([("__name__", "a:_1"), ("_x", "abcd"), ("job", "ü")], [testNow + 600_000, testNow - 60_000]),
            ([("A", "up"), ("__name__", "up")], [testNow]),
        ])
        let summary = try await harness.distributor.push(tenant: .anonymous, batch: batch)
        #expect(summary == PushSummary(receivedSamples: 3, acceptedSamples: 3))
        #expect(harness.ingester.received.count == 1)
        #expect(harness.ingester.received.first?.batch.series.count == 2)
    }

    @Test func invalidUTF8ValueIsRejected() async throws {
        let harness = Harness()
        var batch = makeBatch([([("__name__", "up"), ("job", "ab")], [testNow]), validSeries("ok")])
        // Overwrite the value "ab" with a lone continuation byte and an invalid lead byte.
        let valueRef = batch.labels[1]
        batch.buffer[Int(valueRef.valueOffset)] = 0x80
        batch.buffer[Int(valueRef.valueOffset) + 1] = 0xff
        let error = await harness.pushExpectingError(batch)
        guard case .invalid(let message, let id, _, _, _) = error else {
            Issue.record("expected .invalid, got \(String(describing: error))")
            return
        }
        #expect(id == .labelValueInvalid)
        #expect(message == "received a series with invalid value in label 'job': '\u{FFFD}\u{FFFD}' metric: 'up' (err-strata-label-value-invalid) (1 of 2 samples in the request were rejected)")
        #expect(harness.ingester.receivedMetricNames == ["ok"])
        #expect(harness.metrics.value("strata_discarded_samples_total", [("reason", "label_value_invalid"), ("user", "anonymous")]) == 1)
    }

    @Test func longValuesAndSeriesAreTruncatedInMessages() async throws {
        let harness = Harness(limits: limits { $0.maxLabelValueLength = 100 })
        let long = String(repeating: "a", count: 300)
        let error = await harness.pushExpectingError(makeBatch([([("__name__", "up"), ("job", long)], [testNow])]))
        let message = try #require(error?.description)
        let shown = String(repeating: "a", count: 200)
        #expect(message.hasPrefix("received a series whose label value length exceeds the limit, label: 'job', value: '\(shown)' (truncated) series: 'up{job=\"\(String(repeating: "a", count: 192))' (err-strata-label-value-too-long)"))
        #expect(message.count < 800)
    }

    @Test func tooManyLabelsMessageHasEllipsisWhenTruncated() async throws {
        let harness = Harness(limits: limits { $0.maxLabelNamesPerSeries = 2 })
        let batch = makeBatch([([("__name__", "up"), ("a", String(repeating: "x", count: 150)), ("b", String(repeating: "y", count: 150))], [testNow])])
        let message = try #require(await harness.pushExpectingError(batch)?.description)
        #expect(message.contains("\u{2026}' (err-strata-max-label-names-per-series)"))
    }

    @Test func onlyBadSamplesAreDroppedFromASeries() async throws {
        let harness = Harness()
        let batch = makeBatch([
            ([("__name__", "mixed")], [testNow - 2, testNow + 700_000, testNow - 1]),
            ([("__name__", "allbad")], [testNow + 700_000]),
            validSeries("ok", count: 2),
        ])
        let error = await harness.pushExpectingError(batch)
        guard case .invalid(let message, let id, let rejected, let accepted, _) = error else {
            Issue.record("expected .invalid, got \(String(describing: error))")
            return
        }
        #expect(id == .tooFarInFuture)
        #expect(message.hasPrefix("received a sample whose timestamp is too far in the future, timestamp: 1700000700000 series: 'mixed'"))
        #expect(message.hasSuffix(" (2 of 6 samples in the request were rejected)"))
        #expect(rejected == 2)
        #expect(accepted == 4)
        let pushed = try #require(harness.ingester.received.first?.batch)
        #expect(harness.ingester.receivedMetricNames == ["mixed", "ok"])
        #expect(Array(pushed.samples(of: 0)).map(\.timestamp) == [testNow - 2, testNow - 1])
        #expect(Array(pushed.samples(of: 1)).map(\.timestamp) == [testNow, testNow - 1])
        #expect(harness.metrics.value("strata_discarded_samples_total", [("reason", "too_far_in_future"), ("user", "anonymous")]) == 2)
    }

    @Test func firstErrorInRequestOrderWinsAndAllAreCounted() async throws {
        let harness = Harness()
        let batch = makeBatch([
            validSeries("ok"),
            ([("job", "x")], [testNow, testNow - 1]),
            ([("__name__", "up"), ("b", "1"), ("a", "2")], [testNow]),
        ])
        let error = await harness.pushExpectingError(batch)
        guard case .invalid(let message, let id, let rejected, _, _) = error else {
            Issue.record("expected .invalid, got \(String(describing: error))")
            return
        }
        #expect(id == .missingMetricName)
        #expect(message == "received series has no metric name (err-strata-missing-metric-name) (3 of 4 samples in the request were rejected)")
        #expect(rejected == 3)
        #expect(harness.metrics.value("strata_discarded_samples_total", [("reason", "missing_metric_name"), ("user", "anonymous")]) == 2)
        #expect(harness.metrics.value("strata_discarded_samples_total", [("reason", "labels_not_sorted"), ("user", "anonymous")]) == 1)
    }

    @Test func allInvalidNeverCallsTheIngester() async throws {
        let harness = Harness()
        let error = await harness.pushExpectingError(makeBatch([([("job", "x")], [testNow])]))
        guard case .invalid(_, _, let rejected, let accepted, _) = error else {
            Issue.record("expected .invalid, got \(String(describing: error))")
            return
        }
        #expect(rejected == 1)
        #expect(accepted == 0)
        #expect(harness.ingester.received.isEmpty)
    }

    @Test func allValidForwardsTheBatchUnchanged() async throws {
        let harness = Harness()
        let batch = makeBatch([validSeries("a", count: 3), validSeries("b", count: 2)])
        let summary = try await harness.distributor.push(tenant: .anonymous, batch: batch)
        #expect(summary == PushSummary(receivedSamples: 5, acceptedSamples: 5))
        let pushed = try #require(harness.ingester.received.first?.batch)
        #expect(pushed.series == batch.series)
        #expect(pushed.labels == batch.labels)
        #expect(pushed.samples.count == batch.samples.count)
    }
}

@Suite struct CorruptBatchTests {
    @Test func outOfRangeReferencesAreRefusedNotTrusted() async throws {
        let harness = Harness()
        var batch = makeBatch([validSeries("bad_labels"), validSeries("bad_samples"), validSeries("ok")])
        batch.labels[0].valueLength = 10_000
        batch.series[1].sampleCount = 1_000
        let error = await harness.pushExpectingError(batch)
        guard case .invalid(let message, let id, let rejected, let accepted, _) = error else {
            Issue.record("expected .invalid, got \(String(describing: error))")
            return
        }
        #expect(id == .invalidRequestBody)
        #expect(message == "received a series whose labels or samples lie outside the request body (err-strata-invalid-request-body) (1001 of 1002 samples in the request were rejected)")
        #expect(rejected == 1_001)
        #expect(accepted == 1)
        #expect(harness.ingester.receivedMetricNames == ["ok"])
    }
}
