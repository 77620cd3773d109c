import Foundation
import Logging
import StrataChunks
import StrataModel
@testable import StrataTSDB

/// A fresh temporary directory, removed when the value is released.
final class HeadTempDir: @unchecked Sendable {
    let path: String

    init() {
        path = NSTemporaryDirectory() + "strata-head-" + UUID().uuidString
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

let headTestLogger = Logger(label: "strata.head.test", factory: { _ in SwiftLogNoOpLogHandler() })

/// Builds labels from `name=value` pairs.
func L(_ pairs: (String, String)...) -> Labels {
    Labels(pairs.map { Label(name: $0.0, value: $0.1) })
}

/// A batch from (labels, samples) pairs.
func batch(_ series: [(Labels, [Sample])]) -> SeriesBatch {
    var b = SeriesBatch()
    for (labels, samples) in series { b.append(labels: labels, samples: samples) }
    return b
}

/// A batch of one series.
func batch(_ labels: Labels, _ samples: [(Int64, Double)]) -> SeriesBatch {
    batch([(labels, samples.map { Sample(timestamp: $0.0, value: $0.1) })])
}

/// Decodes every sample of a query result.
func samples(of series: QuerySeries) -> [Sample] {
    var out: [Sample] = []
    for chunk in series.chunks {
        var it = XORIterator(bytes: chunk.data)
        while let s = it.next() { out.append(s) }
    }
    return out
}

/// The whole head as labels → samples (compared bitwise through bit patterns).
func dump(_ head: Head) throws -> [String: [UInt64]] {
    let all = try LabelMatcher(.regexMatch, metricNameLabel, ".+")
    var out: [String: [UInt64]] = [:]
    for s in head.select(minTime: .min, maxTime: .max, matchers: [all]) {
        out[s.labels.description] = samples(of: s).flatMap { [UInt64(bitPattern: $0.timestamp), $0.value.bitPattern] }
    }
    return out
}

func m(_ type: MatchType, _ name: String, _ value: String) throws -> LabelMatcher {
    try LabelMatcher(type, name, value)
}
