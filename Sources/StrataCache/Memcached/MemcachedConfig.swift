/// How Strata reaches a memcached cluster: one block of these settings per cache (results,
/// index, chunks), under Mimir's `-<prefix>.memcached.*` flags.
public struct MemcachedConfig: Sendable, Equatable {
    /// The servers as `host:port` (`[v6-address]:port` for IPv6), `-*.memcached.addresses`.
    /// Keys are spread over them by a consistent hash, so adding a server moves about 1/n of
    /// the keys rather than all of them.
    public var addresses: [String]

    /// The longest any one operation may take, connecting included, `-*.memcached.timeout`.
    /// A lookup that runs over is a miss and a store that runs over is dropped: a slow cache
    /// must never make a query slower than having no cache at all.
    public var timeout: Duration

    /// Connections kept open to each server, `-*.memcached.max-idle-connections`. Requests are
    /// pipelined on them, so a handful carries a lot of traffic; they are opened on first use
    /// and reopened after a failure.
    public var maxIdleConnections: Int

    /// The largest value sent to memcached, in bytes, `-*.memcached.max-item-size`. It should
    /// match the servers' `-I` (1 MiB by default); larger values are not stored rather than
    /// being refused by the server after they have crossed the network.
    public var maxItemSize: Int

    /// The most keys asked for in one `get`, `-*.memcached.max-get-multi-batch-size`; larger
    /// lookups are split into batches run in parallel. 0 sends one `get` per server.
    public var maxGetMultiBatchSize: Int

    /// The most `get` batches in flight for one lookup, `-*.memcached.max-get-multi-concurrency`.
    public var maxGetMultiConcurrency: Int

    /// The most `set` operations in flight for one store, `-*.memcached.max-async-concurrency`.
    public var maxAsyncConcurrency: Int

    /// Mimir's defaults, with no servers.
    public init(
        addresses: [String] = [],
        timeout: Duration = .milliseconds(200),
        maxIdleConnections: Int = 4,
        maxItemSize: Int = 1 << 20,
        maxGetMultiBatchSize: Int = 100,
        maxGetMultiConcurrency: Int = 100,
        maxAsyncConcurrency: Int = 50
    ) {
        self.addresses = addresses
        self.timeout = timeout
        self.maxIdleConnections = maxIdleConnections
        self.maxItemSize = maxItemSize
        self.maxGetMultiBatchSize = maxGetMultiBatchSize
        self.maxGetMultiConcurrency = maxGetMultiConcurrency
        self.maxAsyncConcurrency = maxAsyncConcurrency
    }

    /// Checks every setting, so a typo in an address fails at startup instead of turning
    /// every lookup into a silent miss.
    public func validate() throws(MemcachedError) {
        _ = try parsedAddresses()
        guard timeout > .zero else {
            throw .invalidConfiguration("-memcached.timeout must be positive, got \(timeout)")
        }
        guard maxIdleConnections >= 1 else {
            throw .invalidConfiguration("-memcached.max-idle-connections must be at least 1, got \(maxIdleConnections)")
        }
        guard maxItemSize >= 1 else {
            throw .invalidConfiguration("-memcached.max-item-size must be at least 1, got \(maxItemSize)")
        }
        guard maxGetMultiBatchSize >= 0 else {
            throw .invalidConfiguration("-memcached.max-get-multi-batch-size must not be negative, got \(maxGetMultiBatchSize)")
        }
        guard maxGetMultiConcurrency >= 1 else {
            throw .invalidConfiguration("-memcached.max-get-multi-concurrency must be at least 1, got \(maxGetMultiConcurrency)")
        }
        guard maxAsyncConcurrency >= 1 else {
            throw .invalidConfiguration("-memcached.max-async-concurrency must be at least 1, got \(maxAsyncConcurrency)")
        }
    }

    /// `addresses` split into host and port, in order.
    func parsedAddresses() throws(MemcachedError) -> [MemcachedAddress] {
        guard !addresses.isEmpty else {
            throw .invalidConfiguration("-memcached.addresses is empty: at least one host:port is needed")
        }
        var parsed: [MemcachedAddress] = []
        for address in addresses {
            guard let one = MemcachedAddress(address) else {
                throw .invalidConfiguration("-memcached.addresses: \"\(address)\" is not host:port")
            }
            parsed.append(one)
        }
        return parsed
    }
}

/// One memcached server's host and port, as given in `MemcachedConfig.addresses`.
struct MemcachedAddress: Sendable, Hashable, CustomStringConvertible {
    let host: String
    let port: Int

    /// Parses `host:port` or `[v6]:port`; nil when the port is missing or out of range.
    init?(_ text: String) {
        let trimmed = text.trimmingSpaces()
        guard let colon = trimmed.lastIndex(of: ":") else { return nil }
        var host = trimmed[trimmed.startIndex..<colon]
        let portText = trimmed[trimmed.index(after: colon)...]
        if host.hasPrefix("["), host.hasSuffix("]") {
            host = host.dropFirst().dropLast()
        } else if host.contains(":") {
            // An unbracketed IPv6 address: the port cannot be told apart from the last group.
            return nil
        }
        guard !host.isEmpty, let port = Int(portText), (1...65_535).contains(port) else { return nil }
        self.host = String(host)
        self.port = port
    }

    var description: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}

extension String {
    fileprivate func trimmingSpaces() -> Substring {
        var s = self[...]
        while let first = s.first, first == " " || first == "\t" { s = s.dropFirst() }
        while let last = s.last, last == " " || last == "\t" { s = s.dropLast() }
        return s
    }
}
