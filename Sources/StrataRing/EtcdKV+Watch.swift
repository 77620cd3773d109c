import Foundation

/// One key's state as a watch saw it: its full etcd key, its value (nil: deleted) and the revision.
struct EtcdObservation: Sendable {
    let fullKey: String
    let value: [UInt8]?
    let revision: Int64
}

extension EtcdKV {
    public func watchBytes(_ key: String) -> AsyncThrowingStream<[UInt8]?, any Error> {
        let (stream, continuation) = AsyncThrowingStream<[UInt8]?, any Error>.makeStream(
            bufferingPolicy: .bufferingNewest(1))
        let range = EtcdRange.key(fullKey(key))
        let task = Task { [self] in
            do {
                try await runWatch(range) { current, _ in
                    continuation.yield(current.first?.value)
                } onChange: { change in
                    continuation.yield(change.value)
                }
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }

    public func watchPrefix(_ prefix: String) -> AsyncThrowingStream<KVPrefixEvent, any Error> {
        // Unbounded: a prefix watcher must see every key's change, not only the latest event.
        let (stream, continuation) = AsyncThrowingStream<KVPrefixEvent, any Error>.makeStream(
            bufferingPolicy: .unbounded)
        let range = EtcdRange.prefix(fullKey(prefix))
        let storePrefix = config.prefix
        // Events name keys as callers do, without the store prefix every etcd key carries.
        let storeKey = { (fullKey: String) -> String? in
            fullKey.hasPrefix(storePrefix) ? String(fullKey.dropFirst(storePrefix.count)) : nil
        }
        let task = Task { [self] in
            do {
                try await runWatch(range) { current, revision in
                    var values: [String: KVValue] = [:]
                    for observation in current {
                        guard let key = storeKey(observation.fullKey), let value = observation.value else { continue }
                        values[key] = KVValue(bytes: value, version: observation.revision)
                    }
                    continuation.yield(.snapshot(values: values, revision: revision))
                } onChange: { change in
                    guard let key = storeKey(change.fullKey) else { return }
                    if let value = change.value {
                        continuation.yield(.put(key: key, value: KVValue(bytes: value, version: change.revision)))
                    } else {
                        continuation.yield(.delete(key: key, version: change.revision))
                    }
                }
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }

    /// Follows `range` until cancelled: `onSnapshot` gets the whole range (with the revision it was
    /// read at) first and after every re-read, `onChange` each later put or delete in order.
    /// Dropped connections are re-established with backoff, resuming after the last delivered revision.
    func runWatch(
        _ range: EtcdRange,
        onSnapshot: ([EtcdObservation], Int64) -> Void,
        onChange: (EtcdObservation) -> Void
    ) async throws {
        // The revision up to which the consumer has the state; 0 until the first read.
        var delivered: Int64 = 0
        var backoff = EtcdKV.initialWatchBackoff
        while !Task.isCancelled {
            do {
                if delivered == 0 {
                    let (current, revision) = try await readRange(range)
                    onSnapshot(current, revision)
                    delivered = revision
                }
                let resyncNeeded = try await streamWatch(range, from: delivered + 1) { change in
                    onChange(change)
                    delivered = change.revision
                    backoff = EtcdKV.initialWatchBackoff
                }
                if resyncNeeded { delivered = 0 }
            } catch is CancellationError {
                return
            } catch {
                if Task.isCancelled { return }
                logger.warning("etcd watch interrupted, reconnecting", metadata: ["key": "\(range.description)", "error": "\(error)"])
            }
            try await Task.sleep(for: backoff)
            backoff = min(backoff * 2, EtcdKV.maxWatchBackoff)
        }
    }

    /// Reads every key of `range` and the store revision the read was made at.
    private func readRange(_ range: EtcdRange) async throws -> ([EtcdObservation], Int64) {
        let (response, endpoint): (EtcdRangeResponse, String) = try await call("/v3/kv/range", body: range.requestFields)
        guard let revision = response.header?.revision?.value else {
            throw RingError.badResponse(endpoint: endpoint, status: 200, body: "range answer without header.revision")
        }
        var observations: [EtcdObservation] = []
        for kv in response.kvs ?? [] {
            observations.append(try observation(kv, deleted: false, endpoint: endpoint))
        }
        return (observations, revision)
    }

    /// Streams the events of `range` from revision `from` until the connection ends. Returns true
    /// when etcd cancelled the watch because `from` was compacted away (the caller must re-read).
    private func streamWatch(
        _ range: EtcdRange, from revision: Int64, onChange: (EtcdObservation) -> Void
    ) async throws -> Bool {
        var create = range.requestFields
        create["start_revision"] = String(revision)
        let (response, endpoint) = try await open("/v3/watch", body: ["create_request": create], timeout: nil)
        var splitter = JSONObjectSplitter()
        for try await chunk in response.body {
            let objects: [[UInt8]]
            do {
                objects = try splitter.append(chunk.readableBytesView)
            } catch {
                throw RingError.badResponse(endpoint: endpoint, status: 200, body: "watch message over \(error.bytes) bytes")
            }
            for object in objects {
                let message: EtcdWatchMessage
                do {
                    message = try JSONDecoder().decode(EtcdWatchMessage.self, from: Data(object))
                } catch {
                    throw RingError.badResponse(endpoint: endpoint, status: 200, body: "unreadable watch message: \(error)")
                }
                if let gatewayError = message.error {
                    throw RingError.badResponse(endpoint: endpoint, status: 200, body: gatewayError.message ?? "watch error")
                }
                guard let result = message.result else { continue }
                if let compacted = result.compactRevision?.value, compacted > 0 { return true }
                if result.canceled == true {
                    throw RingError.badResponse(endpoint: endpoint, status: 200, body: "watch canceled: \(result.cancelReason ?? "no reason")")
                }
                for event in result.events ?? [] {
                    guard let kv = event.kv else { continue }
                    onChange(try observation(kv, deleted: event.type == "DELETE", endpoint: endpoint))
                }
            }
        }
        return false
    }

    private func observation(_ kv: EtcdKeyValue, deleted: Bool, endpoint: String) throws -> EtcdObservation {
        guard let keyBytes = EtcdBase64.decode(kv.key) else {
            throw RingError.badResponse(endpoint: endpoint, status: 200, body: "watched key is not base64")
        }
        let fullKey = String(decoding: keyBytes, as: UTF8.self)
        guard let revision = kv.modRevision?.value else {
            throw RingError.badResponse(endpoint: endpoint, status: 200, body: "\(fullKey) without mod_revision")
        }
        if deleted { return EtcdObservation(fullKey: fullKey, value: nil, revision: revision) }
        guard let value = EtcdBase64.decode(kv.value) else {
            throw RingError.badResponse(endpoint: endpoint, status: 200, body: "value of \(fullKey) is not base64")
        }
        return EtcdObservation(fullKey: fullKey, value: value, revision: revision)
    }
}
