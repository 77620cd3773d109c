/// One shard of a query sharded by series: the `__query_shard__="<index>_of_<count>"` matcher
/// the query-frontend adds to every selector of a shard query (Mimir's label and format, 1-based).
///
/// Ingesters and store-gateways take the matcher out of a select and keep only the series whose
/// label hash falls in the shard, so the N shard queries of one query read disjoint series whose
/// union is every series.
public struct QueryShard: Sendable, Hashable, CustomStringConvertible {
    /// The reserved label name of the shard matcher.
    public static let labelName = "__query_shard__"
    /// The most shards a query may be split into; more would cost more in fan-out than it gains.
    public static let maxShards = 512

    /// Zero-based shard index, below `count`.
    public let index: Int
    /// Number of shards, 1 ... `maxShards`.
    public let count: Int

    /// A shard from a zero-based index; nil when out of range.
    public init?(index: Int, count: Int) {
        guard count >= 1, count <= Self.maxShards, index >= 0, index < count else { return nil }
        self.index = index
        self.count = count
    }

    /// Parses the matcher value `<1-based index>_of_<count>`, e.g. `3_of_16`.
    public init(parsing value: String) throws(QueryShardError) {
        let parts = value.utf8.split(separator: UInt8(ascii: "_"), omittingEmptySubsequences: false)
        guard parts.count == 3, String(Substring(parts[1])) == "of",
              let i = Self.smallInt(parts[0]), let n = Self.smallInt(parts[2]) else {
            throw .malformed(value)
        }
        guard n >= 1, n <= Self.maxShards else { throw .badCount(value, n) }
        guard i >= 1, i <= n else { throw .badIndex(value, i, n) }
        index = i - 1
        count = n
    }

    /// A decimal of at most 9 digits (no sign, no spaces), so parsing never overflows.
    private static func smallInt(_ bytes: Substring.UTF8View.SubSequence) -> Int? {
        guard !bytes.isEmpty, bytes.count <= 9 else { return nil }
        var v = 0
        for b in bytes {
            guard b >= UInt8(ascii: "0"), b <= UInt8(ascii: "9") else { return nil }
            v = v * 10 + Int(b - UInt8(ascii: "0"))
        }
        return v
    }

    /// The matcher value, `<index + 1>_of_<count>`.
    public var description: String { "\(index + 1)_of_\(count)" }

    /// The equality matcher selecting this shard.
    public var matcher: LabelMatcher {
        LabelMatcher(literal: Self.labelName, description)
    }

    /// Whether a series with this label-set hash (`Labels.stableHash`) belongs to the shard.
    @inlinable
    public func contains(hash: UInt64) -> Bool {
        hash % UInt64(count) == UInt64(index)
    }

    /// Whether the series belongs to the shard.
    public func contains(_ labels: Labels) -> Bool { contains(hash: labels.stableHash) }

    /// Takes the `__query_shard__` matcher out of `matchers`.
    ///
    /// Returns the shard (nil when there is no such matcher) and the other matchers. A shard
    /// matcher that is not `=`, is malformed or appears twice with different values is an error
    /// the caller reports as bad data.
    public static func extract(from matchers: [LabelMatcher]) throws(QueryShardError) -> (shard: QueryShard?, rest: [LabelMatcher]) {
        guard matchers.contains(where: { $0.name == labelName }) else { return (nil, matchers) }
        var shard: QueryShard? = nil
        var rest: [LabelMatcher] = []
        rest.reserveCapacity(matchers.count - 1)
        for m in matchers {
            guard m.name == labelName else {
                rest.append(m)
                continue
            }
            guard m.type == .equal else { throw .notEquality(m.description) }
            let s = try QueryShard(parsing: m.value)
            if let shard, shard != s { throw .conflicting(shard.description, s.description) }
            shard = s
        }
        return (shard, rest)
    }
}

/// A `__query_shard__` matcher that cannot be honoured.
public enum QueryShardError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Not `<index>_of_<count>` with decimal numbers.
    case malformed(String)
    /// The count is 0 or above `QueryShard.maxShards`.
    case badCount(String, Int)
    /// The index is 0 or above the count.
    case badIndex(String, Int, Int)
    /// A `!=`, `=~` or `!~` matcher on the shard label.
    case notEquality(String)
    /// Two different shards in one selector.
    case conflicting(String, String)

    public var description: String {
        let id = ErrorID.invalidQueryShard.id
        switch self {
        case .malformed(let v):
            return "invalid \(QueryShard.labelName) value \"\(v)\": expected <index>_of_<count>, e.g. 1_of_16 (\(id))"
        case .badCount(let v, let n):
            return "invalid \(QueryShard.labelName) value \"\(v)\": shard count \(n) must be between 1 and \(QueryShard.maxShards) (\(id))"
        case .badIndex(let v, let i, let n):
            return "invalid \(QueryShard.labelName) value \"\(v)\": shard index \(i) must be between 1 and \(n) (\(id))"
        case .notEquality(let m):
            return "invalid matcher \(m): \(QueryShard.labelName) takes only an equality matcher (\(id))"
        case .conflicting(let a, let b):
            return "conflicting \(QueryShard.labelName) matchers \"\(a)\" and \"\(b)\" in one selector (\(id))"
        }
    }
}
