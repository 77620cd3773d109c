import StrataModel

/// Per-tenant settings of the OTLP translation.
public struct OTLPTranslationOptions: Sendable, Equatable {
    /// How names are escaped and suffixed (`otel_translation_strategy`).
    public var strategy: OTLPTranslationStrategy
    /// Resource attributes copied onto every series of the resource (`promote_otel_resource_attributes`).
    public var promoteResourceAttributes: [String]
    /// Most samples one request may translate into (the tenant's `ingestion_burst_size`: a larger
    /// push could never pass the rate limiter). One histogram point becomes many samples, so this
    /// bounds what a small body can make the translation allocate.
    public var maxSamples: Int
    /// Most labels (with `__name__`) a translated series may have (`max_label_names_per_series`);
    /// points over it are refused before their labels are built.
    public var maxLabelsPerSeries: Int

    /// Creates options; the defaults are Prometheus's, without bounds.
    public init(strategy: OTLPTranslationStrategy = .underscoreEscapingWithSuffixes, promoteResourceAttributes: [String] = [],
                maxSamples: Int = .max, maxLabelsPerSeries: Int = .max) {
        self.strategy = strategy
        self.promoteResourceAttributes = promoteResourceAttributes
        self.maxSamples = maxSamples
        self.maxLabelsPerSeries = maxLabelsPerSeries
    }
}

/// The result of translating one OTLP request.
public struct OTLPTranslation: Sendable {
    /// The series to push, one entry per translated sample.
    public var batch: SeriesBatch { builder.batch }
    /// Set when the request translates into more than `OTLPTranslationOptions.maxSamples`
    /// samples; translation stopped there and the request must be refused whole.
    public var tooManySamples = false
    /// Builds `batch`, storing each distinct label name and value once.
    var builder = OTLPBatchBuilder()
    /// Data points refused by the translation (delta temporality, unsupported scales, …).
    public var rejectedDataPoints = 0
    /// Why points were refused: one line per reason (each ends with its `err-strata-*` ID),
    /// at most `maxMessages` of them.
    public var messages: [String] = []

    /// Lines kept in `messages`; the partial-success message stays short.
    static let maxMessages = 10

    /// The partial-success `error_message`.
    public var errorMessage: String { messages.joined(separator: "; ") }

    mutating func reject(_ count: Int, _ message: String) {
        guard count > 0 else { return }
        rejectedDataPoints += count
        note(message)
    }

    /// Adds a reason to the message without counting a point (`target_info` is not one).
    mutating func note(_ message: String) {
        if messages.count < Self.maxMessages, !messages.contains(message) { messages.append(message) }
    }
}

/// Translates OTLP metrics into Prometheus series by Prometheus's rules (`otlptranslator`):
/// see docs/otlp.md for the table of inputs and the series they become.
public enum OTLPTranslator {
    /// Identifying resource attributes, which become `job` and `instance` rather than
    /// `target_info` labels.
    static let serviceName = "service.name"
    static let serviceNamespace = "service.namespace"
    static let serviceInstanceID = "service.instance.id"

    /// Translates `request`.
    public static func translate(_ request: OTLPMetricsRequest, options: OTLPTranslationOptions) -> OTLPTranslation {
        var out = OTLPTranslation()
        for resource in request.resources where !out.tooManySamples {
            let context = ResourceContext(resource, options: options)
            var newest: UInt64 = 0
            for scope in resource.scopes {
                for metric in scope.metrics {
                    translate(metric, context: context, options: options, into: &out, newest: &newest)
                }
            }
            // `target_info` carries the resource's other attributes, once per resource, at the
            // newest timestamp of its points (as Prometheus's translator does).
            if newest > 0, !context.targetInfoLabels.isEmpty {
                var labels = context.targetInfoLabels
                labels["__name__"] = "target_info"
                for (k, v) in context.jobInstance { labels[k] = v }
                guard labels.count <= options.maxLabelsPerSeries else {
                    out.note("target_info not written: \(labels.count) labels, more than the limit of \(options.maxLabelsPerSeries) (\(ErrorID.maxLabelNamesPerSeries.id))")
                    continue
                }
                guard out.builder.sampleCount < options.maxSamples else {
                    out.tooManySamples = true
                    break
                }
                out.builder.append(labels, Sample(timestamp: milliseconds(newest), value: 1))
            }
        }
        return out
    }

    /// What a resource adds to its series.
    struct ResourceContext {
        /// `job` and `instance` from the service attributes.
        var jobInstance: [String: String] = [:]
        /// Promoted resource attributes, by label name.
        var promoted: [String: String] = [:]
        /// Labels of `target_info` (all non-identifying resource attributes).
        var targetInfoLabels: [String: String] = [:]

        init(_ resource: OTLPResourceMetrics, options: OTLPTranslationOptions) {
            var attrs: [String: String] = [:]
            for a in resource.attributes where attrs[a.key] == nil { attrs[a.key] = a.value }
            if let name = attrs[OTLPTranslator.serviceName] {
                if let ns = attrs[OTLPTranslator.serviceNamespace], !ns.isEmpty {
                    jobInstance["job"] = ns + "/" + name
                } else {
                    jobInstance["job"] = name
                }
            }
            if let instance = attrs[OTLPTranslator.serviceInstanceID] { jobInstance["instance"] = instance }
            for a in resource.attributes {
                switch a.key {
                case OTLPTranslator.serviceName, OTLPTranslator.serviceNamespace, OTLPTranslator.serviceInstanceID: continue
                default: OTLPTranslator.add(&targetInfoLabels, OTLPMetricNames.labelName(a.key, strategy: options.strategy), a.value)
                }
            }
            for key in options.promoteResourceAttributes {
                guard let value = attrs[key] else { continue }
                let name = OTLPMetricNames.labelName(key, strategy: options.strategy)
                if promoted[name] == nil { promoted[name] = value }
            }
        }

        /// The labels of a data point: its attributes (keys that collide after escaping have
        /// their values joined with `;`), promoted resource attributes that do not collide, then
        /// `job`/`instance`, which win.
        func labels(_ attributes: [OTLPAttribute], strategy: OTLPTranslationStrategy) -> [String: String] {
            var labels: [String: String] = [:]
            for a in attributes { OTLPTranslator.add(&labels, OTLPMetricNames.labelName(a.key, strategy: strategy), a.value) }
            for (k, v) in promoted where labels[k] == nil { labels[k] = v }
            for (k, v) in jobInstance { labels[k] = v }
            return labels
        }
    }

    /// Adds a label, joining with `;` when an earlier attribute escaped to the same name.
    static func add(_ labels: inout [String: String], _ name: String, _ value: String) {
        guard !name.isEmpty else { return }
        if let existing = labels[name] { labels[name] = existing + ";" + value } else { labels[name] = value }
    }

    static func milliseconds(_ nanos: UInt64) -> Int64 { Int64(nanos / 1_000_000) }

    /// The value of a point, or Prometheus's staleness marker when it has no recorded value.
    static func value(_ v: Double, flags: UInt32) -> Double {
        flags & otlpFlagNoRecordedValue != 0 ? StaleNaN.value : v
    }

    private static func translate(_ metric: OTLPMetric, context: ResourceContext, options: OTLPTranslationOptions,
                                  into out: inout OTLPTranslation, newest: inout UInt64) {
        let points = metric.data.pointCount
        guard points > 0 else { return }
        guard !metric.name.isEmpty else {
            out.reject(points, "metric without a name (\(ErrorID.otlpInvalidMetric.id))")
            return
        }
        guard !out.tooManySamples else { return }
        let strategy = options.strategy
        /// The labels of a point, or nil (and the point refused) when its series would have more
        /// labels than the tenant allows; `extra` is `le` / `quantile`.
        func pointLabels(_ attributes: [OTLPAttribute], extra: Bool) -> [String: String]? {
            let labels = context.labels(attributes, strategy: strategy)
            let count = labels.count + 1 + (extra ? 1 : 0)
            guard count <= options.maxLabelsPerSeries else {
                out.reject(1, "metric \"\(metric.name)\": a data point would have \(count) labels, more than the limit of \(options.maxLabelsPerSeries) (\(ErrorID.maxLabelNamesPerSeries.id)). To adjust the related per-tenant limit, configure -validation.max-label-names-per-series, or contact your service administrator.")
                return nil
            }
            return labels
        }
        func emit(_ name: String, _ base: [String: String], extra: (String, String)? = nil, nanos: UInt64, value v: Double) {
            guard !out.tooManySamples else { return }
            guard out.builder.sampleCount < options.maxSamples else {
                out.tooManySamples = true
                return
            }
            var labels = base
            if let extra { labels[extra.0] = extra.1 }
            labels["__name__"] = name
            out.builder.append(labels, Sample(timestamp: milliseconds(nanos), value: v))
            newest = max(newest, nanos)
        }
        switch metric.data {
        case .none:
            return
        case .gauge(let pts):
            let name = OTLPMetricNames.metricName(metric.name, unit: metric.unit, kind: .gauge, strategy: strategy)
            for p in pts {
                guard let base = pointLabels(p.attributes, extra: false) else { continue }
                emit(name, base, nanos: p.timeNanos, value: value(p.value, flags: p.flags))
            }
        case .sum(let pts, let temporality, let monotonic):
            guard temporality == .cumulative else {
                out.reject(pts.count, "metric \"\(metric.name)\": sums with \(temporality.name) aggregation temporality are not supported, only cumulative; configure the Collector's deltatocumulative processor (\(ErrorID.otlpDeltaTemporality.id))")
                return
            }
            let kind: OTLPMetricKind = monotonic ? .counter : .gauge
            let name = OTLPMetricNames.metricName(metric.name, unit: metric.unit, kind: kind, strategy: strategy)
            for p in pts {
                guard let base = pointLabels(p.attributes, extra: false) else { continue }
                emit(name, base, nanos: p.timeNanos, value: value(p.value, flags: p.flags))
            }
        case .histogram(let pts, let temporality):
            guard temporality == .cumulative else {
                out.reject(pts.count, "metric \"\(metric.name)\": histograms with \(temporality.name) aggregation temporality are not supported, only cumulative; configure the Collector's deltatocumulative processor (\(ErrorID.otlpDeltaTemporality.id))")
                return
            }
            let base = OTLPMetricNames.metricName(metric.name, unit: metric.unit, kind: .histogram, strategy: strategy)
            for p in pts {
                guard p.bucketCounts.isEmpty || p.bucketCounts.count == p.explicitBounds.count + 1 else {
                    out.reject(1, "metric \"\(metric.name)\": a histogram point has \(p.bucketCounts.count) bucket counts for \(p.explicitBounds.count) explicit bounds; OTLP requires one more count than bounds (\(ErrorID.otlpInvalidMetric.id))")
                    continue
                }
                guard let labels = pointLabels(p.attributes, extra: true) else { continue }
                let stale = p.flags & otlpFlagNoRecordedValue != 0
                if let sum = p.sum { emit(base + "_sum", labels, nanos: p.timeNanos, value: stale ? StaleNaN.value : sum) }
                emit(base + "_count", labels, nanos: p.timeNanos, value: stale ? StaleNaN.value : Double(p.count))
                var cumulative: UInt64 = 0
                for (i, bound) in p.explicitBounds.enumerated() {
                    cumulative &+= p.bucketCounts.isEmpty ? 0 : p.bucketCounts[i]
                    emit(base + "_bucket", labels, extra: ("le", OTLPValueFormat.plain(bound)), nanos: p.timeNanos,
                         value: stale ? StaleNaN.value : Double(cumulative))
                }
                emit(base + "_bucket", labels, extra: ("le", "+Inf"), nanos: p.timeNanos,
                     value: stale ? StaleNaN.value : Double(p.count))
            }
        case .exponentialHistogram(let pts, let temporality):
            guard temporality == .cumulative else {
                out.reject(pts.count, "metric \"\(metric.name)\": exponential histograms with \(temporality.name) aggregation temporality are not supported, only cumulative; configure the Collector's deltatocumulative processor (\(ErrorID.otlpDeltaTemporality.id))")
                return
            }
            let name = OTLPMetricNames.metricName(metric.name, unit: metric.unit, kind: .histogram, strategy: strategy)
            for p in pts {
                let histogram: Histogram
                switch OTLPExponentialHistogram.native(p) {
                case .success(let h): histogram = h
                case .failure(let refusal):
                    out.reject(1, "metric \"\(metric.name)\": an exponential histogram point has scale \(refusal.scale), below the coarsest native histogram schema -4; configure the SDK's exponential aggregation with a larger max_scale or fewer buckets (\(ErrorID.otlpExponentialHistogram.id))")
                    continue
                }
                guard let labels = pointLabels(p.attributes, extra: false) else { continue }
                guard !out.tooManySamples else { return }
                guard out.builder.sampleCount < options.maxSamples else {
                    out.tooManySamples = true
                    return
                }
                var series = labels
                series["__name__"] = name
                out.builder.append(series, HistogramPoint(timestamp: milliseconds(p.timeNanos), value: .integer(histogram)))
                newest = max(newest, p.timeNanos)
            }
        case .summary(let pts):
            let base = OTLPMetricNames.metricName(metric.name, unit: metric.unit, kind: .summary, strategy: strategy)
            for p in pts {
                guard let labels = pointLabels(p.attributes, extra: true) else { continue }
                let stale = p.flags & otlpFlagNoRecordedValue != 0
                emit(base + "_sum", labels, nanos: p.timeNanos, value: stale ? StaleNaN.value : p.sum)
                emit(base + "_count", labels, nanos: p.timeNanos, value: stale ? StaleNaN.value : Double(p.count))
                for q in p.quantiles {
                    emit(base, labels, extra: ("quantile", OTLPValueFormat.plain(q.quantile)), nanos: p.timeNanos,
                         value: stale ? StaleNaN.value : q.value)
                }
            }
        }
    }
}

extension OTLPTemporality {
    /// The name used in messages.
    var name: String {
        switch self {
        case .unspecified: return "unspecified"
        case .delta: return "delta"
        case .cumulative: return "cumulative"
        }
    }
}

/// Builds the translated `SeriesBatch`, writing each distinct label name and value into the
/// buffer once: a histogram point's attributes are shared by all its bucket series, so the
/// buffer grows with the request's distinct strings, not with bucket count × labels.
struct OTLPBatchBuilder {
    var batch = SeriesBatch()
    private var interned: [String: (offset: UInt32, length: UInt32)] = [:]

    /// Float and histogram samples so far.
    var sampleCount: Int { batch.samples.count + batch.histograms.count }

    private mutating func intern(_ s: String) -> (offset: UInt32, length: UInt32) {
        if let hit = interned[s] { return hit }
        let ref = (UInt32(truncatingIfNeeded: batch.buffer.count), UInt32(truncatingIfNeeded: s.utf8.count))
        batch.buffer.append(contentsOf: s.utf8)
        interned[s] = ref
        return ref
    }

    /// Appends one series with one sample; labels are sorted by name as validation requires.
    mutating func append(_ labels: [String: String], _ sample: Sample) {
        let labelStart = appendLabels(labels)
        let sampleStart = UInt32(truncatingIfNeeded: batch.samples.count)
        batch.samples.append(sample)
        batch.series.append(SeriesBatch.Entry(labelStart: labelStart, labelCount: UInt32(truncatingIfNeeded: labels.count),
                                              sampleStart: sampleStart, sampleCount: 1))
    }

    /// Appends one series with one native histogram sample.
    mutating func append(_ labels: [String: String], _ histogram: HistogramPoint) {
        let labelStart = appendLabels(labels)
        let histogramStart = UInt32(truncatingIfNeeded: batch.histograms.count)
        batch.histograms.append(histogram)
        batch.series.append(SeriesBatch.Entry(labelStart: labelStart, labelCount: UInt32(truncatingIfNeeded: labels.count),
                                              sampleStart: UInt32(truncatingIfNeeded: batch.samples.count), sampleCount: 0,
                                              histogramCount: 1, histogramStart: histogramStart))
    }

    /// Writes the labels sorted by name; returns the index of the first.
    private mutating func appendLabels(_ labels: [String: String]) -> UInt32 {
        let sorted = labels.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
        let labelStart = UInt32(truncatingIfNeeded: batch.labels.count)
        for (name, value) in sorted {
            let n = intern(name)
            let v = intern(value)
            batch.labels.append(SeriesBatch.LabelRef(nameOffset: n.offset, nameLength: n.length, valueOffset: v.offset, valueLength: v.length))
        }
        return labelStart
    }
}
