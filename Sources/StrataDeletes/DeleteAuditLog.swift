import Foundation
import StrataModel
import StrataObjstore

/// The append-only audit trail of deletes and redactions in the bucket: one object per event
/// at `<tenant>/markers/delete-audit/<ms>-<request id>-<action>.json`, so that events never
/// overwrite each other and a listing sorts them by time.
public struct DeleteAuditLog: Sendable {
    /// The directory of the events under a tenant.
    public static let directory = "markers/delete-audit"

    /// One audited event.
    public struct Event: Sendable, Codable, Equatable {
        /// When it happened, ms.
        public var time_ms: Int64
        /// The same instant in RFC 3339, for people reading the bucket.
        public var time: String
        /// The tenant whose data it concerns.
        public var tenant: String
        /// The `X-Strata-User` of the request, or `compactor` for the compactor's own events.
        public var user: String
        /// `create`, `cancel`, `rewrite` (a block rewritten) or `processed`.
        public var action: String
        /// The delete request.
        public var request_id: String
        /// Its selectors.
        public var selectors: [String]
        /// Its time range, ms.
        public var start_time_ms: Int64
        public var end_time_ms: Int64
        /// The redacted label, for a redaction.
        public var redact_label: String?
        /// `success` or `failure`.
        public var outcome: String
        /// What was done (blocks rewritten, …) or why it failed.
        public var detail: String
    }

    /// The bucket.
    public let bucket: any Bucket

    /// Creates the log over `bucket`.
    public init(bucket: any Bucket) {
        self.bucket = bucket
    }

    /// Appends an event for `request`.
    public func append(tenant: TenantID, request: DeleteRequest, action: String, user: String, time: Int64,
                       outcome: String = "success", detail: String = "") async throws(DeletesError) {
        let event = Event(time_ms: time, time: Self.rfc3339(time), tenant: tenant.rawValue, user: user, action: action,
                          request_id: request.id, selectors: request.selectors, start_time_ms: request.startTime,
                          end_time_ms: request.endTime, redact_label: request.redaction?.label, outcome: outcome, detail: detail)
        let stamp = String(max(0, time))
        let key = "\(tenant.rawValue)/\(Self.directory)/\(String(repeating: "0", count: max(0, 13 - stamp.count)))\(stamp)-\(request.id)-\(action).json"
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        do {
            try await bucket.put(key, Array((try? encoder.encode(event)) ?? Data()))
        } catch {
            throw .bucket(operation: "put", key: key, reason: "\(error)")
        }
    }

    /// Every event of `tenant`, oldest first.
    public func events(_ tenant: TenantID) async throws(DeletesError) -> [Event] {
        let prefix = "\(tenant.rawValue)/\(Self.directory)/"
        var keys: [String] = []
        do {
            try await bucket.iter(prefix: prefix, delimiter: nil) { (page: ListPage) throws(BucketError) in keys += page.keys }
        } catch {
            throw .bucket(operation: "list", key: prefix, reason: "\(error)")
        }
        var out: [Event] = []
        for key in keys.sorted() where key.hasSuffix(".json") {
            do {
                out.append(try JSONDecoder().decode(Event.self, from: Data(try await bucket.get(key))))
            } catch {
                throw .corruptObject(key: key, reason: "\(error)")
            }
        }
        return out
    }

    static func rfc3339(_ ms: Int64) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f.string(from: Date(timeIntervalSince1970: Double(ms) / 1000))
    }
}
