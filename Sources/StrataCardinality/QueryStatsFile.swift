import Foundation
import StrataModel

/// One querier's metric names of one tenant and one UTC day, in the bucket at
/// `<tenant>/query-stats/<yyyy-mm-dd>/<instance>.json` (docs/format/query-stats.md).
///
/// Each querier writes only its own file (whole, one PUT, replacing the previous version), so
/// queriers never contend; readers take the union of every instance's file of a day.
struct QueryStatsFile: Codable, Equatable {
    /// The format version Strata writes and reads.
    static let currentVersion = 1
    /// The directory under the tenant prefix.
    static let directory = "query-stats"
    /// Largest file accepted on read (10,000 names of up to 1 KiB each, with room).
    static let maxSize = 16 << 20

    var version: Int
    var tenant: String
    var date: String
    var instance: String
    /// When the file was written, Unix seconds.
    var updated_at: Int64
    /// Names were dropped because the day reached `QueriedMetricsLog.maxNamesPerTenantDay`.
    var truncated: Bool
    /// The metric names, sorted (byte order), each once.
    var metric_names: [String]

    /// `<tenant>/query-stats/`.
    static func prefix(tenant: TenantID) -> String {
        tenant.rawValue + "/" + directory + "/"
    }

    /// `<tenant>/query-stats/<day>/<instance>.json`.
    static func key(tenant: TenantID, day: UTCDay, instance: String) -> String {
        prefix(tenant: tenant) + day.description + "/" + instance + ".json"
    }

    /// The day a key under `prefix(tenant:)` belongs to; nil for anything else.
    static func day(ofKey key: String, tenant: TenantID) -> UTCDay? {
        let p = prefix(tenant: tenant)
        guard key.hasPrefix(p), key.hasSuffix(".json") else { return nil }
        let rest = key.utf8.dropFirst(p.utf8.count)
        guard let slash = rest.firstIndex(of: UInt8(ascii: "/")) else { return nil }
        return UTCDay(String(decoding: rest[rest.startIndex..<slash], as: UTF8.self))
    }

    /// An instance name usable as one key segment: letters, digits, `.`, `_` and `-` kept, any
    /// other byte becomes `_`, at most 128 bytes; `querier` when nothing is left.
    static func sanitizedInstance(_ raw: String) -> String {
        var out = ""
        for scalar in raw.unicodeScalars.prefix(128) {
            switch scalar {
            case "a"..."z", "A"..."Z", "0"..."9", ".", "_", "-": out.unicodeScalars.append(scalar)
            default: out.append("_")
            }
        }
        if out.isEmpty || out == "." || out == ".." { return "querier" }
        return out
    }

    func encoded() throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return Array(try encoder.encode(self))
    }

    /// Parses a file; `key` names it in errors. Names that are not valid UTF-8 strings fail the
    /// whole file (it is then skipped by the reader with a warning).
    static func decode(_ bytes: [UInt8], key: String) throws(QueryStatsError) -> QueryStatsFile {
        let file: QueryStatsFile
        do {
            file = try JSONDecoder().decode(QueryStatsFile.self, from: Data(bytes))
        } catch {
            throw .corrupt(key: key, reason: "not a query-stats JSON document: \(error)")
        }
        guard file.version == currentVersion else {
            throw .corrupt(key: key, reason: "unsupported version \(file.version) (this Strata reads \(currentVersion))")
        }
        return file
    }
}

/// Why the query log could not be read or written.
public enum QueryStatsError: Error, Sendable, CustomStringConvertible {
    /// A query-stats file does not parse.
    case corrupt(key: String, reason: String)
    /// The object store failed.
    case bucket(operation: String, key: String, reason: String)

    public var description: String {
        switch self {
        case .corrupt(let key, let reason):
            return "query-stats file \(key) is unreadable: \(reason)"
        case .bucket(let operation, let key, let reason):
            return "\(operation) of \(key) in the object store failed: \(reason)"
        }
    }
}
