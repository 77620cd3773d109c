/// The keys an etcd range request or watch covers: one key, or every key under a prefix.
///
/// etcd names a prefix by the half-open interval [prefix, end), where `end` is the prefix with its
/// last byte incremented (trailing 0xff bytes dropped first); "\0" as end means "to the last key".
struct EtcdRange: Sendable, Hashable {
    /// The first key (full etcd key, with the store prefix).
    let key: [UInt8]
    /// The end of the interval, or nil for the single key `key`.
    let rangeEnd: [UInt8]?

    /// The single key `fullKey`.
    static func key(_ fullKey: String) -> EtcdRange {
        EtcdRange(key: Array(fullKey.utf8), rangeEnd: nil)
    }

    /// Every key that starts with `fullPrefix`.
    static func prefix(_ fullPrefix: String) -> EtcdRange {
        let prefix = Array(fullPrefix.utf8)
        // An empty prefix is the whole keyspace: etcd spells that key "\0", end "\0".
        guard !prefix.isEmpty else { return EtcdRange(key: [0], rangeEnd: [0]) }
        return EtcdRange(key: prefix, rangeEnd: prefixEnd(prefix))
    }

    /// The smallest key greater than every key starting with `prefix`.
    static func prefixEnd(_ prefix: [UInt8]) -> [UInt8] {
        var end = prefix
        while let last = end.last {
            if last < 0xff {
                end[end.count - 1] = last + 1
                return end
            }
            end.removeLast()
        }
        return [0]
    }

    /// The `key` / `range_end` fields of a range or watch-create request.
    var requestFields: [String: Any] {
        var fields: [String: Any] = ["key": EtcdBase64.encode(key)]
        if let rangeEnd { fields["range_end"] = EtcdBase64.encode(rangeEnd) }
        return fields
    }

    /// The key for log and error messages.
    var description: String {
        let text = String(decoding: key, as: UTF8.self)
        return rangeEnd == nil ? text : text + "*"
    }
}
