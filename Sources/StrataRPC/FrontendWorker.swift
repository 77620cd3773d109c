import GRPCCore
import Logging
import StrataQueryFrontend

/// A querier's connection to query-frontends: `concurrency` streams to each frontend address,
/// each pulling one request at a time and answering it with `runner` (Mimir's querier worker,
/// `-querier.frontend-address` and `-querier.max-concurrent`).
///
/// A stream that breaks (frontend restarting, network) is reopened after a short pause.
public struct FrontendWorker: Sendable {
    /// The frontends, `host:port` of their gRPC servers.
    public let addresses: [String]
    /// This querier's ID.
    public let querierID: String
    /// Streams per frontend.
    public let concurrency: Int
    private let runner: any QueryRunner
    private let pool: RPCClientPool
    private let logger: Logger

    /// Creates a worker (started by `run()`).
    public init(addresses: [String], querierID: String, concurrency: Int, runner: any QueryRunner, pool: RPCClientPool, logger: Logger) {
        self.addresses = addresses
        self.querierID = querierID
        self.concurrency = max(1, concurrency)
        self.runner = runner
        self.pool = pool
        self.logger = logger
    }

    /// Pulls and answers requests until the task is cancelled.
    public func run() async {
        await withTaskGroup(of: Void.self) { group in
            for address in addresses {
                for _ in 0..<concurrency {
                    group.addTask { await self.loop(address) }
                }
            }
        }
    }

    private func loop(_ address: String) async {
        while !Task.isCancelled {
            do {
                try await stream(address)
            } catch {
                if Task.isCancelled { return }
                logger.debug("frontend stream ended", metadata: ["frontend": "\(address)", "err": "\(error)"])
            }
            try? await Task.sleep(for: .milliseconds(500))
        }
    }

    /// One stream: hello, then answer every request until the stream ends.
    private func stream(_ address: String) async throws {
        let client = try pool.client(for: address)
        let (outgoing, continuation) = AsyncStream.makeStream(of: FrontendStreamMessage.self)
        defer { continuation.finish() }
        continuation.yield(.hello(querierID: querierID))
        var options = CallOptions.defaults
        options.maxRequestMessageBytes = pool.maxMessageBytes
        options.maxResponseMessageBytes = pool.maxMessageBytes
        options.waitForReady = false
        let runner = self.runner
        try await client.bidirectionalStreaming(
            request: StreamingClientRequest(of: FrontendStreamMessage.self) { writer in
                for await message in outgoing { try await writer.write(message) }
            },
            descriptor: StrataRPCMethods.frontendProcess,
            serializer: FrontendStreamSerializer(),
            deserializer: FrontendStreamDeserializer(),
            options: options
        ) { response in
            for try await message in response.messages {
                guard case .request(let seq, let request) = message else { continue }
                do throws(QueryFailure) {
                    continuation.yield(.response(sequence: seq, try await runner.run(request)))
                } catch {
                    continuation.yield(.failure(sequence: seq, error))
                }
            }
            continuation.finish()
        }
    }
}
