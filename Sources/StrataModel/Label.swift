/// One label of a series: a name and a value.
///
/// `__name__` carries the metric name, as in Prometheus.
public struct Label: Hashable, Sendable, Comparable {
    /// The label name, e.g. `job`.
    public var name: String
    /// The label value, e.g. `node-exporter`.
    public var value: String

    /// Creates a label.
    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }

    public static func < (lhs: Label, rhs: Label) -> Bool {
        if lhs.name != rhs.name { return lhs.name.utf8.lexicographicallyPrecedes(rhs.name.utf8) }
        return lhs.value.utf8.lexicographicallyPrecedes(rhs.value.utf8)
    }
}

/// The reserved label that holds the metric name.
public let metricNameLabel = "__name__"

/// The label set of one series, sorted by name (byte order), names unique.
///
/// Sorting is what makes two label sets with the same content compare and hash equal, so every
/// constructor either checks or establishes it.
public struct Labels: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The labels, sorted by name.
    public private(set) var storage: ContiguousArray<Label>

    /// Creates a label set from labels in any order; later duplicates of a name win.
    public init(_ labels: some Sequence<Label>) {
        var sorted = ContiguousArray(labels)
        sorted.sort { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }
        var unique = ContiguousArray<Label>()
        unique.reserveCapacity(sorted.count)
        for label in sorted {
            if let last = unique.last, last.name == label.name {
                unique[unique.count - 1] = label
            } else {
                unique.append(label)
            }
        }
        storage = unique
    }

    /// Creates a label set from a dictionary of name → value.
    public init(_ pairs: [String: String]) {
        self.init(pairs.map { Label(name: $0.key, value: $0.value) })
    }

    /// Wraps labels the caller guarantees are sorted by name with unique names.
    public init(presorted: ContiguousArray<Label>) {
        storage = presorted
    }

    /// An empty label set.
    public static let empty = Labels(presorted: [])

    /// The number of labels.
    public var count: Int { storage.count }

    /// True when there are no labels.
    public var isEmpty: Bool { storage.isEmpty }

    /// The value of the label `name`, or nil.
    public subscript(name: String) -> String? {
        for label in storage where label.name == name { return label.value }
        return nil
    }

    /// The metric name (`__name__`), or nil.
    public var metricName: String? { self[metricNameLabel] }

    /// A stable 64-bit hash of the label set (xxHash64 over `name 0xff value 0xff …`).
    ///
    /// The same bytes are hashed by the wire decoder, so a decoded series can find its head series
    /// without building `String`s first.
    public var stableHash: UInt64 {
        var hasher = LabelsHasher()
        for label in storage {
            hasher.add(label.name)
            hasher.add(label.value)
        }
        return hasher.finish()
    }

    /// Prometheus notation: `name{a="1", b="2"}`.
    public var description: String {
        var out = ""
        var inner: [String] = []
        for label in storage {
            if label.name == metricNameLabel {
                out = label.value
            } else {
                inner.append("\(label.name)=\(quoteLabelValue(label.value))")
            }
        }
        if inner.isEmpty && !out.isEmpty { return out }
        return out + "{" + inner.joined(separator: ", ") + "}"
    }

    public static func < (lhs: Labels, rhs: Labels) -> Bool {
        let n = Swift.min(lhs.storage.count, rhs.storage.count)
        for i in 0..<n {
            let a = lhs.storage[i], b = rhs.storage[i]
            if a.name != b.name { return a.name.utf8.lexicographicallyPrecedes(b.name.utf8) }
            if a.value != b.value { return a.value.utf8.lexicographicallyPrecedes(b.value.utf8) }
        }
        return lhs.storage.count < rhs.storage.count
    }
}

extension Labels: RandomAccessCollection {
    public var startIndex: Int { 0 }
    public var endIndex: Int { storage.count }
    public subscript(position: Int) -> Label { storage[position] }
}

/// Quotes a label value the way Prometheus prints it (Go `%q`-style escapes).
public func quoteLabelValue(_ value: String) -> String {
    var out = "\""
    for scalar in value.unicodeScalars {
        switch scalar {
        case "\\": out += "\\\\"
        case "\"": out += "\\\""
        case "\n": out += "\\n"
        case "\t": out += "\\t"
        case "\r": out += "\\r"
        default: out.unicodeScalars.append(scalar)
        }
    }
    return out + "\""
}
