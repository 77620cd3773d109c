import Foundation

/// The data of a ring's status page (`/ring`, `/store-gateway/ring`, …): one row per instance with
/// its state, health, heartbeat age, token count and share of the token space, as JSON (Mimir's
/// page has a JSON form) or as an HTML table with a Forget button per instance.
public struct RingStatusPage: Sendable {
    /// One instance row.
    public struct Row: Sendable, Hashable, Codable {
        /// Instance ID.
        public var id: String
        /// State name (`ACTIVE`, `LEAVING`, `PENDING`, `JOINING`), or `UNHEALTHY` past the heartbeat timeout.
        public var state: String
        /// Address, `host:port`.
        public var address: String
        /// Availability zone.
        public var zone: String
        /// Last heartbeat, Unix seconds.
        public var heartbeatTimestamp: Int64
        /// Seconds since the last heartbeat.
        public var heartbeatAgeSeconds: Int64
        /// Registration time, Unix seconds.
        public var registeredTimestamp: Int64
        /// Whether the instance is read-only.
        public var readOnly: Bool
        /// Number of tokens.
        public var numTokens: Int
        /// Share of the token space, percent.
        public var ownershipPercent: Double

        enum CodingKeys: String, CodingKey {
            case id, state, address, zone
            case heartbeatTimestamp = "heartbeat_timestamp"
            case heartbeatAgeSeconds = "heartbeat_age_seconds"
            case registeredTimestamp = "registered_timestamp"
            case readOnly = "read_only"
            case numTokens = "num_tokens"
            case ownershipPercent = "ownership_percent"
        }
    }

    /// The state shown for an instance whose heartbeat is older than the timeout (as Mimir's page).
    public static let unhealthyState = "UNHEALTHY"
    /// The form field carrying the ID of the instance to forget (Mimir's name).
    public static let forgetField = "forget"

    /// Rows sorted by instance ID.
    public let rows: [Row]
    /// The time the page was rendered for, Unix seconds.
    public let now: Int64

    /// Computes the rows for `ring` at `now`.
    public init(ring: RingDesc, now: Int64, heartbeatTimeout: Duration = RingConfig.defaultHeartbeatTimeout) {
        let lookup = RingLookup(ring: ring)
        let shares = lookup.ownership()
        rows = lookup.instances.map { instance in
            Row(
                id: instance.id,
                state: instance.isHeartbeatFresh(now: now, heartbeatTimeout: heartbeatTimeout)
                    ? instance.state.rawValue : RingStatusPage.unhealthyState,
                address: instance.address, zone: instance.zone,
                heartbeatTimestamp: instance.heartbeatTimestamp,
                heartbeatAgeSeconds: max(0, now - instance.heartbeatTimestamp),
                registeredTimestamp: instance.registeredTimestamp, readOnly: instance.readOnly,
                numTokens: instance.tokens.count, ownershipPercent: (shares[instance.id] ?? 0) * 100)
        }
        self.now = now
    }

    private struct JSONPage: Encodable {
        var shards: [Row]
        var now: Int64
    }

    /// The page as JSON: `{"now":<unix s>,"shards":[{…row…}]}` with sorted keys.
    public func json() throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return Array(try encoder.encode(JSONPage(shards: rows, now: now)))
    }

    /// The page as an HTML document; each row's Forget button POSTs `forget=<id>` to `formAction`,
    /// form-encoded: the server accepts a state change only as a POST with a form or JSON body.
    public func html(title: String, formAction: String) -> String {
        var out = "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>\(Self.escape(title))</title></head><body>\n"
        out += "<h1>\(Self.escape(title))</h1>\n<table border=\"1\" cellpadding=\"4\">\n"
        out += "<thead><tr><th>Instance ID</th><th>State</th><th>Address</th><th>Zone</th>"
        out += "<th>Last heartbeat</th><th>Tokens</th><th>Ownership</th><th>Actions</th></tr></thead>\n<tbody>\n"
        for row in rows {
            out += "<tr><td>\(Self.escape(row.id))</td><td>\(Self.escape(row.state))</td>"
            out += "<td>\(Self.escape(row.address))</td><td>\(Self.escape(row.zone))</td>"
            out += "<td>\(row.heartbeatAgeSeconds)s ago</td><td>\(row.numTokens)</td>"
            out += "<td>\(String(format: "%.2f", row.ownershipPercent))%</td>"
            out += "<td><form action=\"\(Self.escape(formAction))\" method=\"POST\" enctype=\"application/x-www-form-urlencoded\">"
            out += "<input type=\"hidden\" name=\"\(Self.forgetField)\" value=\"\(Self.escape(row.id))\">"
            out += "<input type=\"submit\" value=\"Forget\"></form></td></tr>\n"
        }
        out += "</tbody></table>\n</body></html>\n"
        return out
    }

    /// Escapes text for HTML element content and attribute values.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }
}
