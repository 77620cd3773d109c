import StrataModel

extension BlockMeta {
    /// Strata's section of `meta.json`, `"strata"`: series per metric name in the block, which the
    /// bucket index folds into its per-day cardinality history (docs/format/block.md).
    ///
    /// Written by `BlockWriter` for every block it writes (head cuts, compactions,
    /// downsampling); Prometheus, promtool, Thanos and Mimir ignore the unknown key. Decoding never
    /// fails: a damaged section reads as empty rather than making the block unreadable.
    public struct Strata: Sendable, Equatable, Codable {
        /// The most metric names a block lists (the largest by series count).
        public static let maxMetricNames = 200

        /// Distinct metric names in the block (may exceed the listed ones).
        public var metricNames: UInt64
        /// Series per metric name: the `maxMetricNames` largest counts (ties by name).
        public var seriesByMetricName: [String: UInt64]

        /// The section for a block with `seriesPerMetric` series per metric name; keeps the
        /// `maxMetricNames` largest.
        public init(seriesPerMetric: [String: UInt64]) {
            metricNames = UInt64(seriesPerMetric.count)
            if seriesPerMetric.count <= Self.maxMetricNames {
                seriesByMetricName = seriesPerMetric
            } else {
                let top = CardinalityStatistics.top(seriesPerMetric.lazy.map { NamedCount(name: $0.key, value: Int(clamping: $0.value)) },
                                                    limit: Self.maxMetricNames)
                seriesByMetricName = Dictionary(uniqueKeysWithValues: top.map { ($0.name, UInt64($0.value)) })
            }
        }

        /// Creates a section from its fields as they are.
        public init(metricNames: UInt64, seriesByMetricName: [String: UInt64]) {
            self.metricNames = metricNames
            self.seriesByMetricName = seriesByMetricName
        }

        enum CodingKeys: String, CodingKey {
            case metricNames
            case seriesByMetricName
        }

        /// Lenient: a missing or malformed field reads as empty.
        public init(from decoder: any Decoder) {
            let c = try? decoder.container(keyedBy: CodingKeys.self)
            metricNames = (try? c?.decodeIfPresent(UInt64.self, forKey: .metricNames)) ?? 0
            seriesByMetricName = (try? c?.decodeIfPresent([String: UInt64].self, forKey: .seriesByMetricName)) ?? [:]
        }

        /// The section as `encoded()` writes it inside `meta.json`: Go's `MarshalIndent` layout at
        /// depth 1, map keys in byte order.
        func encodedLines() -> String {
            var o = "\t\"strata\": {\n"
            o += "\t\t\"metricNames\": \(metricNames),\n"
            if seriesByMetricName.isEmpty {
                o += "\t\t\"seriesByMetricName\": {}\n"
            } else {
                o += "\t\t\"seriesByMetricName\": {\n"
                let keys = seriesByMetricName.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
                o += keys.map { "\t\t\t\(BlockMeta.quote($0)): \(seriesByMetricName[$0] ?? 0)" }.joined(separator: ",\n")
                o += "\n\t\t}\n"
            }
            o += "\t}"
            return o
        }
    }
}
