import Foundation

/// Why an OTLP/JSON body was refused (HTTP 400).
public struct OTLPJSONError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Where in the document (a JSON path such as `resourceMetrics[0].scopeMetrics[1]`) and what.
    public var description: String

    init(_ path: String, _ problem: String) {
        description = "malformed OTLP/JSON metrics body: \(path.isEmpty ? "the document" : path) \(problem)"
    }
}

/// Decodes OTLP/JSON bodies (the proto3 JSON mapping of `ExportMetricsServiceRequest`:
/// lowerCamelCase keys, 64-bit integers as strings or numbers, enums as integers, bytes as
/// base64). The original snake_case keys are accepted too, as protobuf JSON parsers do.
///
/// Foundation's `JSONSerialization` parses; before it runs, a scan refuses documents nested
/// deeper than `OTLPLimits.maxNestingDepth` levels beyond what the schema needs, so a hostile
/// body cannot make the parser or this decoder recurse without bound.
public enum OTLPJSONDecoder {
    /// Deepest nesting the schema needs without attribute arrays (request → … → quantile).
    static let schemaDepth = 10

    /// Decodes a decompressed body.
    public static func decode(_ body: [UInt8]) throws(OTLPJSONError) -> OTLPMetricsRequest {
        try checkDepth(body, limit: schemaDepth + OTLPLimits.maxNestingDepth)
        let root: Any
        do {
            root = try JSONSerialization.jsonObject(with: Data(body), options: [])
        } catch {
            throw OTLPJSONError("", "is not valid JSON (\(error.localizedDescription))")
        }
        guard let object = root as? [String: Any] else { throw OTLPJSONError("", "is not a JSON object") }
        var request = OTLPMetricsRequest()
        for (i, item) in try array(object, "resourceMetrics", "resource_metrics", path: "").enumerated() {
            request.resources.append(try resourceMetrics(item, path: "resourceMetrics[\(i)]"))
        }
        return request
    }

    /// Refuses documents nested deeper than `limit` arrays/objects, counting outside strings.
    static func checkDepth(_ body: [UInt8], limit: Int) throws(OTLPJSONError) {
        var depth = 0
        var inString = false
        var escaped = false
        for b in body {
            if inString {
                if escaped { escaped = false } else if b == UInt8(ascii: "\\") { escaped = true } else if b == UInt8(ascii: "\"") { inString = false }
                continue
            }
            switch b {
            case UInt8(ascii: "\""): inString = true
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                depth += 1
                if depth > limit { throw OTLPJSONError("", "nests arrays and objects deeper than \(limit) levels") }
            case UInt8(ascii: "}"), UInt8(ascii: "]"): depth -= 1
            default: break
            }
        }
    }

    // MARK: messages

    private static func resourceMetrics(_ any: Any, path: String) throws(OTLPJSONError) -> OTLPResourceMetrics {
        let o = try object(any, path: path)
        var out = OTLPResourceMetrics()
        if let resource = o["resource"] {
            let r = try object(resource, path: path + ".resource")
            out.attributes = try attributes(r, path: path + ".resource")
        }
        for (i, item) in try array(o, "scopeMetrics", "scope_metrics", path: path).enumerated() {
            out.scopes.append(try scopeMetrics(item, path: path + ".scopeMetrics[\(i)]"))
        }
        return out
    }

    private static func scopeMetrics(_ any: Any, path: String) throws(OTLPJSONError) -> OTLPScopeMetrics {
        let o = try object(any, path: path)
        var out = OTLPScopeMetrics()
        if let scope = o["scope"] {
            out.name = try string(try object(scope, path: path + ".scope"), "name", "name", path: path + ".scope") ?? ""
        }
        for (i, item) in try array(o, "metrics", "metrics", path: path).enumerated() {
            out.metrics.append(try metric(item, path: path + ".metrics[\(i)]"))
        }
        return out
    }

    private static func metric(_ any: Any, path: String) throws(OTLPJSONError) -> OTLPMetric {
        let o = try object(any, path: path)
        var out = OTLPMetric(name: try string(o, "name", "name", path: path) ?? "", data: .none)
        out.unit = try string(o, "unit", "unit", path: path) ?? ""
        if let g = o["gauge"] {
            let p = path + ".gauge"
            out.data = .gauge(try points(try object(g, path: p), path: p, numberPoint))
        } else if let s = o["sum"] {
            let p = path + ".sum"
            let so = try object(s, path: p)
            out.data = .sum(try points(so, path: p, numberPoint), temporality: try temporality(so, path: p),
                            monotonic: try bool(so, "isMonotonic", "is_monotonic", path: p))
        } else if let h = o["histogram"] {
            let p = path + ".histogram"
            let ho = try object(h, path: p)
            out.data = .histogram(try points(ho, path: p, histogramPoint), temporality: try temporality(ho, path: p))
        } else if let e = o["exponentialHistogram"] ?? o["exponential_histogram"] {
            let p = path + ".exponentialHistogram"
            let eo = try object(e, path: p)
            out.data = .exponentialHistogram(try points(eo, path: p, exponentialPoint), temporality: try temporality(eo, path: p))
        } else if let s = o["summary"] {
            let p = path + ".summary"
            out.data = .summary(try points(try object(s, path: p), path: p, summaryPoint))
        }
        return out
    }

    private static func points<P>(_ o: [String: Any], path: String,
                                  _ decode: (Any, String) throws(OTLPJSONError) -> P) throws(OTLPJSONError) -> [P] {
        var out: [P] = []
        for (i, item) in try array(o, "dataPoints", "data_points", path: path).enumerated() {
            out.append(try decode(item, path + ".dataPoints[\(i)]"))
        }
        return out
    }

    private static func numberPoint(_ any: Any, path: String) throws(OTLPJSONError) -> OTLPNumberPoint {
        let o = try object(any, path: path)
        var p = OTLPNumberPoint(attributes: try attributes(o, path: path),
                                startTimeNanos: try uint64(o, "startTimeUnixNano", "start_time_unix_nano", path: path) ?? 0,
                                timeNanos: try uint64(o, "timeUnixNano", "time_unix_nano", path: path) ?? 0, value: 0,
                                flags: UInt32(truncatingIfNeeded: try uint64(o, "flags", "flags", path: path) ?? 0))
        if let d = try double(o, "asDouble", "as_double", path: path) {
            p.value = d
        } else if let i = try int64(o, "asInt", "as_int", path: path) {
            p.value = Double(i)
        }
        return p
    }

    private static func histogramPoint(_ any: Any, path: String) throws(OTLPJSONError) -> OTLPHistogramPoint {
        let o = try object(any, path: path)
        var counts: [UInt64] = []
        for (i, item) in try array(o, "bucketCounts", "bucket_counts", path: path).enumerated() {
            guard let v = uint64Value(item) else { throw OTLPJSONError(path + ".bucketCounts[\(i)]", "is not an unsigned 64-bit integer") }
            counts.append(v)
        }
        var bounds: [Double] = []
        for (i, item) in try array(o, "explicitBounds", "explicit_bounds", path: path).enumerated() {
            guard let v = doubleValue(item) else { throw OTLPJSONError(path + ".explicitBounds[\(i)]", "is not a number") }
            bounds.append(v)
        }
        return OTLPHistogramPoint(attributes: try attributes(o, path: path),
                                  startTimeNanos: try uint64(o, "startTimeUnixNano", "start_time_unix_nano", path: path) ?? 0,
                                  timeNanos: try uint64(o, "timeUnixNano", "time_unix_nano", path: path) ?? 0,
                                  count: try uint64(o, "count", "count", path: path) ?? 0,
                                  sum: try double(o, "sum", "sum", path: path), bucketCounts: counts, explicitBounds: bounds,
                                  flags: UInt32(truncatingIfNeeded: try uint64(o, "flags", "flags", path: path) ?? 0))
    }

    private static func exponentialPoint(_ any: Any, path: String) throws(OTLPJSONError) -> OTLPExponentialHistogramPoint {
        let o = try object(any, path: path)
        func buckets(_ key: String) throws(OTLPJSONError) -> OTLPExponentialBuckets {
            guard let raw = o[key] else { return OTLPExponentialBuckets() }
            let bp = path + "." + key
            let bo = try object(raw, path: bp)
            var out = OTLPExponentialBuckets()
            if let offset = try int64(bo, "offset", "offset", path: bp) {
                guard let o32 = Int32(exactly: offset) else { throw OTLPJSONError(bp + ".offset", "is not a 32-bit integer") }
                out.offset = o32
            }
            let items = try array(bo, "bucketCounts", "bucket_counts", path: bp)
            guard items.count <= ProtoLimits.maxHistogramItems else {
                throw OTLPJSONError(bp + ".bucketCounts", "has more than \(ProtoLimits.maxHistogramItems) buckets")
            }
            for (i, item) in items.enumerated() {
                guard let v = uint64Value(item) else { throw OTLPJSONError(bp + ".bucketCounts[\(i)]", "is not an unsigned 64-bit integer") }
                out.bucketCounts.append(v)
            }
            return out
        }
        var scale: Int32 = 0
        if let s = try int64(o, "scale", "scale", path: path) {
            guard let s32 = Int32(exactly: s) else { throw OTLPJSONError(path + ".scale", "is not a 32-bit integer") }
            scale = s32
        }
        return OTLPExponentialHistogramPoint(
            attributes: try attributes(o, path: path),
            startTimeNanos: try uint64(o, "startTimeUnixNano", "start_time_unix_nano", path: path) ?? 0,
            timeNanos: try uint64(o, "timeUnixNano", "time_unix_nano", path: path) ?? 0,
            count: try uint64(o, "count", "count", path: path) ?? 0,
            sum: try double(o, "sum", "sum", path: path), scale: scale,
            zeroCount: try uint64(o, "zeroCount", "zero_count", path: path) ?? 0,
            zeroThreshold: try double(o, "zeroThreshold", "zero_threshold", path: path) ?? 0,
            positive: try buckets("positive"), negative: try buckets("negative"),
            flags: UInt32(truncatingIfNeeded: try uint64(o, "flags", "flags", path: path) ?? 0))
    }

    private static func summaryPoint(_ any: Any, path: String) throws(OTLPJSONError) -> OTLPSummaryPoint {
        let o = try object(any, path: path)
        var quantiles: [OTLPQuantile] = []
        for (i, item) in try array(o, "quantileValues", "quantile_values", path: path).enumerated() {
            let qp = path + ".quantileValues[\(i)]"
            let q = try object(item, path: qp)
            quantiles.append(OTLPQuantile(quantile: try double(q, "quantile", "quantile", path: qp) ?? 0,
                                          value: try double(q, "value", "value", path: qp) ?? 0))
        }
        return OTLPSummaryPoint(attributes: try attributes(o, path: path),
                                startTimeNanos: try uint64(o, "startTimeUnixNano", "start_time_unix_nano", path: path) ?? 0,
                                timeNanos: try uint64(o, "timeUnixNano", "time_unix_nano", path: path) ?? 0,
                                count: try uint64(o, "count", "count", path: path) ?? 0,
                                sum: try double(o, "sum", "sum", path: path) ?? 0, quantiles: quantiles,
                                flags: UInt32(truncatingIfNeeded: try uint64(o, "flags", "flags", path: path) ?? 0))
    }

    private static func temporality(_ o: [String: Any], path: String) throws(OTLPJSONError) -> OTLPTemporality {
        guard let raw = o["aggregationTemporality"] ?? o["aggregation_temporality"] else { return .unspecified }
        if let name = raw as? String {
            switch name {
            case "AGGREGATION_TEMPORALITY_UNSPECIFIED": return .unspecified
            case "AGGREGATION_TEMPORALITY_DELTA": return .delta
            case "AGGREGATION_TEMPORALITY_CUMULATIVE": return .cumulative
            default: break
            }
        }
        guard let n = int64Value(raw), let t = OTLPTemporality(rawValue: Int(truncatingIfNeeded: n)), n >= 0, n <= 2 else {
            throw OTLPJSONError(path + ".aggregationTemporality", "is not 0, 1 or 2 (unspecified, delta, cumulative)")
        }
        return t
    }

    private static func attributes(_ o: [String: Any], path: String) throws(OTLPJSONError) -> [OTLPAttribute] {
        var out: [OTLPAttribute] = []
        for (i, item) in try array(o, "attributes", "attributes", path: path).enumerated() {
            let kv = try keyValue(item, path: path + ".attributes[\(i)]")
            out.append(OTLPAttribute(kv.0, kv.1.text))
        }
        return out
    }

    private static func keyValue(_ any: Any, path: String) throws(OTLPJSONError) -> (String, OTLPAnyValue) {
        let o = try object(any, path: path)
        let key = try string(o, "key", "key", path: path) ?? ""
        guard let value = o["value"] else { return (key, .empty) }
        return (key, try anyValue(value, path: path + ".value"))
    }

    private static func anyValue(_ any: Any, path: String) throws(OTLPJSONError) -> OTLPAnyValue {
        let o = try object(any, path: path)
        if let s = o["stringValue"] ?? o["string_value"] {
            guard let s = s as? String else { throw OTLPJSONError(path + ".stringValue", "is not a string") }
            return .string(s)
        }
        if o["boolValue"] != nil || o["bool_value"] != nil { return .bool(try bool(o, "boolValue", "bool_value", path: path)) }
        if let i = try int64(o, "intValue", "int_value", path: path) { return .int(i) }
        if let d = try double(o, "doubleValue", "double_value", path: path) { return .double(d) }
        if let b = o["bytesValue"] ?? o["bytes_value"] {
            guard let b = b as? String else { throw OTLPJSONError(path + ".bytesValue", "is not a base64 string") }
            return .bytes(b)
        }
        if let a = o["arrayValue"] ?? o["array_value"] {
            let ap = path + ".arrayValue"
            var items: [OTLPAnyValue] = []
            for (i, item) in try array(try object(a, path: ap), "values", "values", path: ap).enumerated() {
                items.append(try anyValue(item, path: ap + ".values[\(i)]"))
            }
            return .array(items)
        }
        if let l = o["kvlistValue"] ?? o["kvlist_value"] {
            let lp = path + ".kvlistValue"
            var pairs: [(String, OTLPAnyValue)] = []
            for (i, item) in try array(try object(l, path: lp), "values", "values", path: lp).enumerated() {
                pairs.append(try keyValue(item, path: lp + ".values[\(i)]"))
            }
            return .kvlist(pairs)
        }
        return .empty
    }

    // MARK: fields

    private static func object(_ any: Any, path: String) throws(OTLPJSONError) -> [String: Any] {
        guard let o = any as? [String: Any] else { throw OTLPJSONError(path, "is not a JSON object") }
        return o
    }

    private static func array(_ o: [String: Any], _ camel: String, _ snake: String, path: String) throws(OTLPJSONError) -> [Any] {
        guard let v = o[camel] ?? o[snake] else { return [] }
        if v is NSNull { return [] }
        guard let a = v as? [Any] else { throw OTLPJSONError("\(path).\(camel)", "is not a JSON array") }
        return a
    }

    private static func string(_ o: [String: Any], _ camel: String, _ snake: String, path: String) throws(OTLPJSONError) -> String? {
        guard let v = o[camel] ?? o[snake], !(v is NSNull) else { return nil }
        guard let s = v as? String else { throw OTLPJSONError("\(path).\(camel)", "is not a string") }
        return s
    }

    private static func bool(_ o: [String: Any], _ camel: String, _ snake: String, path: String) throws(OTLPJSONError) -> Bool {
        guard let v = o[camel] ?? o[snake], !(v is NSNull) else { return false }
        if let n = v as? NSNumber, isJSONBool(n) { return n.boolValue }
        throw OTLPJSONError("\(path).\(camel)", "is not true or false")
    }

    private static func uint64(_ o: [String: Any], _ camel: String, _ snake: String, path: String) throws(OTLPJSONError) -> UInt64? {
        guard let v = o[camel] ?? o[snake], !(v is NSNull) else { return nil }
        guard let n = uint64Value(v) else { throw OTLPJSONError("\(path).\(camel)", "is not an unsigned 64-bit integer (a decimal string or number)") }
        return n
    }

    private static func int64(_ o: [String: Any], _ camel: String, _ snake: String, path: String) throws(OTLPJSONError) -> Int64? {
        guard let v = o[camel] ?? o[snake], !(v is NSNull) else { return nil }
        guard let n = int64Value(v) else { throw OTLPJSONError("\(path).\(camel)", "is not a 64-bit integer (a decimal string or number)") }
        return n
    }

    private static func double(_ o: [String: Any], _ camel: String, _ snake: String, path: String) throws(OTLPJSONError) -> Double? {
        guard let v = o[camel] ?? o[snake], !(v is NSNull) else { return nil }
        guard let d = doubleValue(v) else { throw OTLPJSONError("\(path).\(camel)", "is not a number") }
        return d
    }

    /// Proto3 JSON: 64-bit integers are decimal strings, but numbers are accepted too.
    private static func uint64Value(_ v: Any) -> UInt64? {
        if let s = v as? String { return UInt64(s) }
        if let n = v as? NSNumber, !isJSONBool(n) {
            let d = n.doubleValue
            guard d >= 0, d < 18_446_744_073_709_551_616, d.rounded() == d else { return nil }
            return n.uint64Value
        }
        return nil
    }

    private static func int64Value(_ v: Any) -> Int64? {
        if let s = v as? String { return Int64(s) }
        if let n = v as? NSNumber, !isJSONBool(n) {
            let d = n.doubleValue
            guard d >= -9_223_372_036_854_775_808, d < 9_223_372_036_854_775_808, d.rounded() == d else { return nil }
            return n.int64Value
        }
        return nil
    }

    /// Numbers, or the strings proto3 JSON uses for special values (`"NaN"`, `"Infinity"`, …).
    private static func doubleValue(_ v: Any) -> Double? {
        if let s = v as? String {
            switch s {
            case "NaN": return .nan
            case "Infinity": return .infinity
            case "-Infinity": return -.infinity
            default: return Double(s)
            }
        }
        if let n = v as? NSNumber, !isJSONBool(n) { return n.doubleValue }
        return nil
    }

    /// Whether a parsed JSON number is really `true`/`false` (JSONSerialization returns both as
    /// NSNumber).
    private static func isJSONBool(_ n: NSNumber) -> Bool {
        // Booleans are boxed as `char`-typed NSNumbers; integers and floats never are.
        String(cString: n.objCType) == "c"
    }
}
