/// A validated tenant ID, as carried by `X-Scope-OrgID`.
///
/// The rules are Mimir's: at most 150 bytes, only `[a-zA-Z0-9!-_.*'()]`, and not `.` or `..`,
/// because the ID becomes a directory name in the TSDB dir and in object storage. On top of
/// that, names a storage layer reserves (`StorageNames.tenantReservation`) are refused, so an ID
/// accepted at the front (push, query, RPC, overrides) is always storable and shippable.
public struct TenantID: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The longest tenant ID accepted.
    public static let maxLength = 150
    /// The separator of a multi-tenant (federated) query: `team-a|team-b`.
    public static let federationSeparator: Character = "|"
    /// The tenant used when multitenancy is disabled.
    public static let anonymous = TenantID(unchecked: "anonymous")

    /// The ID as sent by the client.
    public let rawValue: String

    /// Validates `raw`; throws `TenantIDError` naming the problem.
    public init(validating raw: String) throws(TenantIDError) {
        if raw.isEmpty { throw .empty }
        if raw.utf8.count > Self.maxLength { throw .tooLong(raw) }
        if raw == "." || raw == ".." { throw .unsafe(raw) }
        for ch in raw.unicodeScalars where !Self.isAllowed(ch) {
            throw .unsupportedCharacter(raw, Character(ch))
        }
        if let reason = StorageNames.tenantReservation(raw) { throw .reserved(raw, reason) }
        rawValue = raw
    }

    private init(unchecked raw: String) { rawValue = raw }

    private static func isAllowed(_ c: Unicode.Scalar) -> Bool {
        switch c {
        case "a"..."z", "A"..."Z", "0"..."9": return true
        case "!", "-", "_", ".", "*", "'", "(", ")": return true
        default: return false
        }
    }

    /// Parses `a|b|c` into sorted, de-duplicated tenant IDs (for federated reads).
    public static func parseMany(_ header: String) throws(TenantIDError) -> [TenantID] {
        var out = Set<TenantID>()
        for part in header.split(separator: federationSeparator, omittingEmptySubsequences: false) {
            out.insert(try TenantID(validating: String(part)))
        }
        return out.sorted()
    }

    public var description: String { rawValue }

    public static func < (lhs: TenantID, rhs: TenantID) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// Why a tenant ID was refused; the messages follow Mimir's.
public enum TenantIDError: Error, Equatable, Sendable, CustomStringConvertible {
    case empty
    case tooLong(String)
    case unsafe(String)
    case unsupportedCharacter(String, Character)
    /// A storage layer reserves the name; the second value says which and why.
    case reserved(String, String)

    public var description: String {
        switch self {
        case .empty: return "no org id"
        case .tooLong: return "tenant ID is too long: max \(TenantID.maxLength) characters"
        case .unsafe(let id): return "tenant ID is '\(id)': '.' and '..' are not allowed"
        case .unsupportedCharacter(let id, let c):
            return "tenant ID '\(id)' contains unsupported character '\(c)'"
        case .reserved(let id, let reason):
            return "tenant ID '\(id)' is reserved: \(reason)"
        }
    }
}
