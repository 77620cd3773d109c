import GRPCCore
import GRPCNIOTransportHTTP2
import Logging
import Synchronization

/// One gRPC connection per peer address, created on first use and shared by every call to that
/// peer (HTTP/2 multiplexes concurrent calls over it), as Mimir's ingester client pool.
///
/// Hands out `RemoteIngesterClient`s and `RemoteQueryable`s bound to an address. `remove(_:)`
/// closes the connection of a peer that left the ring (calls in flight finish first);
/// `shutdown()` closes every connection and refuses new calls.
public final class RPCClientPool: Sendable {
    /// The client type of one peer connection.
    typealias Client = GRPCClient<HTTP2ClientTransport.Posix>

    private struct Peer {
        let id: UInt64
        let client: Client
    }

    private struct State {
        var peers: [String: Peer] = [:]
        /// Connection tasks still running (including those of removed peers still draining).
        var tasks: [UInt64: Task<Void, Never>] = [:]
        var nextID: UInt64 = 0
        var isShutdown = false
    }

    /// Largest request or response message, in bytes.
    public let maxMessageBytes: Int
    private let transportConfig: HTTP2ClientTransport.Posix.Config
    private let state = Mutex(State())
    private let logger: Logger

    /// Creates an empty pool. Messages above `maxMessageBytes` are refused on either side; a
    /// peer that refused or dropped a connection is retried after `reconnectBackoffMin`, growing
    /// to `reconnectBackoffMax` while it stays down (calls in between fail at once).
    public init(maxMessageBytes: Int = RPCDefaults.maxMessageBytes,
                reconnectBackoffMin: Duration = RPCDefaults.reconnectBackoffMin,
                reconnectBackoffMax: Duration = RPCDefaults.reconnectBackoffMax,
                logger: Logger = Logger(label: "strata.rpc.client")) {
        self.maxMessageBytes = maxMessageBytes
        self.transportConfig = HTTP2ClientTransport.Posix.Config.defaults { config in
            config.backoff = .init(initial: reconnectBackoffMin, max: reconnectBackoffMax,
                                   multiplier: RPCDefaults.reconnectBackoffMultiplier, jitter: 0.2)
            config.http2.targetWindowSize = RPCDefaults.http2WindowBytes
            config.http2.maxFrameSize = RPCDefaults.http2MaxFrameBytes
        }
        self.logger = logger
    }

    deinit {
        let peers = state.withLock { $0.peers.values.map(\.client) }
        for client in peers { client.beginGracefulShutdown() }
    }

    /// A push client for the ingester at `address` (`host:port`), with `timeout` per push.
    public func ingester(at address: String, timeout: Duration = RPCDefaults.pushTimeout) -> RemoteIngesterClient {
        RemoteIngesterClient(pool: self, address: address, timeout: timeout)
    }

    /// A read client for the ingester or store-gateway at `address`, with `timeout` per call.
    public func queryable(at address: String, role: RPCPeerRole, timeout: Duration = RPCDefaults.readTimeout) -> RemoteQueryable {
        RemoteQueryable(pool: self, address: address, role: role, timeout: timeout)
    }

    /// The options of every call through this pool: the deadline, the message size bound both
    /// ways, and no waiting for a connection. While a peer is down its calls fail at once, so
    /// the distributor's quorum and the querier's replicas handle it instead of a stalled call.
    func callOptions(timeout: Duration) -> CallOptions {
        var options = CallOptions.defaults
        options.timeout = timeout
        options.maxRequestMessageBytes = maxMessageBytes
        options.maxResponseMessageBytes = maxMessageBytes
        options.waitForReady = false
        return options
    }

    /// Addresses with an open (or opening) connection, sorted.
    public var connectedAddresses: [String] {
        state.withLock { $0.peers.keys.sorted() }
    }

    /// Closes the connection to `address`, if any: calls in flight finish, later calls through
    /// a client of this pool open a new connection.
    public func remove(_ address: String) {
        let removed = state.withLock { $0.peers.removeValue(forKey: address) }
        if let removed {
            logger.debug("closing gRPC connection", metadata: ["address": "\(address)"])
            removed.client.beginGracefulShutdown()
        }
    }

    /// Closes every connection and waits for them to end; later calls fail as unavailable.
    public func shutdown() async {
        let (clients, tasks) = state.withLock { s -> ([Client], [Task<Void, Never>]) in
            s.isShutdown = true
            let clients = s.peers.values.map(\.client)
            s.peers.removeAll()
            return (clients, Array(s.tasks.values))
        }
        for client in clients { client.beginGracefulShutdown() }
        for task in tasks { await task.value }
    }

    /// The connection to `address`, created and started on first use.
    func client(for address: String) throws(RPCPoolError) -> Client {
        let parsed: RPCAddress
        do { parsed = try RPCAddress(parsing: address) } catch { throw .invalidAddress(error) }
        let result = state.withLock { s -> Result<Client, RPCPoolError> in
            if s.isShutdown { return .failure(.shutDown) }
            if let peer = s.peers[address] { return .success(peer.client) }
            let transport: HTTP2ClientTransport.Posix
            do {
                transport = try HTTP2ClientTransport.Posix(target: parsed.target, transportSecurity: .plaintext,
                                                           config: transportConfig)
            } catch {
                return .failure(.transport(address: address, reason: "\(error)"))
            }
            let client = Client(transport: transport)
            let id = s.nextID
            s.nextID += 1
            s.peers[address] = Peer(id: id, client: client)
            // Started under the lock, so the task's own removal (which takes the lock) always
            // finds its entry.
            s.tasks[id] = Task { [weak self, logger] in
                do {
                    try await client.runConnections()
                } catch {
                    logger.warning("gRPC connection ended with an error", metadata: ["address": "\(address)", "err": "\(error)"])
                }
                self?.connectionEnded(id: id, address: address)
            }
            return .success(client)
        }
        return try result.get()
    }

    private func connectionEnded(id: UInt64, address: String) {
        state.withLock { s in
            s.tasks.removeValue(forKey: id)
            if s.peers[address]?.id == id { s.peers.removeValue(forKey: address) }
        }
    }
}
