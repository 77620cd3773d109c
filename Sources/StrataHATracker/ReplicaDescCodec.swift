import Foundation

/// Encodes a `ReplicaDesc` to the JSON stored in the KV store and decodes it back.
///
/// The layout is described in `docs/format/ha-tracker.md`. Decoding never traps: bytes that are not
/// a replica description of a known format version become `HATrackerError.corruptValue`.
public enum ReplicaDescCodec {
    /// The format version written into every value; decoding refuses other versions.
    public static let formatVersion = 1

    /// Encodes `desc` as compact JSON with sorted keys (stable bytes for equal values); `key`
    /// names the destination in errors.
    public static func encode(_ desc: ReplicaDesc, key: String) throws(HATrackerError) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        do {
            return Array(try encoder.encode(desc))
        } catch {
            throw .corruptValue(key: key, reason: "cannot encode \(desc): \(error)")
        }
    }

    /// Decodes a value read from `key`; `key` only names the source in errors.
    public static func decode(_ bytes: [UInt8], key: String) throws(HATrackerError) -> ReplicaDesc {
        do {
            return try JSONDecoder().decode(ReplicaDesc.self, from: Data(bytes))
        } catch let error as ReplicaFormatError {
            throw .corruptValue(key: key, reason: error.reason)
        } catch {
            throw .corruptValue(key: key, reason: "not HA tracker JSON: \(error)")
        }
    }
}

/// A well-formed JSON document that breaks a rule of the HA tracker format.
struct ReplicaFormatError: Error {
    let reason: String
}

extension ReplicaDesc: Codable {
    private enum CodingKeys: String, CodingKey {
        case formatVersion = "format_version"
        case replica
        case receivedAt = "received_at"
        case electedAt = "elected_at"
        case electedChanges = "elected_changes"
        case deletedAt = "deleted_at"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let version = try container.decode(Int.self, forKey: .formatVersion)
        guard version == ReplicaDescCodec.formatVersion else {
            throw ReplicaFormatError(reason: "format_version \(version), this Strata reads \(ReplicaDescCodec.formatVersion)")
        }
        let replica = try container.decode(String.self, forKey: .replica)
        guard !replica.isEmpty else { throw ReplicaFormatError(reason: "empty replica") }
        let receivedAt = try container.decode(Int64.self, forKey: .receivedAt)
        let electedAt = try container.decodeIfPresent(Int64.self, forKey: .electedAt) ?? 0
        let electedChanges = try container.decodeIfPresent(Int64.self, forKey: .electedChanges) ?? 0
        let deletedAt = try container.decodeIfPresent(Int64.self, forKey: .deletedAt) ?? 0
        guard receivedAt >= 0, electedAt >= 0, electedChanges >= 0, deletedAt >= 0 else {
            throw ReplicaFormatError(reason: "negative timestamp or count")
        }
        self.init(replica: replica, receivedAt: receivedAt, electedAt: electedAt, electedChanges: electedChanges, deletedAt: deletedAt)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(ReplicaDescCodec.formatVersion, forKey: .formatVersion)
        try container.encode(replica, forKey: .replica)
        try container.encode(receivedAt, forKey: .receivedAt)
        try container.encode(electedAt, forKey: .electedAt)
        try container.encode(electedChanges, forKey: .electedChanges)
        try container.encode(deletedAt, forKey: .deletedAt)
    }
}
