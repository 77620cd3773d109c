/// Sizes, deadlines and reconnect timing of Strata's RPC, with the Mimir flag each mirrors.
public enum RPCDefaults {
    /// Largest message a server or client accepts, in bytes: 100 MiB, as Mimir's
    /// `-server.grpc-max-recv-msg-size-bytes` and `-ingester.client.grpc-max-recv-msg-size`. A push
    /// carries at most one remote-write request (whose own limit, `max_recv_msg_size`, is also
    /// 100 MiB), so one fits.
    public static let maxMessageBytes = 100 << 20
    /// A Select batch is sent once its series reach this many encoded bytes: 1 MiB keeps every
    /// message far below gRPC's customary 4 MiB receive limit, so even a peer left on that
    /// default reads the stream, while each message is large enough to amortise its framing.
    public static let selectBatchBytes = 1 << 20
    /// Deadline of a push: Mimir's `-distributor.remote-timeout` default (2s).
    public static let pushTimeout: Duration = .seconds(2)
    /// Deadline of a read (Select, LabelNames, LabelValues): Mimir's `-querier.timeout` default
    /// (2m), since a read is bounded by the query that needs it.
    public static let readTimeout: Duration = .seconds(120)
    /// First delay before reconnecting to a peer that refused or dropped the connection:
    /// Mimir's `-ingester.client.backoff-min-period` (100ms).
    public static let reconnectBackoffMin: Duration = .milliseconds(100)
    /// Longest delay between reconnect attempts: Mimir's `-ingester.client.backoff-max-period` (10s).
    public static let reconnectBackoffMax: Duration = .seconds(10)
    /// Growth of the reconnect delay per failed attempt.
    public static let reconnectBackoffMultiplier = 2.0
    /// HTTP/2 flow-control window a server grants each connection and stream: 8 MiB, as
    /// grpc-swift's client default. The HTTP/2 default of 64 KiB makes every push larger than
    /// that wait a round trip for a window update.
    public static let http2WindowBytes = 8 << 20
    /// Largest HTTP/2 frame a server or client accepts (SETTINGS_MAX_FRAME_SIZE): 1 MiB, so a
    /// push or Select batch travels in a few frames rather than dozens of 16 KiB ones.
    public static let http2MaxFrameBytes = 1 << 20
}
