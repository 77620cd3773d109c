import StrataModel

/// One tenant's request to delete samples or redact a label, as the delete API records it in
/// the bucket (docs/format/delete-requests.md).
///
/// A series is affected when it matches every matcher of at least one of `matcherSets` (one set
/// per `match[]` selector). A deletion removes its samples in `[startTime, endTime]`; a
/// redaction instead moves them to the same series with `redaction.label` set to
/// `redaction.value`, so a leaked token disappears while the samples stay.
public struct DeleteRequest: Sendable {
    /// Where a request is in its life: `pending` until the compactor has rewritten every block
    /// it touches, then `processed`; `cancelled` (only while pending) undoes it.
    public enum State: String, Sendable, Codable, CaseIterable {
        case pending
        case processed
        case cancelled
    }

    /// A redaction: the label whose value is replaced, and the value put in its place.
    public struct Redaction: Sendable, Equatable {
        /// The label rewritten in matching series.
        public var label: String
        /// Its new value.
        public var value: String
        /// Creates a redaction.
        public init(label: String, value: String) {
            self.label = label
            self.value = value
        }
    }

    /// The request's ID (16 lower-case hex digits).
    public var id: String
    /// The `match[]` selectors as the client gave them.
    public var selectors: [String]
    /// The parsed selectors: a series is affected when it matches all matchers of any set.
    public var matcherSets: [[LabelMatcher]]
    /// First affected timestamp, ms (inclusive).
    public var startTime: Int64
    /// Last affected timestamp, ms (inclusive).
    public var endTime: Int64
    /// When the request was made, ms.
    public var createdAt: Int64
    /// Who made it: the `X-Strata-User` header, empty when absent.
    public var user: String
    /// Set for a label redaction; nil for a deletion.
    public var redaction: Redaction?
    /// Where the request is.
    public var state: State
    /// When it reached `state` (ms); `createdAt` while pending.
    public var stateChangedAt: Int64

    /// Creates a pending request.
    public init(id: String, selectors: [String], matcherSets: [[LabelMatcher]], startTime: Int64, endTime: Int64,
                createdAt: Int64, user: String, redaction: Redaction? = nil) {
        self.id = id
        self.selectors = selectors
        self.matcherSets = matcherSets
        self.startTime = startTime
        self.endTime = endTime
        self.createdAt = createdAt
        self.user = user
        self.redaction = redaction
        state = .pending
        stateChangedAt = createdAt
    }

    /// Whether reads must apply the request: every state but `cancelled`. Processed requests
    /// stay applied, because replaced blocks stay readable until the deletion delay has passed.
    public var isActive: Bool { state != .cancelled }

    /// Whether `labels` is affected.
    public func matches(_ labels: Labels) -> Bool {
        matcherSets.contains { set in set.allSatisfy { m in m.matches(labels[m.name] ?? "") } }
    }

    /// Whether `[minTime, maxTime]` overlaps the affected range.
    public func overlaps(minTime: Int64, maxTime: Int64) -> Bool {
        minTime <= endTime && maxTime >= startTime
    }

    /// Whether timestamp `t` is in the affected range.
    public func covers(_ t: Int64) -> Bool { t >= startTime && t <= endTime }

    /// `labels` with the redacted label replaced (labels stay sorted).
    public func redacted(_ labels: Labels) -> Labels {
        guard let redaction else { return labels }
        var pairs: [Label] = labels.filter { $0.name != redaction.label }
        pairs.append(Label(name: redaction.label, value: redaction.value))
        return Labels(pairs)
    }

    /// A new random request ID.
    public static func makeID() -> String {
        var g = SystemRandomNumberGenerator()
        let v = g.next() as UInt64
        let hex = String(v, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    /// Whether `s` has the shape of a request ID, so it can name an object key.
    public static func isValidID(_ s: String) -> Bool {
        s.utf8.count == 16 && s.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }
}
