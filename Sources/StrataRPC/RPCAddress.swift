import GRPCNIOTransportHTTP2

/// A peer's `host:port` as the ring advertises it: an IPv4 literal, a bracketed IPv6 literal
/// (`[::1]:9095`) or a DNS name.
public struct RPCAddress: Sendable, Hashable, CustomStringConvertible {
    /// The host without brackets.
    public var host: String
    /// The TCP port; 0 only for a server asking the kernel for a free one.
    public var port: Int

    /// Parses `host:port`; throws naming the address and what is wrong with it.
    public init(parsing address: String) throws(RPCAddressError) {
        let (rawHost, rawPort): (Substring, Substring)
        if address.hasPrefix("[") {
            guard let close = address.firstIndex(of: "]"), address[address.index(after: close)...].hasPrefix(":") else {
                throw RPCAddressError(address: address, reason: "an IPv6 address must be written [host]:port")
            }
            rawHost = address[address.index(after: address.startIndex)..<close]
            rawPort = address[address.index(close, offsetBy: 2)...]
        } else {
            guard let colon = address.lastIndex(of: ":") else {
                throw RPCAddressError(address: address, reason: "the port is missing; write host:port")
            }
            rawHost = address[..<colon]
            rawPort = address[address.index(after: colon)...]
            if rawHost.contains(":") {
                throw RPCAddressError(address: address, reason: "an IPv6 address must be written [host]:port")
            }
        }
        guard !rawHost.isEmpty else { throw RPCAddressError(address: address, reason: "the host is empty") }
        guard let port = Int(rawPort), (0...Int(UInt16.max)).contains(port) else {
            throw RPCAddressError(address: address, reason: "port \"\(rawPort)\" is not a number in 0...65535")
        }
        self.host = String(rawHost)
        self.port = port
    }

    /// An address from its parts.
    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// `host:port`, with brackets around an IPv6 host.
    public var description: String {
        isIPv6Literal ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    /// True for a dotted-quad IPv4 literal.
    var isIPv4Literal: Bool {
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts.allSatisfy { part in
            !part.isEmpty && part.count <= 3 && part.allSatisfy(\.isASCIIDigit) && (Int(part) ?? 256) <= 255
        }
    }

    /// True for an IPv6 literal (only IPv6 hosts contain colons).
    var isIPv6Literal: Bool { host.contains(":") }

    /// The client transport's target: literals connect directly, names go through DNS.
    var target: any ResolvableTarget {
        if isIPv4Literal { return ResolvableTargets.IPv4(addresses: [GRPCNIOTransportCore.SocketAddress.IPv4(host: host, port: port)]) }
        if isIPv6Literal { return ResolvableTargets.IPv6(addresses: [GRPCNIOTransportCore.SocketAddress.IPv6(host: host, port: port)]) }
        return ResolvableTargets.DNS(host: host, port: port)
    }

    /// The address a server binds: an IP literal (`localhost` stands for 127.0.0.1).
    func listenAddress() throws(RPCAddressError) -> GRPCNIOTransportCore.SocketAddress {
        if isIPv4Literal { return .ipv4(host: host, port: port) }
        if isIPv6Literal { return .ipv6(host: host, port: port) }
        if host == "localhost" { return .ipv4(host: "127.0.0.1", port: port) }
        throw RPCAddressError(address: description, reason: "a listen address must be an IP address (e.g. 0.0.0.0 or 127.0.0.1), not a host name")
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}
