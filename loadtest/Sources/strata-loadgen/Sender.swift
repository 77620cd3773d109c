import AsyncHTTPClient
import NIOCore

/// Posts remote-write bodies with AsyncHTTPClient over a pool of keep-alive HTTP/1.1 connections
/// sized to the concurrency, and times each request from send until the response body is read.

/// What happened to one request.
struct SendOutcome: Sendable {
    /// HTTP status, or 0 when no response arrived (connection refused, timeout, reset).
    var status: Int
    /// From the start of `execute` until the whole response body was read.
    var latencyNanos: Int64
    /// The response body (truncated) for non-2xx responses, or the transport error.
    var errorText: String?

    /// True for a 2xx status: the server acknowledged the samples.
    var acknowledged: Bool { (200..<300).contains(status) }
}

/// A remote-write client.
final class Sender: Sendable {
    private let client: HTTPClient
    private let url: String
    private let headers: [ExtraHeader]
    private let timeout: TimeAmount

    /// Largest error body kept for the report.
    private static let maxErrorText = 512

    /// A client for `config.url`, with `config.concurrency` connections and the remote-write
    /// headers plus `config.headers`.
    init(config: Config) {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool = .init(idleTimeout: .seconds(60),
                                             concurrentHTTP1ConnectionsPerHostSoftLimit: config.concurrency)
        // Fail fast when the server is down instead of retrying until -timeout on every request.
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.httpVersion = .http1Only
        configuration.decompression = .disabled
        configuration.redirectConfiguration = .disallow
        client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
        url = config.url
        // Remote write 2.0 names its message in Content-Type and announces version 2.0.0.
        let v2 = config.remoteWriteVersion == .v2
        let defaults = [
            ExtraHeader(name: "Content-Encoding", value: "snappy"),
            ExtraHeader(name: "Content-Type",
                        value: v2 ? "application/x-protobuf;proto=io.prometheus.write.v2.Request" : "application/x-protobuf"),
            ExtraHeader(name: "User-Agent", value: "strata-loadgen/0.1"),
            ExtraHeader(name: "X-Prometheus-Remote-Write-Version", value: v2 ? "2.0.0" : "0.1.0"),
        ]
        // A -header with the name of a default header replaces it.
        let overridden = Set(config.headers.map { $0.name.lowercased() })
        headers = defaults.filter { !overridden.contains($0.name.lowercased()) } + config.headers
        timeout = .nanoseconds(Int64(clamping: config.timeout.nanoseconds))
    }

    /// Posts one body and waits for the full response. Never throws: failures become outcomes.
    func send(_ body: ByteBuffer) async -> SendOutcome {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        for header in headers { request.headers.add(name: header.name, value: header.value) }
        request.body = .bytes(body)
        let start = ContinuousClock.now
        do {
            let response = try await client.execute(request, timeout: timeout)
            let status = Int(response.status.code)
            if (200..<300).contains(status) {
                _ = try? await response.body.collect(upTo: 1 << 20)
                return SendOutcome(status: status, latencyNanos: (ContinuousClock.now - start).nanoseconds, errorText: nil)
            }
            var text: String
            do {
                let buffer = try await response.body.collect(upTo: 1 << 20)
                text = String(buffer: buffer)
            } catch {
                text = "(could not read the response body: \(error))"
            }
            return SendOutcome(status: status, latencyNanos: (ContinuousClock.now - start).nanoseconds,
                               errorText: Self.truncate(text))
        } catch {
            return SendOutcome(status: 0, latencyNanos: (ContinuousClock.now - start).nanoseconds,
                               errorText: Self.truncate(String(describing: error)))
        }
    }

    /// Closes every connection.
    func shutdown() async {
        try? await client.shutdown()
    }

    private static func truncate(_ text: String) -> String {
        let trimmed = text.trimmingTrailingNewlines()
        guard trimmed.count > maxErrorText else { return trimmed }
        return String(trimmed.prefix(maxErrorText)) + "…"
    }
}

extension Duration {
    /// The duration in whole nanoseconds (saturating).
    var nanoseconds: Int64 {
        let c = components
        let (high, overflow) = c.seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return c.seconds < 0 ? .min : .max }
        return high &+ c.attoseconds / 1_000_000_000
    }

    /// The duration in seconds as a `Double`.
    var seconds: Double {
        let c = components
        return Double(c.seconds) + Double(c.attoseconds) * 1e-18
    }
}

extension String {
    /// The string without trailing newlines and carriage returns.
    fileprivate func trimmingTrailingNewlines() -> String {
        var s = Substring(self)
        while let last = s.last, last == "\n" || last == "\r" { s = s.dropLast() }
        return String(s)
    }
}
