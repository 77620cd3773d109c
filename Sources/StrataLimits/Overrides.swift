import Logging
import StrataModel
import Synchronization
import Yams

/// The limits in force: defaults plus per-tenant overrides from the runtime config file.
///
/// The file has Mimir's format, a top-level `overrides:` mapping tenant ID → partial limits; each
/// tenant's partial limits are applied on top of the defaults. `limits(for:)` is on the write
/// path of every request, so it is one short lock-protected dictionary lookup; a new runtime
/// config is parsed completely outside the lock and swapped in whole.
public final class Overrides: Sendable {
    private struct State {
        var tenants: [TenantID: Limits]
    }

    /// The keys a runtime config document may have at the top level.
    public static let runtimeConfigKeys = ["overrides"]

    private let state: Mutex<State>
    private let defaultLimits: Limits

    /// Creates overrides with no per-tenant entries.
    public init(defaults: Limits) {
        defaultLimits = defaults
        state = Mutex(State(tenants: [:]))
    }

    /// The limits for `tenant`: its override if it has one, the defaults otherwise.
    public func limits(for tenant: TenantID) -> Limits {
        state.withLock { $0.tenants[tenant] } ?? defaultLimits
    }

    /// The limits of tenants without an override (from flags and the `limits:` block).
    public var defaults: Limits { defaultLimits }

    /// The current per-tenant limits (each complete, defaults filled in), for `/runtime_config`.
    public var tenantOverrides: [TenantID: Limits] {
        state.withLock { $0.tenants }
    }

    /// Parses a runtime config document and, only if it is entirely valid, swaps it in
    /// atomically; a bad document leaves the current overrides untouched.
    ///
    /// `source` names the document in error messages (e.g. `runtime config /etc/strata/runtime.yaml`).
    public func apply(runtimeConfigYAML: String, source: String) throws(LimitsError) {
        let parsed = try Self.parse(runtimeConfigYAML: runtimeConfigYAML, source: source, defaults: defaultLimits)
        state.withLock { $0.tenants = parsed }
    }

    /// Parses a runtime config document into complete per-tenant limits without applying it.
    public static func parse(runtimeConfigYAML: String, source: String, defaults: Limits) throws(LimitsError) -> [TenantID: Limits] {
        let root: Node?
        do {
            root = try Yams.compose(yaml: runtimeConfigYAML)
        } catch {
            throw .invalidYAML(source: source, reason: "\(error)")
        }
        // An empty file is a valid config with no overrides, as in Mimir.
        guard let root, !Limits.isNull(root) else { return [:] }
        guard let top = root.mapping else {
            throw .invalidValue(path: source, expected: "a mapping with an overrides key", got: Limits.describe(root))
        }
        var tenants: [TenantID: Limits] = [:]
        var sawOverrides = false
        for (keyNode, value) in top {
            let key = keyNode.scalar?.string ?? Limits.describe(keyNode)
            guard key == "overrides" else {
                throw .unknownKey(path: "\(source): \(key)", known: runtimeConfigKeys)
            }
            if sawOverrides { throw .duplicateKey(path: "\(source): overrides") }
            sawOverrides = true
            if Limits.isNull(value) { continue }
            guard let perTenant = value.mapping else {
                throw .invalidValue(path: "\(source): overrides", expected: "a mapping of tenant ID to limits", got: Limits.describe(value))
            }
            for (tenantNode, limitsNode) in perTenant {
                let raw = tenantNode.scalar?.string ?? Limits.describe(tenantNode)
                let path = "\(source): overrides.\(raw)"
                let tenant: TenantID
                do {
                    tenant = try TenantID(validating: raw)
                } catch {
                    throw .invalidTenant(path: path, reason: error.description)
                }
                if tenants[tenant] != nil { throw .duplicateKey(path: path) }
                var limits = defaults
                try limits.apply(yaml: limitsNode, context: path)
                tenants[tenant] = limits
            }
        }
        return tenants
    }
}
