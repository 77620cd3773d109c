/// `eventually` gave up: the condition never held within the timeout.
public struct TimedOut: Error, CustomStringConvertible {
    public let description: String
}

/// Polls `condition` every 20 ms until it holds; throws naming `what` after `timeout`.
public func eventually(
    _ what: String, timeout: Duration = .seconds(60), _ condition: () async throws -> Bool
) async throws {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(20))
    }
    throw TimedOut(description: "timed out after \(timeout) waiting for: \(what)")
}
