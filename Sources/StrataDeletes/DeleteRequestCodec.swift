import Foundation
import StrataModel

/// The JSON objects a delete request is stored as (docs/format/delete-requests.md): the
/// immutable `request.json`, and one small object per state change.
enum DeleteRequestCodec {
    /// Version of `request.json`; readers refuse others rather than guess.
    static let version = 1

    struct StoredMatcher: Codable {
        var type: String
        var name: String
        var value: String
    }

    struct StoredRequest: Codable {
        var version: Int
        var request_id: String
        var tenant: String
        var selectors: [String]
        var matchers: [[StoredMatcher]]
        var start_time_ms: Int64
        var end_time_ms: Int64
        var created_at_ms: Int64
        var user: String
        var redact_label: String?
        var redact_value: String?
    }

    struct StoredStateChange: Codable {
        var state: String
        var time_ms: Int64
        var user: String?
        var blocks_rewritten: Int?
    }

    static func encode(_ r: DeleteRequest, tenant: TenantID) -> [UInt8] {
        let stored = StoredRequest(
            version: version, request_id: r.id, tenant: tenant.rawValue, selectors: r.selectors,
            matchers: r.matcherSets.map { set in set.map { StoredMatcher(type: $0.type.description, name: $0.name, value: $0.value) } },
            start_time_ms: r.startTime, end_time_ms: r.endTime, created_at_ms: r.createdAt, user: r.user,
            redact_label: r.redaction?.label, redact_value: r.redaction?.value)
        return Array((try? jsonEncoder.encode(stored)) ?? Data())
    }

    static func decode(_ bytes: [UInt8], key: String) throws(DeletesError) -> DeleteRequest {
        let s: StoredRequest
        do {
            s = try JSONDecoder().decode(StoredRequest.self, from: Data(bytes))
        } catch {
            throw .corruptObject(key: key, reason: "\(error)")
        }
        guard s.version == version else { throw .corruptObject(key: key, reason: "unsupported version \(s.version) (this Strata reads \(version))") }
        var sets: [[LabelMatcher]] = []
        for set in s.matchers {
            var out: [LabelMatcher] = []
            for m in set {
                guard let type = matchType(m.type) else { throw .corruptObject(key: key, reason: "unknown matcher type \"\(m.type)\"") }
                do {
                    out.append(try LabelMatcher(type, m.name, m.value))
                } catch {
                    throw .corruptObject(key: key, reason: "\(error)")
                }
            }
            sets.append(out)
        }
        var redaction: DeleteRequest.Redaction? = nil
        if let label = s.redact_label { redaction = .init(label: label, value: s.redact_value ?? "") }
        return DeleteRequest(id: s.request_id, selectors: s.selectors, matcherSets: sets, startTime: s.start_time_ms,
                             endTime: s.end_time_ms, createdAt: s.created_at_ms, user: s.user, redaction: redaction)
    }

    static func encodeState(_ state: DeleteRequest.State, time: Int64, user: String?, blocksRewritten: Int?) -> [UInt8] {
        Array((try? jsonEncoder.encode(StoredStateChange(state: state.rawValue, time_ms: time, user: user,
                                                          blocks_rewritten: blocksRewritten))) ?? Data())
    }

    static func decodeState(_ bytes: [UInt8], key: String) throws(DeletesError) -> StoredStateChange {
        do {
            return try JSONDecoder().decode(StoredStateChange.self, from: Data(bytes))
        } catch {
            throw .corruptObject(key: key, reason: "\(error)")
        }
    }

    static func matchType(_ s: String) -> MatchType? {
        switch s {
        case "=": .equal
        case "!=": .notEqual
        case "=~": .regexMatch
        case "!~": .regexNoMatch
        default: nil
        }
    }

    static var jsonEncoder: JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return e
    }
}
