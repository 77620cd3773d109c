import Foundation
import StrataModel

/// A Collector-shaped OTLP metrics export (gauge, cumulative and delta sums, histogram,
/// exponential histograms, summary) in protobuf and OTLP/JSON, and the parser of the table in
/// docs/otlp.md that says which series it becomes. The unit tests and the integration test check
/// the same table, so the documentation cannot drift from what Strata stores.
public enum OTLPCollectorPayload {
    /// Resource attributes of the export.
    public static let job = "shop/checkout"
    public static let instance = "pod-1"

    /// Data points the translation refuses (the delta sum and the exponential histogram of scale -5).
    public static let refusedDataPoints = 2

    // MARK: protobuf

    /// The export as an `ExportMetricsServiceRequest` protobuf, every point at `timeNanos`.
    public static func protobuf(timeNanos: UInt64) -> [UInt8] {
        let t = timeNanos
        let start = timeNanos - 60_000_000_000
        let method = [("http.method", "GET")]
        var resource = PB()
        for (k, v) in [("service.name", "checkout"), ("service.namespace", "shop"), ("service.instance.id", "pod-1"), ("host.name", "node-a")] {
            resource.message(1) { $0.keyValue(k, v) }
        }
        func number(_ attrs: [(String, String)], _ build: @escaping (inout PB) -> Void) -> (inout PB) -> Void {
            { p in
                for (k, v) in attrs { p.message(7) { $0.keyValue(k, v) } }
                p.fixed64(2, start)
                p.fixed64(3, t)
                build(&p)
            }
        }
        var scope = PB()
        scope.message(1) { $0.string(1, "io.opentelemetry.example"); $0.string(2, "1.0.0") }
        // 1: gauge, int value.
        scope.message(2) { m in
            m.string(1, "process.memory.usage"); m.string(3, "By")
            m.message(5) { $0.message(1, number(method) { $0.fixed64(6, 2048) }) }
        }
        // 2: gauge with unit 1.
        scope.message(2) { m in
            m.string(1, "cpu.utilization"); m.string(3, "1")
            m.message(5) { $0.message(1, number(method) { $0.double(4, 0.25) }) }
        }
        // 3: cumulative monotonic sum.
        scope.message(2) { m in
            m.string(1, "http.server.requests"); m.string(3, "{request}")
            m.message(7) { s in s.message(1, number(method) { $0.double(4, 42) }); s.varint(2, 2); s.varint(3, 1) }
        }
        // 4: cumulative non-monotonic sum.
        scope.message(2) { m in
            m.string(1, "queue.size"); m.string(3, "{item}")
            m.message(7) { s in s.message(1, number(method) { $0.fixed64(6, 7) }); s.varint(2, 2) }
        }
        // 5: delta sum (refused).
        scope.message(2) { m in
            m.string(1, "jobs.done")
            m.message(7) { s in s.message(1, number(method) { $0.double(4, 3) }); s.varint(2, 1); s.varint(3, 1) }
        }
        // 6: explicit-bucket histogram.
        scope.message(2) { m in
            m.string(1, "http.server.duration"); m.string(3, "s")
            m.message(9) { h in
                h.message(1) { p in
                    p.message(9) { $0.keyValue("http.method", "GET") }
                    p.fixed64(2, start); p.fixed64(3, t)
                    p.fixed64(4, 6); p.double(5, 1.5)
                    p.packedFixed64(6, [3, 2, 1])
                    p.packedFixed64(7, [0.1, 0.5].map(\.bitPattern))
                }
                h.varint(2, 2)
            }
        }
        // 7: exponential histogram, stored as a native histogram.
        scope.message(2) { m in
            m.string(1, "rpc.latency"); m.string(3, "ms")
            m.message(10) { e in
                e.message(1) { p in
                    p.message(1) { $0.keyValue("http.method", "GET") }
                    p.fixed64(2, start); p.fixed64(3, t); p.fixed64(4, 4); p.double(5, 10)
                    p.varint(6, 2) // scale 1 (zigzag)
                    p.message(8) { $0.varint(1, 0); $0.varint(2, 4) }
                }
                e.varint(2, 2)
            }
        }
        // 7b: exponential histogram of scale -5 (refused: no native schema is that coarse).
        scope.message(2) { m in
            m.string(1, "dns.lookup.duration"); m.string(3, "s")
            m.message(10) { e in
                e.message(1) { p in
                    p.message(1) { $0.keyValue("http.method", "GET") }
                    p.fixed64(2, start); p.fixed64(3, t); p.fixed64(4, 1); p.double(5, 0.5)
                    p.varint(6, 9) // scale -5 (zigzag)
                    p.message(8) { $0.varint(1, 0); $0.varint(2, 1) }
                }
                e.varint(2, 2)
            }
        }
        // 8: summary.
        scope.message(2) { m in
            m.string(1, "gc.pause"); m.string(3, "ms")
            m.message(11) { s in
                s.message(1) { p in
                    p.message(7) { $0.keyValue("http.method", "GET") }
                    p.fixed64(2, start); p.fixed64(3, t); p.fixed64(4, 10); p.double(5, 30)
                    p.message(6) { $0.double(1, 0.5); $0.double(2, 2) }
                    p.message(6) { $0.double(1, 0.99); $0.double(2, 9) }
                }
            }
        }
        var rm = PB()
        rm.bytes(1, resource.out)
        rm.bytes(2, scope.out)
        var request = PB()
        request.bytes(1, rm.out)
        return request.out
    }

    // MARK: JSON

    /// The same export as OTLP/JSON (int64 as strings, enums as integers).
    public static func json(timeNanos: UInt64) -> [UInt8] {
        let t = "\"\(timeNanos)\""
        let s = "\"\(timeNanos - 60_000_000_000)\""
        let attrs = #"[{"key":"http.method","value":{"stringValue":"GET"}}]"#
        let text = """
        {"resourceMetrics":[{"resource":{"attributes":[
          {"key":"service.name","value":{"stringValue":"checkout"}},
          {"key":"service.namespace","value":{"stringValue":"shop"}},
          {"key":"service.instance.id","value":{"stringValue":"pod-1"}},
          {"key":"host.name","value":{"stringValue":"node-a"}}]},
         "scopeMetrics":[{"scope":{"name":"io.opentelemetry.example","version":"1.0.0"},"metrics":[
          {"name":"process.memory.usage","unit":"By","gauge":{"dataPoints":[{"attributes":\(attrs),"startTimeUnixNano":\(s),"timeUnixNano":\(t),"asInt":"2048"}]}},
          {"name":"cpu.utilization","unit":"1","gauge":{"dataPoints":[{"attributes":\(attrs),"startTimeUnixNano":\(s),"timeUnixNano":\(t),"asDouble":0.25}]}},
          {"name":"http.server.requests","unit":"{request}","sum":{"aggregationTemporality":2,"isMonotonic":true,"dataPoints":[{"attributes":\(attrs),"startTimeUnixNano":\(s),"timeUnixNano":\(t),"asDouble":42}]}},
          {"name":"queue.size","unit":"{item}","sum":{"aggregationTemporality":2,"dataPoints":[{"attributes":\(attrs),"startTimeUnixNano":\(s),"timeUnixNano":\(t),"asInt":"7"}]}},
          {"name":"jobs.done","sum":{"aggregationTemporality":1,"isMonotonic":true,"dataPoints":[{"attributes":\(attrs),"startTimeUnixNano":\(s),"timeUnixNano":\(t),"asDouble":3}]}},
          {"name":"http.server.duration","unit":"s","histogram":{"aggregationTemporality":2,"dataPoints":[{"attributes":\(attrs),"startTimeUnixNano":\(s),"timeUnixNano":\(t),"count":"6","sum":1.5,"bucketCounts":["3","2","1"],"explicitBounds":[0.1,0.5]}]}},
          {"name":"rpc.latency","unit":"ms","exponentialHistogram":{"aggregationTemporality":2,"dataPoints":[{"attributes":\(attrs),"startTimeUnixNano":\(s),"timeUnixNano":\(t),"count":"4","sum":10,"scale":1,"positive":{"offset":0,"bucketCounts":["4"]}}]}},
          {"name":"dns.lookup.duration","unit":"s","exponentialHistogram":{"aggregationTemporality":2,"dataPoints":[{"attributes":\(attrs),"startTimeUnixNano":\(s),"timeUnixNano":\(t),"count":"1","sum":0.5,"scale":-5,"positive":{"offset":0,"bucketCounts":["1"]}}]}},
          {"name":"gc.pause","unit":"ms","summary":{"dataPoints":[{"attributes":\(attrs),"startTimeUnixNano":\(s),"timeUnixNano":\(t),"count":"10","sum":30,"quantileValues":[{"quantile":0.5,"value":2},{"quantile":0.99,"value":9}]}]}}
         ]}]}]}
        """
        return Array(text.utf8)
    }

    // MARK: the documented table

    /// One stored series of the table in docs/otlp.md: labels (with `job` and `instance`) and value.
    public struct Row: Sendable, Equatable, CustomStringConvertible {
        public var labels: Labels
        public var value: Double
        public var description: String { "\(labels) \(value)" }
        public init(labels: Labels, value: Double) {
            self.labels = labels
            self.value = value
        }
    }

    /// The rows between `<!-- otlp-table-begin -->` and `<!-- otlp-table-end -->` of docs/otlp.md
    /// that name a stored series (refused inputs have none), with the `job` and `instance` every
    /// series of the export gets.
    public static func documentedSeries(_ markdown: String) -> [Row] {
        guard let begin = markdown.range(of: "<!-- otlp-table-begin -->"),
              let end = markdown.range(of: "<!-- otlp-table-end -->") else { return [] }
        var rows: [Row] = []
        for line in markdown[begin.upperBound..<end.lowerBound].split(separator: "\n") {
            let cells = line.split(separator: "|", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count >= 5, cells[3].hasPrefix("`"), let value = Double(cells[4]) else { continue }
            let series = cells[3].trimmingCharacters(in: CharacterSet(charactersIn: "`"))
            guard var labels = parseSeries(series) else { continue }
            labels.append(Label(name: "job", value: job))
            labels.append(Label(name: "instance", value: instance))
            rows.append(Row(labels: Labels(labels), value: value))
        }
        return rows
    }

    /// `name{a="1",b="2"}` as labels (values without escapes, as the table writes them).
    static func parseSeries(_ text: String) -> [Label]? {
        guard let brace = text.firstIndex(of: "{"), text.hasSuffix("}") else { return [Label(name: "__name__", value: text)] }
        var labels = [Label(name: "__name__", value: String(text[..<brace]))]
        let body = text[text.index(after: brace)..<text.index(before: text.endIndex)]
        for pair in body.split(separator: ",") {
            guard let eq = pair.firstIndex(of: "=") else { return nil }
            let name = String(pair[..<eq])
            let value = pair[pair.index(after: eq)...].trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            labels.append(Label(name: name, value: value))
        }
        return labels
    }
}

/// A minimal protobuf writer for test payloads.
private struct PB {
    var out: [UInt8] = []

    mutating func raw(_ value: UInt64) {
        var v = value
        while v >= 0x80 { out.append(UInt8(truncatingIfNeeded: v) | 0x80); v >>= 7 }
        out.append(UInt8(truncatingIfNeeded: v))
    }
    mutating func tag(_ field: Int, _ wire: UInt64) { raw(UInt64(field) << 3 | wire) }
    mutating func varint(_ field: Int, _ v: UInt64) { tag(field, 0); raw(v) }
    mutating func fixed64(_ field: Int, _ v: UInt64) {
        tag(field, 1)
        withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) }
    }
    mutating func double(_ field: Int, _ v: Double) { fixed64(field, v.bitPattern) }
    mutating func bytes(_ field: Int, _ b: [UInt8]) { tag(field, 2); raw(UInt64(b.count)); out.append(contentsOf: b) }
    mutating func string(_ field: Int, _ s: String) { bytes(field, Array(s.utf8)) }
    mutating func message(_ field: Int, _ build: (inout PB) -> Void) {
        var sub = PB()
        build(&sub)
        bytes(field, sub.out)
    }
    mutating func packedFixed64(_ field: Int, _ values: [UInt64]) {
        var payload: [UInt8] = []
        for v in values { withUnsafeBytes(of: v.littleEndian) { payload.append(contentsOf: $0) } }
        bytes(field, payload)
    }
    mutating func keyValue(_ key: String, _ value: String) {
        string(1, key)
        message(2) { $0.string(1, value) }
    }
}
