import StrataModel
import StrataObjstore
import Synchronization

/// Delete requests in the object store, one directory per request under the tenant's markers:
/// `<tenant>/markers/delete-requests/<id>/request.json` (written once) plus `processed.json` or
/// `cancelled.json` when the state changes. One object per fact means concurrent writers never
/// overwrite each other, and a listing alone tells every request's state.
public struct DeleteRequestStore: Sendable {
    /// The directory of the requests under a tenant.
    public static let directory = "markers/delete-requests"
    /// The request object's name in its directory.
    public static let requestObject = "request.json"
    /// Most bytes read from one request object (a request is well under a kilobyte).
    static let maxObjectSize = 1 << 20

    /// The bucket holding the tenants' blocks.
    public let bucket: any Bucket
    /// `request.json` objects never change once written, so each is read once per process.
    private let parsed = ParsedRequests()

    /// Creates the store over `bucket`.
    public init(bucket: any Bucket) {
        self.bucket = bucket
    }

    static func prefix(_ tenant: TenantID) -> String { "\(tenant.rawValue)/\(directory)/" }

    static func key(_ tenant: TenantID, id: String, object: String) -> String {
        "\(prefix(tenant))\(id)/\(object)"
    }

    static func stateObject(_ state: DeleteRequest.State) -> String { "\(state.rawValue).json" }

    /// Records a new pending request.
    public func create(_ request: DeleteRequest, tenant: TenantID) async throws(DeletesError) {
        let key = Self.key(tenant, id: request.id, object: Self.requestObject)
        do {
            try await bucket.put(key, DeleteRequestCodec.encode(request, tenant: tenant))
        } catch {
            throw .bucket(operation: "put", key: key, reason: "\(error)")
        }
    }

    /// Every request of `tenant`, oldest first, with its current state.
    public func list(_ tenant: TenantID) async throws(DeletesError) -> [DeleteRequest] {
        let prefix = Self.prefix(tenant)
        var keys: [String] = []
        do {
            try await bucket.iter(prefix: prefix, delimiter: nil) { (page: ListPage) throws(BucketError) in keys += page.keys }
        } catch {
            throw .bucket(operation: "list", key: prefix, reason: "\(error)")
        }
        // <id>/<object>: group the objects by request.
        var objects: [String: Set<String>] = [:]
        for key in keys {
            let parts = key.dropFirst(prefix.count).split(separator: "/")
            guard parts.count == 2, DeleteRequest.isValidID(String(parts[0])) else { continue }
            objects[String(parts[0]), default: []].insert(String(parts[1]))
        }
        var out: [DeleteRequest] = []
        for (id, names) in objects where names.contains(Self.requestObject) {
            let key = Self.key(tenant, id: id, object: Self.requestObject)
            var request: DeleteRequest
            if let known = parsed.get(key) {
                request = known
            } else {
                request = try await read(key)
                request.id = id
                parsed.put(key, request)
            }
            for state in [DeleteRequest.State.cancelled, .processed] where names.contains(Self.stateObject(state)) {
                let key = Self.key(tenant, id: id, object: Self.stateObject(state))
                let change = try DeleteRequestCodec.decodeState(try await readBytes(key), key: key)
                request.state = state
                request.stateChangedAt = change.time_ms
                break
            }
            out.append(request)
        }
        out.sort { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) }
        return out
    }

    /// Cancels a pending request.
    public func cancel(_ tenant: TenantID, id: String, user: String, now: Int64) async throws(DeletesError) -> DeleteRequest {
        guard DeleteRequest.isValidID(id), var request = try await list(tenant).first(where: { $0.id == id }) else {
            throw .unknownRequest(id: id)
        }
        guard request.state == .pending else { throw .notPending(id: id, state: request.state) }
        try await setState(.cancelled, tenant: tenant, id: id, time: now, user: user, blocksRewritten: nil)
        request.state = .cancelled
        request.stateChangedAt = now
        return request
    }

    /// Marks a request processed: the compactor rewrote every block it touched.
    public func markProcessed(_ tenant: TenantID, id: String, now: Int64, blocksRewritten: Int) async throws(DeletesError) {
        try await setState(.processed, tenant: tenant, id: id, time: now, user: nil, blocksRewritten: blocksRewritten)
    }

    /// Removes every request of `tenant` (tenant deletion).
    public func deleteAll(_ tenant: TenantID) async throws(DeletesError) {
        let prefix = Self.prefix(tenant)
        do {
            var keys: [String] = []
            try await bucket.iter(prefix: prefix, delimiter: nil) { (page: ListPage) throws(BucketError) in keys += page.keys }
            for key in keys { try await bucket.delete(key) }
        } catch {
            throw .bucket(operation: "delete", key: prefix, reason: "\(error)")
        }
    }

    private func setState(_ state: DeleteRequest.State, tenant: TenantID, id: String, time: Int64, user: String?,
                          blocksRewritten: Int?) async throws(DeletesError) {
        let key = Self.key(tenant, id: id, object: Self.stateObject(state))
        do {
            try await bucket.put(key, DeleteRequestCodec.encodeState(state, time: time, user: user, blocksRewritten: blocksRewritten))
        } catch {
            throw .bucket(operation: "put", key: key, reason: "\(error)")
        }
    }

    private func read(_ key: String) async throws(DeletesError) -> DeleteRequest {
        try DeleteRequestCodec.decode(try await readBytes(key), key: key)
    }

    private func readBytes(_ key: String) async throws(DeletesError) -> [UInt8] {
        do {
            let size = try await bucket.attributes(key).size
            guard size <= Self.maxObjectSize else {
                throw DeletesError.corruptObject(key: key, reason: "\(size) bytes, more than a request can hold")
            }
            return try await bucket.get(key)
        } catch let error as DeletesError {
            throw error
        } catch {
            throw .bucket(operation: "get", key: key, reason: "\(error)")
        }
    }
}

/// The request objects this process has read, by key.
final class ParsedRequests: Sendable {
    private let requests = Mutex<[String: DeleteRequest]>([:])

    func get(_ key: String) -> DeleteRequest? { requests.withLock { $0[key] } }

    func put(_ key: String, _ request: DeleteRequest) { requests.withLock { $0[key] = request } }
}
