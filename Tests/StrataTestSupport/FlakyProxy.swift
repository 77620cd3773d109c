import AsyncHTTPClient
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// A loopback HTTP proxy in front of moto that fails requests on a fixed schedule: with a
/// 500/503/429 S3 error, by closing the connection without answering, or by stalling past the
/// client's timeout. Everything else is forwarded unchanged.
public final class FlakyProxy: Sendable {
    /// What the proxy does with one request.
    public enum Fault: Sendable, Equatable {
        case forward
        case status(Int)
        case drop
        case stall(Duration)
    }

    /// The loopback port the proxy listens on.
    public let port: Int
    private let schedule: [Fault]
    private let counter = Mutex<(next: Int, injected: Int, forwarded: Int)>((0, 0, 0))
    private let server: NIOAsyncChannel<NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>, Never>
    private let client: HTTPClient
    private let upstream: Int

    /// Faults injected and requests forwarded so far.
    public var stats: (injected: Int, forwarded: Int) { counter.withLock { ($0.injected, $0.forwarded) } }

    private init(port: Int, upstream: Int, schedule: [Fault], server: NIOAsyncChannel<NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>, Never>) {
        self.port = port
        self.upstream = upstream
        self.schedule = schedule
        self.server = server
        var config = HTTPClient.Configuration()
        config.redirectConfiguration = .disallow
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: config)
    }

    /// Binds a loopback port; call `run()` in a task to serve.
    public static func start(upstream: Int, schedule: [Fault]) async throws -> FlakyProxy {
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .bind(host: "127.0.0.1", port: 0) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    return try NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>(wrappingChannelSynchronously: channel)
                }
            }
        let port = server.channel.localAddress?.port ?? 0
        return FlakyProxy(port: port, upstream: upstream, schedule: schedule, server: server)
    }

    /// Serves until the task running it is cancelled.
    public func run() async {
        _ = try? await withThrowingDiscardingTaskGroup { group in
            try await server.executeThenClose { inbound in
                for try await connection in inbound {
                    group.addTask { await self.serve(connection) }
                }
            }
        }
    }

    /// Closes the listener and the upstream client.
    public func stop() async {
        try? await server.channel.close().get()
        try? await client.shutdown()
    }

    private func nextFault() -> Fault {
        counter.withLock { state in
            let fault = schedule[state.next % schedule.count]
            state.next += 1
            if fault == .forward { state.forwarded += 1 } else { state.injected += 1 }
            return fault
        }
    }

    private func serve(_ connection: NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>) async {
        _ = try? await connection.executeThenClose { inbound, outbound in
            var head: HTTPRequestHead?
            var body = ByteBuffer()
            for try await part in inbound {
                switch part {
                case .head(let h):
                    head = h
                    body.clear()
                case .body(var chunk):
                    body.writeBuffer(&chunk)
                case .end:
                    guard let request = head else { return }
                    switch nextFault() {
                    case .drop:
                        return
                    case .stall(let duration):
                        try await Task.sleep(for: duration)
                        return
                    case .status(let code):
                        let xml = "<Error><Code>InjectedFault</Code><Message>proxy injected \(code)</Message></Error>"
                        var headers = HTTPHeaders([("content-type", "application/xml"), ("content-length", String(xml.utf8.count))])
                        if request.method == .HEAD { headers.replaceOrAdd(name: "content-length", value: "0") }
                        try await outbound.write(.head(HTTPResponseHead(version: .http1_1, status: .init(statusCode: code), headers: headers)))
                        if request.method != .HEAD { try await outbound.write(.body(.byteBuffer(ByteBuffer(string: xml)))) }
                        try await outbound.write(.end(nil))
                    case .forward:
                        var upstreamRequest = HTTPClientRequest(url: "http://127.0.0.1:\(upstream)\(request.uri)")
                        upstreamRequest.method = request.method
                        for (name, value) in request.headers where !["host", "content-length", "connection", "transfer-encoding"].contains(name.lowercased()) {
                            upstreamRequest.headers.add(name: name, value: value)
                        }
                        if body.readableBytes > 0 || request.method == .PUT || request.method == .POST {
                            upstreamRequest.body = .bytes(body)
                        }
                        let response = try await client.execute(upstreamRequest, timeout: .seconds(60))
                        let responseBody = try await response.body.collect(upTo: Int.max)
                        var headers = HTTPHeaders()
                        for (name, value) in response.headers where !["connection", "transfer-encoding", "content-length"].contains(name.lowercased()) {
                            headers.add(name: name, value: value)
                        }
                        let length = request.method == .HEAD ? (response.headers.first(name: "content-length") ?? "0") : String(responseBody.readableBytes)
                        headers.add(name: "content-length", value: length)
                        try await outbound.write(.head(HTTPResponseHead(version: .http1_1, status: response.status, headers: headers)))
                        if request.method != .HEAD, responseBody.readableBytes > 0 { try await outbound.write(.body(.byteBuffer(responseBody))) }
                        try await outbound.write(.end(nil))
                    }
                }
            }
        }
    }
}
