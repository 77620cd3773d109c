import Foundation

/// Encodes a `RingDesc` to the JSON stored in the KV store and decodes it back.
///
/// The layout is described in `docs/format/ring.md`. Decoding never traps: bytes that are not a
/// ring of a known format version become `RingError.corruptValue`.
public enum RingCodec {
    /// The format version written into every value; decoding refuses newer versions.
    public static let formatVersion = 1

    /// Encodes `ring` as compact JSON with sorted keys (stable bytes for equal rings).
    public static func encode(_ ring: RingDesc) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let stored = StoredRing(
            formatVersion: formatVersion,
            instances: ring.instances.mapValues(StoredInstance.init))
        return Array(try encoder.encode(stored))
    }

    /// Decodes a value read from `key`; `key` only names the source in errors.
    public static func decode(_ bytes: [UInt8], key: String) throws(RingError) -> RingDesc {
        let stored: StoredRing
        do {
            stored = try JSONDecoder().decode(StoredRing.self, from: Data(bytes))
        } catch {
            throw .corruptValue(key: key, reason: "not ring JSON: \(error)")
        }
        guard stored.formatVersion == formatVersion else {
            throw .corruptValue(
                key: key,
                reason: "format_version \(stored.formatVersion), this Strata reads \(formatVersion)")
        }
        var ring = RingDesc()
        for (id, instance) in stored.instances {
            guard let state = InstanceState(rawValue: instance.state) else {
                throw .corruptValue(key: key, reason: "instance \(id) has unknown state \(instance.state)")
            }
            ring.instances[id] = InstanceDesc(
                id: id, address: instance.addr, zone: instance.zone ?? "", state: state,
                tokens: instance.tokens ?? [], heartbeatTimestamp: instance.timestamp,
                registeredTimestamp: instance.registeredTimestamp ?? 0, readOnly: instance.readOnly ?? false)
        }
        return ring
    }
}

private struct StoredRing: Codable {
    var formatVersion: Int
    var instances: [String: StoredInstance]

    enum CodingKeys: String, CodingKey {
        case formatVersion = "format_version"
        case instances
    }
}

private struct StoredInstance: Codable {
    var addr: String
    var zone: String?
    var state: String
    var tokens: [UInt32]?
    var timestamp: Int64
    var registeredTimestamp: Int64?
    var readOnly: Bool?

    enum CodingKeys: String, CodingKey {
        case addr, zone, state, tokens, timestamp
        case registeredTimestamp = "registered_timestamp"
        case readOnly = "read_only"
    }

    init(_ instance: InstanceDesc) {
        addr = instance.address
        zone = instance.zone
        state = instance.state.rawValue
        tokens = instance.tokens
        timestamp = instance.heartbeatTimestamp
        registeredTimestamp = instance.registeredTimestamp
        readOnly = instance.readOnly
    }
}
