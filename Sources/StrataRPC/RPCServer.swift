import GRPCCore
import GRPCNIOTransportHTTP2
import Logging

/// A plaintext gRPC server (HTTP/2 over TCP) for one process's RPC services, such as
/// `IngesterRPCService` and `QuerierRPCService`.
///
/// `run()` serves until its task is cancelled or `shutdown()` is called; both stop gracefully:
/// no new connections or calls are accepted and calls in flight finish first.
public final class RPCServer: Sendable {
    /// The address as configured (port 0 asks the kernel for a free port).
    public let address: RPCAddress
    private let server: GRPCServer<HTTP2ServerTransport.Posix>
    private let logger: Logger

    /// Creates a server for `services` on `host:port` (`host` an IP address; port 0 picks a free
    /// port, see `listeningPort()`). Requests larger than `maxReceiveMessageBytes` are refused
    /// with `resourceExhausted`.
    public init(host: String, port: Int, services: [any RegistrableRPCService],
                maxReceiveMessageBytes: Int = RPCDefaults.maxMessageBytes,
                logger: Logger = Logger(label: "strata.rpc.server")) throws(RPCAddressError) {
        let address = RPCAddress(host: host, port: port)
        guard (0...Int(UInt16.max)).contains(port) else {
            throw RPCAddressError(address: address.description, reason: "port \(port) is not in 0...65535")
        }
        let config = HTTP2ServerTransport.Posix.Config.defaults { config in
            config.rpc.maxRequestPayloadSize = maxReceiveMessageBytes
            config.http2.targetWindowSize = RPCDefaults.http2WindowBytes
            config.http2.maxFrameSize = RPCDefaults.http2MaxFrameBytes
        }
        let transport = HTTP2ServerTransport.Posix(address: try address.listenAddress(), transportSecurity: .plaintext,
                                                   config: config)
        self.address = address
        self.server = GRPCServer(transport: transport, services: services)
        self.logger = logger
    }

    /// Serves until the calling task is cancelled or `shutdown()` is called, then returns once
    /// the calls in flight have finished. Throws when the address cannot be bound.
    public func run() async throws(RPCServerError) {
        let server = self.server
        // Reports the bound port (the kernel's choice for port 0) once the listener is up.
        let announce = Task { [logger, address] in
            if let port = try? await self.listeningPort() {
                logger.info("gRPC server listening", metadata: ["address": "\(RPCAddress(host: address.host, port: port))"])
            }
        }
        defer { announce.cancel() }
        do {
            try await withTaskCancellationHandler {
                try await server.serve()
            } onCancel: {
                server.beginGracefulShutdown()
            }
        } catch {
            throw RPCServerError.serveFailed(address: address.description, reason: Self.describe(error))
        }
        logger.info("gRPC server stopped", metadata: ["address": "\(address)"])
    }

    /// The port the server listens on, once it does: the kernel's choice when it was created
    /// with port 0. Waits for `run()` to bind; throws when binding failed or the server stopped.
    public func listeningPort() async throws(RPCServerError) -> Int {
        let bound: GRPCNIOTransportCore.SocketAddress
        do {
            bound = try await server.transport.listeningAddress
        } catch {
            throw RPCServerError.notListening(address: address.description, reason: Self.describe(error))
        }
        if let v4 = bound.ipv4 { return v4.port }
        if let v6 = bound.ipv6 { return v6.port }
        throw RPCServerError.notListening(address: address.description, reason: "bound to \(bound), which is not a TCP address")
    }

    /// Stops accepting connections and calls; `run()` returns once calls in flight are done.
    public func shutdown() {
        server.beginGracefulShutdown()
    }

    /// A transport error with its underlying cause (the bind error names the errno).
    static func describe(_ error: any Error) -> String {
        if let runtime = error as? RuntimeError, let cause = runtime.cause {
            return "\(runtime.message) (\(cause))"
        }
        return "\(error)"
    }
}
