import Logging
import StrataBucketIndex
import StrataModel
import StrataObjstore
import Synchronization

/// The query log of metric names: which metric names the queries of each tenant touched, per UTC
/// day, so the cardinality API can list the metrics nobody queries (`cardinality/unused`).
///
/// Queriers record into memory (`record`, a set insert under a lock, on every storage read) and
/// write each tenant's set of the day to the bucket every `flushInterval` and at shutdown
/// (`flush`): `<tenant>/query-stats/<yyyy-mm-dd>/<instance>.json`, one file per querier, so
/// queriers never overwrite each other. The first write of a day merges the file already there,
/// so a restarted querier keeps what it recorded before. Readers (`queriedNames`) take the union
/// of every querier's files and of this process's unwritten names.
///
/// Bounded: `maxNamesPerTenantDay` names per tenant and day (more are dropped and the file says
/// `truncated`), `maxEntries` tenant-days in memory, files older than `retentionDays` removed.
public final class QueriedMetricsLog: Sendable {
    /// Names kept per tenant and day; a tenant querying more distinct metric names in a day is
    /// recorded as truncated (its unused list may then miss some queried names).
    public static let maxNamesPerTenantDay = 10_000
    /// Tenant-days held in memory at once (written ones of past days are released at each flush).
    public static let maxEntries = 10_000
    /// How often `QueryStatsService` writes the log to the bucket.
    public static let flushInterval: Duration = .seconds(60)
    /// Days of files kept in the bucket: older ones are removed when a querier first writes a tenant's file.
    public static let retentionDays = 400
    /// Object reads in flight while the files of a tenant are read.
    static let readConcurrency = 16

    /// Where files go; nil keeps the log in memory only (a process without object storage).
    let bucket: (any Bucket)?
    /// This process's name in file names (sanitized).
    public let instance: String
    let now: @Sendable () -> Int64
    let logger: Logger
    private let state = Mutex<State>(State())

    struct Key: Hashable {
        var tenant: TenantID
        var day: UTCDay
    }

    struct Entry {
        var names: Set<String> = []
        /// Bumped by every change, so a flush knows whether the set changed while it wrote.
        var version = 0
        var writtenVersion = 0
        /// The bucket's file of this instance was read and merged in (or found missing).
        var merged = false
        var truncated = false
    }

    struct State {
        var entries: [Key: Entry] = [:]
        var droppedEntries = 0
        /// Tenants whose expired files this process already looked for.
        var expiryChecked: Set<TenantID> = []
    }

    /// Creates a log writing to `bucket` as `instance` (any text: it is sanitized for a key).
    public init(bucket: (any Bucket)?, instance: String, logger: Logger,
                now: @escaping @Sendable () -> Int64 = { WallClock.nowMilliseconds() }) {
        self.bucket = bucket
        self.instance = QueryStatsFile.sanitizedInstance(instance)
        self.logger = logger
        self.now = now
    }

    /// Records that a query of `tenant` touched `names` today.
    public func record(tenant: TenantID, names: some Collection<String>) {
        guard !names.isEmpty else { return }
        let key = Key(tenant: tenant, day: UTCDay(milliseconds: now()))
        state.withLock { s in
            if s.entries[key] == nil {
                guard s.entries.count < Self.maxEntries else {
                    s.droppedEntries += 1
                    return
                }
                s.entries[key] = Entry()
            }
            // In place through the subscript: no copy of the set.
            for name in names where !name.isEmpty {
                guard s.entries[key]?.names.contains(name) == false else { continue }
                if (s.entries[key]?.names.count ?? 0) >= Self.maxNamesPerTenantDay {
                    s.entries[key]?.truncated = true
                    continue
                }
                s.entries[key]?.names.insert(name)
                s.entries[key]?.version += 1
            }
        }
    }

    /// Writes every tenant-day that changed since its last write; entries of days before
    /// yesterday are released once written. Failures are logged and retried at the next flush.
    public func flush() async {
        let dropped = state.withLock { s -> Int in
            defer { s.droppedEntries = 0 }
            return s.droppedEntries
        }
        if dropped > 0 {
            logger.warning("the query log of metric names is full; names of new tenant-days were dropped",
                           metadata: ["max_entries": "\(Self.maxEntries)", "dropped_records": "\(dropped)"])
        }
        guard let bucket else {
            pruneMemoryOnly()
            return
        }
        let pending = state.withLock { s in
            s.entries.filter { $0.value.version != $0.value.writtenVersion || !$0.value.merged }
                .map { (key: $0.key, entry: $0.value) }
        }
        for (key, entry) in pending.sorted(by: { ($0.key.day, $0.key.tenant) < ($1.key.day, $1.key.tenant) }) {
            do throws(QueryStatsError) {
                try await write(key: key, entry: entry, bucket: bucket)
            } catch {
                logger.warning("writing the query log of metric names failed; retried at the next flush",
                               metadata: ["user": "\(key.tenant)", "day": "\(key.day)", "err": "\(error)"])
            }
        }
        let today = UTCDay(milliseconds: now())
        state.withLock { s in
            s.entries = s.entries.filter { $0.key.day >= today.adding(days: -1) || $0.value.version != $0.value.writtenVersion }
        }
    }

    /// Metric names the queries of `tenant` touched on the days `from` through `through`: every
    /// querier's files in the bucket and this process's unwritten names. Unreadable files are
    /// skipped with a warning. Also returns whether any day was truncated.
    public func queriedNames(tenant: TenantID, from: UTCDay, through: UTCDay) async throws(QueryStatsError) -> (names: Set<String>, truncated: Bool) {
        var names = Set<String>()
        var truncated = false
        state.withLock { s in
            for (key, entry) in s.entries where key.tenant == tenant && key.day >= from && key.day <= through {
                names.formUnion(entry.names)
                truncated = truncated || entry.truncated
            }
        }
        guard let bucket else { return (names, truncated) }
        let keys = try await listFiles(bucket: bucket, tenant: tenant).filter { $0.day >= from && $0.day <= through }.map(\.key)
        let logger = self.logger
        let files = await BoundedConcurrency.map(keys, limit: Self.readConcurrency) { key -> QueryStatsFile? in
            do throws(QueryStatsError) {
                return try await Self.read(bucket: bucket, key: key)
            } catch {
                logger.warning("skipping an unreadable query-stats file", metadata: ["key": "\(key)", "err": "\(error)"])
                return nil
            }
        }
        for case let file? in files {
            names.formUnion(file.metric_names)
            truncated = truncated || file.truncated
        }
        return (names, truncated)
    }

    // MARK: - Bucket

    private func write(key: Key, entry: Entry, bucket: any Bucket) async throws(QueryStatsError) {
        let objectKey = QueryStatsFile.key(tenant: key.tenant, day: key.day, instance: instance)
        var names = entry.names
        var truncated = entry.truncated
        if !entry.merged, let existing = try await Self.readIfPresent(bucket: bucket, key: objectKey) {
            // A restart, or a flush before it: keep what this instance wrote earlier that day.
            truncated = truncated || existing.truncated
            for name in existing.metric_names where !names.contains(name) {
                if names.count < Self.maxNamesPerTenantDay { names.insert(name) } else { truncated = true }
            }
        }
        let file = QueryStatsFile(version: QueryStatsFile.currentVersion, tenant: key.tenant.rawValue, date: key.day.description,
                                  instance: instance, updated_at: now() / 1000, truncated: truncated,
                                  metric_names: names.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) })
        let bytes: [UInt8]
        do {
            bytes = try file.encoded()
        } catch {
            throw .corrupt(key: objectKey, reason: "encoding failed: \(error)")
        }
        do {
            try await bucket.put(objectKey, bytes)
        } catch {
            throw .bucket(operation: "PUT", key: objectKey, reason: "\(error)")
        }
        state.withLock { s in
            guard var current = s.entries[key] else { return }
            // Names merged from the bucket join the in-memory set so the next write keeps them.
            current.names.formUnion(names)
            current.truncated = current.truncated || truncated
            current.merged = true
            current.writtenVersion = entry.version
            s.entries[key] = current
        }
        await removeExpiredOnce(tenant: key.tenant, bucket: bucket)
    }

    /// Once per tenant and process: removes this tenant's files older than `retentionDays`.
    private func removeExpiredOnce(tenant: TenantID, bucket: any Bucket) async {
        let first = state.withLock { $0.expiryChecked.insert(tenant).inserted }
        guard first else { return }
        let oldest = UTCDay(milliseconds: now()).adding(days: -Int64(Self.retentionDays) + 1)
        do throws(QueryStatsError) {
            for file in try await listFiles(bucket: bucket, tenant: tenant) where file.day < oldest {
                do {
                    try await bucket.delete(file.key)
                } catch {
                    logger.warning("removing an expired query-stats file failed", metadata: ["key": "\(file.key)", "err": "\(error)"])
                }
            }
        } catch {
            logger.warning("listing query-stats files for expiry failed", metadata: ["user": "\(tenant)", "err": "\(error)"])
        }
    }

    private func listFiles(bucket: any Bucket, tenant: TenantID) async throws(QueryStatsError) -> [(key: String, day: UTCDay)] {
        let prefix = QueryStatsFile.prefix(tenant: tenant)
        var out: [(key: String, day: UTCDay)] = []
        do {
            try await bucket.iter(prefix: prefix, delimiter: nil) { (page: ListPage) throws(BucketError) in
                for key in page.keys {
                    if let day = QueryStatsFile.day(ofKey: key, tenant: tenant) { out.append((key, day)) }
                }
            }
        } catch {
            throw .bucket(operation: "LIST", key: prefix, reason: "\(error)")
        }
        return out
    }

    static func read(bucket: any Bucket, key: String) async throws(QueryStatsError) -> QueryStatsFile {
        guard let file = try await readIfPresent(bucket: bucket, key: key) else {
            throw .bucket(operation: "GET", key: key, reason: "the object vanished after the listing")
        }
        return file
    }

    static func readIfPresent(bucket: any Bucket, key: String) async throws(QueryStatsError) -> QueryStatsFile? {
        let bytes: [UInt8]
        do {
            bytes = try await bucket.get(key)
        } catch {
            if case .notFound = error { return nil }
            throw .bucket(operation: "GET", key: key, reason: "\(error)")
        }
        guard bytes.count <= QueryStatsFile.maxSize else {
            throw .corrupt(key: key, reason: "\(bytes.count) bytes, more than the \(QueryStatsFile.maxSize) a query-stats file may have")
        }
        return try QueryStatsFile.decode(bytes, key: key)
    }

    /// Without a bucket nothing is written: the days past `retentionDays` are released.
    private func pruneMemoryOnly() {
        let oldest = UTCDay(milliseconds: now()).adding(days: -Int64(Self.retentionDays) + 1)
        state.withLock { s in s.entries = s.entries.filter { $0.key.day >= oldest } }
    }
}
