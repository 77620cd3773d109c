import Foundation

/// Encodes a `RingDesc` to the JSON stored in the KV store and decodes it back.
///
/// The layout is described in `docs/format/ring.md`. Decoding never traps: bytes that are not a
/// ring of a known format version become `RingError.corruptValue`.
public enum RingCodec {
    /// The format version written into every value; decoding refuses other versions.
    public static let formatVersion = 1

    /// Encodes `ring` as compact JSON with sorted keys (stable bytes for equal rings).
    public static func encode(_ ring: RingDesc) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return Array(try encoder.encode(ring))
    }

    /// Decodes a value read from `key`; `key` only names the source in errors.
    public static func decode(_ bytes: [UInt8], key: String) throws(RingError) -> RingDesc {
        do {
            return try JSONDecoder().decode(RingDesc.self, from: Data(bytes))
        } catch let error as RingFormatError {
            throw .corruptValue(key: key, reason: error.reason)
        } catch {
            throw .corruptValue(key: key, reason: "not ring JSON: \(error)")
        }
    }
}

/// A well-formed JSON document that breaks a rule of the ring format.
struct RingFormatError: Error {
    let reason: String
}

extension RingDesc: Codable {
    private enum CodingKeys: String, CodingKey {
        case formatVersion = "format_version"
        case instances
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let version = try container.decode(Int.self, forKey: .formatVersion)
        guard version == RingCodec.formatVersion else {
            throw RingFormatError(reason: "format_version \(version), this Strata reads \(RingCodec.formatVersion)")
        }
        var instances = try container.decode([String: InstanceDesc].self, forKey: .instances)
        for (id, instance) in instances where instance.id != id {
            guard instance.id.isEmpty else {
                throw RingFormatError(reason: "instance under \(id) says its id is \(instance.id)")
            }
            instances[id]?.id = id
        }
        self.init(instances: instances)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(RingCodec.formatVersion, forKey: .formatVersion)
        try container.encode(instances, forKey: .instances)
    }
}

extension InstanceDesc: Codable {
    private enum CodingKeys: String, CodingKey {
        case id, addr, zone, state, tokens, timestamp
        case registeredTimestamp = "registered_timestamp"
        case readOnly = "read_only"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let stateName = try container.decode(String.self, forKey: .state)
        guard let state = InstanceState(rawValue: stateName) else {
            throw RingFormatError(reason: "unknown instance state \(stateName)")
        }
        self.init(
            id: try container.decodeIfPresent(String.self, forKey: .id) ?? "",
            address: try container.decode(String.self, forKey: .addr),
            zone: try container.decodeIfPresent(String.self, forKey: .zone) ?? "",
            state: state,
            tokens: try container.decodeIfPresent([UInt32].self, forKey: .tokens) ?? [],
            heartbeatTimestamp: try container.decode(Int64.self, forKey: .timestamp),
            registeredTimestamp: try container.decodeIfPresent(Int64.self, forKey: .registeredTimestamp) ?? 0,
            readOnly: try container.decodeIfPresent(Bool.self, forKey: .readOnly) ?? false)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(address, forKey: .addr)
        try container.encode(zone, forKey: .zone)
        try container.encode(state.rawValue, forKey: .state)
        try container.encode(tokens, forKey: .tokens)
        try container.encode(heartbeatTimestamp, forKey: .timestamp)
        try container.encode(registeredTimestamp, forKey: .registeredTimestamp)
        try container.encode(readOnly, forKey: .readOnly)
    }
}
