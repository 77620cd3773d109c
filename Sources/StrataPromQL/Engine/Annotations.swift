/// The warnings and infos of a query, as Prometheus's `annotations` package reports them.
///
/// Messages are recorded with the position of the expression they concern; `texts(query:)`
/// renders them as Prometheus does: `PromQL warning: <message> (1:23)`. A message recorded twice
/// (same kind, text and position) is kept once, in first order.
public struct Annotations: Sendable, Equatable {
    /// Warning or info.
    public enum Kind: Sendable, Equatable {
        /// Reported in the API's `warnings`.
        case warning
        /// Reported in the API's `infos`.
        case info
    }

    /// One annotation before rendering.
    public struct Entry: Sendable, Equatable {
        /// Warning or info.
        public var kind: Kind
        /// The message without the `PromQL warning: ` prefix or the position suffix.
        public var message: String
        /// The expression concerned; nil for annotations Prometheus prints without a position.
        public var position: PositionRange?
    }

    /// Every annotation, in first-recorded order.
    public private(set) var entries: [Entry] = []

    /// An empty set.
    public init() {}

    /// Records a warning about the expression at `position`.
    public mutating func warn(_ message: String, at position: PositionRange?) {
        add(Entry(kind: .warning, message: message, position: position))
    }

    /// Records an info about the expression at `position`.
    public mutating func info(_ message: String, at position: PositionRange?) {
        add(Entry(kind: .info, message: message, position: position))
    }

    /// Adds everything of `other`.
    public mutating func merge(_ other: Annotations) {
        for e in other.entries { add(e) }
    }

    private mutating func add(_ e: Entry) {
        if !entries.contains(e) { entries.append(e) }
    }

    /// True when there is neither a warning nor an info.
    public var isEmpty: Bool { entries.isEmpty }

    /// The API's `warnings` and `infos` for a query text: `PromQL warning: msg (line:col)`.
    public func texts(query: String) -> (warnings: [String], infos: [String]) {
        let bytes = Array(query.utf8)
        var warnings: [String] = [], infos: [String] = []
        for e in entries {
            var text = (e.kind == .warning ? "PromQL warning: " : "PromQL info: ") + e.message
            if let p = e.position {
                let pe = ParseError(query: bytes, position: p, message: "")
                text += " (\(pe.line):\(pe.column))"
            }
            if e.kind == .warning {
                if !warnings.contains(text) { warnings.append(text) }
            } else if !infos.contains(text) {
                infos.append(text)
            }
        }
        return (warnings, infos)
    }
}
