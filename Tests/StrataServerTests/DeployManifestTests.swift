import Foundation
import StrataLimits
import StrataServer
import Testing
import Yams

/// The deployment files under `deploy/`: every Kubernetes document parses and has the fields its
/// kind needs, the pieces point at each other (selectors, services, volumes, ConfigMaps), every
/// workload's command line and the shared config load through Strata's own config loader, and
/// every systemd unit runs an existing `-target` with settings Strata accepts.
@Suite
struct DeployManifestTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let kubernetes = root.appendingPathComponent("deploy/kubernetes")
    static let systemd = root.appendingPathComponent("deploy/systemd")

    /// The roles a cluster needs, each with its own workload.
    static let roles = ["distributor", "ingester", "querier", "query-frontend", "store-gateway", "compactor"]
    /// Roles whose data must survive a restart: StatefulSets with volume claims, spread over zones.
    static let statefulRoles = ["ingester", "store-gateway"]
    static let zoneKey = "topology.kubernetes.io/zone"
    static let componentLabel = "app.kubernetes.io/component"

    /// One YAML document of one file.
    struct Document {
        let file: String
        let object: [String: Any]
        var kind: String { object["kind"] as? String ?? "" }
        var name: String { (object["metadata"] as? [String: Any])?["name"] as? String ?? "" }
        var place: String { "\(file): \(kind) \(name)" }
        var spec: [String: Any] { object["spec"] as? [String: Any] ?? [:] }
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    static func documents() throws -> [Document] {
        let files = try FileManager.default.contentsOfDirectory(atPath: kubernetes.path)
            .filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted()
        var out: [Document] = []
        for file in files {
            let text = try String(contentsOf: kubernetes.appendingPathComponent(file), encoding: .utf8)
            // The sequence keeps a parse error to itself: check it after the last document.
            var sequence = try Yams.load_all(yaml: text)
            while let document = sequence.next() {
                guard let object = document as? [String: Any] else {
                    throw Failure(description: "deploy/kubernetes/\(file): a document is not a mapping")
                }
                out.append(Document(file: file, object: object))
            }
            if let error = sequence.error {
                throw Failure(description: "deploy/kubernetes/\(file) is not valid YAML: \(error)")
            }
        }
        return out
    }

    // MARK: - Accessors over the untyped YAML

    static func map(_ value: Any?, _ path: String...) -> [String: Any]? {
        var current = value
        for key in path { current = (current as? [String: Any])?[key] }
        return current as? [String: Any]
    }

    static func list(_ value: Any?, _ path: String...) -> [[String: Any]] {
        var current = value
        for key in path { current = (current as? [String: Any])?[key] }
        return current as? [[String: Any]] ?? []
    }

    static func strings(_ value: Any?) -> [String: String] {
        (value as? [String: Any] ?? [:]).compactMapValues { $0 as? String }
    }

    /// Whether every label of `selector` is on `labels`.
    static func selects(_ selector: [String: String], _ labels: [String: String]) -> Bool {
        !selector.isEmpty && selector.allSatisfy { labels[$0.key] == $0.value }
    }

    static func podTemplate(_ d: Document) -> [String: Any] { map(d.spec, "template") ?? [:] }
    static func templateLabels(_ d: Document) -> [String: String] { strings(map(podTemplate(d), "metadata")?["labels"]) }
    static func podSpec(_ d: Document) -> [String: Any] { map(podTemplate(d), "spec") ?? [:] }
    static func containers(_ d: Document) -> [[String: Any]] { list(podSpec(d), "containers") }
    static func args(_ container: [String: Any]) -> [String] { (container["args"] as? [Any] ?? []).map { "\($0)" } }

    /// The `-target=` value of a container's arguments.
    static func target(_ container: [String: Any]) -> String? {
        args(container).first { $0.hasPrefix("-target=") }.map { String($0.dropFirst("-target=".count)) }
    }

    /// The anti-affinity terms of a pod, required and preferred.
    static func antiAffinityTerms(_ d: Document) -> [[String: Any]] {
        let anti = map(podSpec(d), "affinity", "podAntiAffinity") ?? [:]
        return list(anti, "requiredDuringSchedulingIgnoredDuringExecution")
            + list(anti, "preferredDuringSchedulingIgnoredDuringExecution").compactMap { $0["podAffinityTerm"] as? [String: Any] }
    }

    // MARK: - Kubernetes

    @Test("every Kubernetes document parses and has apiVersion, kind and metadata.name of a known kind")
    func documentsHaveTheirBasics() throws {
        let docs = try Self.documents()
        #expect(docs.count >= 15, "only \(docs.count) documents under deploy/kubernetes")
        let apiVersions = ["ConfigMap": "v1", "Service": "v1", "StatefulSet": "apps/v1", "Deployment": "apps/v1",
                           "PodDisruptionBudget": "policy/v1"]
        var seen = Set<String>()
        for d in docs {
            #expect(!d.name.isEmpty, "\(d.file): a \(d.kind) without metadata.name")
            #expect(apiVersions[d.kind] != nil, "\(d.place): unexpected kind")
            #expect(d.object["apiVersion"] as? String == apiVersions[d.kind], "\(d.place): apiVersion \(d.object["apiVersion"] ?? "missing")")
            #expect(seen.insert("\(d.kind)/\(d.name)").inserted, "\(d.place) is defined twice")
        }
        // etcd and memcached are dependencies named by their Services, not part of these files.
        for d in docs where d.kind == "StatefulSet" || d.kind == "Deployment" {
            #expect(!["etcd", "memcached"].contains(d.name), "\(d.place): etcd and memcached are external dependencies")
        }
    }

    @Test("each role runs as its own workload with -target=<role>, readiness on /ready and its volumes")
    func workloads() throws {
        let docs = try Self.documents()
        let workloads = docs.filter { $0.kind == "StatefulSet" || $0.kind == "Deployment" }
        let configMaps = Dictionary(docs.filter { $0.kind == "ConfigMap" }.map { ($0.name, Self.strings($0.object["data"])) },
                                    uniquingKeysWith: { a, _ in a })
        var roles = Set<String>()
        for d in workloads {
            let labels = Self.templateLabels(d)
            let selector = Self.strings(Self.map(d.spec, "selector")?["matchLabels"])
            #expect(Self.selects(selector, labels), "\(d.place): selector \(selector) does not match the template labels \(labels)")
            let containers = Self.containers(d)
            #expect(!containers.isEmpty, "\(d.place): no containers")
            let role = labels[Self.componentLabel] ?? ""
            roles.insert(role)

            // Volumes: pod volumes plus the claim templates.
            var volumes = Set(Self.list(Self.podSpec(d), "volumes").compactMap { $0["name"] as? String })
            let claims = Self.list(d.spec, "volumeClaimTemplates").compactMap { Self.map($0, "metadata")?["name"] as? String }
            volumes.formUnion(claims)
            for volume in Self.list(Self.podSpec(d), "volumes") {
                if let name = Self.map(volume, "configMap")?["name"] as? String {
                    #expect(configMaps[name] != nil, "\(d.place): volume uses ConfigMap \(name), which no file defines")
                }
            }

            for c in containers {
                let cname = c["name"] as? String ?? "?"
                #expect(!(c["image"] as? String ?? "").isEmpty, "\(d.place) container \(cname): no image")
                let target = Self.target(c)
                #expect(target == role, "\(d.place) container \(cname): -target=\(target ?? "missing"), expected \(role)")
                if let target { #expect(throws: Never.self) { try Targets(target) } }
                let probe = Self.map(c, "readinessProbe", "httpGet")
                #expect(probe?["path"] as? String == "/ready", "\(d.place) container \(cname): readinessProbe is not httpGet /ready")
                let ports = Self.list(c, "ports")
                let portNames = Set(ports.compactMap { $0["name"] as? String })
                if let port = probe?["port"] as? String { #expect(portNames.contains(port), "\(d.place): probe port \(port) is not a container port") }
                for mount in Self.list(c, "volumeMounts") {
                    let name = mount["name"] as? String ?? ""
                    #expect(volumes.contains(name), "\(d.place) container \(cname): mounts \(name), which is not a volume")
                }
                // Secrets only by reference: an env var naming a secret or key must come from valueFrom.
                for env in Self.list(c, "env") {
                    let name = env["name"] as? String ?? ""
                    if name.contains("SECRET") || name.contains("ACCESS_KEY") {
                        #expect(Self.map(env, "valueFrom", "secretKeyRef")?["name"] != nil, "\(d.place): \(name) is not taken from a Secret")
                        #expect(env["value"] == nil, "\(d.place): \(name) has a literal value")
                    }
                }
            }

            if d.kind == "StatefulSet" {
                let serviceName = d.spec["serviceName"] as? String ?? ""
                let service = docs.first { $0.kind == "Service" && $0.name == serviceName }
                #expect(service != nil, "\(d.place): serviceName \(serviceName) is not a Service of these files")
                if let service {
                    #expect(service.spec["clusterIP"] as? String == "None", "\(service.place): the service of a StatefulSet must be headless")
                    #expect(Self.selects(Self.strings(service.spec["selector"]), labels), "\(service.place) does not select \(d.place)'s pods")
                }
            }
            if Self.statefulRoles.contains(role) {
                #expect(d.kind == "StatefulSet", "\(d.place): \(role) must be a StatefulSet")
                #expect(!claims.isEmpty, "\(d.place): no volumeClaimTemplates")
                let mounted = Set(containers.flatMap { Self.list($0, "volumeMounts").compactMap { $0["name"] as? String } })
                #expect(claims.allSatisfy(mounted.contains), "\(d.place): a volume claim is not mounted")
                let zoneTerms = Self.antiAffinityTerms(d).filter { $0["topologyKey"] as? String == Self.zoneKey }
                #expect(!zoneTerms.isEmpty, "\(d.place): no pod anti-affinity on \(Self.zoneKey)")
            }
        }
        #expect(roles == Set(Self.roles), "workloads run \(roles.sorted()), expected \(Self.roles.sorted())")
        let ingesterZones = workloads.filter { Self.templateLabels($0)[Self.componentLabel] == "ingester" }
        #expect(ingesterZones.count >= 3, "ingesters should be one StatefulSet per zone (3), found \(ingesterZones.count)")
    }

    @Test("Services and PodDisruptionBudgets select workloads; every workload has both")
    func servicesAndBudgets() throws {
        let docs = try Self.documents()
        let workloads = docs.filter { $0.kind == "StatefulSet" || $0.kind == "Deployment" }
        var serviced = Set<String>()
        var budgeted = Set<String>()
        for s in docs where s.kind == "Service" {
            let selector = Self.strings(s.spec["selector"])
            let targets = workloads.filter { Self.selects(selector, Self.templateLabels($0)) }
            #expect(!targets.isEmpty, "\(s.place): selector \(selector) matches no workload")
            let ports = Self.list(s.spec, "ports")
            #expect(!ports.isEmpty, "\(s.place): no ports")
            for port in ports {
                #expect(port["port"] as? Int != nil, "\(s.place): a port without a number")
                if let target = port["targetPort"] as? String {
                    for w in targets {
                        let names = Set(Self.containers(w).flatMap { Self.list($0, "ports").compactMap { $0["name"] as? String } })
                        #expect(names.contains(target), "\(s.place): targetPort \(target) is not a port of \(w.place)")
                    }
                }
            }
            serviced.formUnion(targets.map(\.name))
        }
        for p in docs where p.kind == "PodDisruptionBudget" {
            let selector = Self.strings(Self.map(p.spec, "selector")?["matchLabels"])
            let targets = workloads.filter { Self.selects(selector, Self.templateLabels($0)) }
            #expect(!targets.isEmpty, "\(p.place): selector \(selector) matches no workload")
            #expect(p.spec["maxUnavailable"] != nil || p.spec["minAvailable"] != nil, "\(p.place): neither maxUnavailable nor minAvailable")
            budgeted.formUnion(targets.map(\.name))
        }
        for w in workloads {
            #expect(serviced.contains(w.name), "\(w.place): no Service selects it")
            #expect(budgeted.contains(w.name), "\(w.place): no PodDisruptionBudget covers it")
        }
        // gRPC between roles goes to the pods' own addresses: the stateful roles have headless services.
        for role in Self.statefulRoles {
            let headless = docs.filter { $0.kind == "Service" && $0.spec["clusterIP"] as? String == "None"
                && Self.strings($0.spec["selector"])[Self.componentLabel] == role }
            #expect(!headless.isEmpty, "no headless Service for \(role)")
            #expect(headless.contains { Self.list($0.spec, "ports").contains { $0["name"] as? String == "grpc" } }, "the \(role) Service has no grpc port")
        }
    }

    @Test("every workload's command line and the ConfigMaps load through Strata's config loader")
    func configurationLoads() throws {
        let docs = try Self.documents()
        let configMaps = Dictionary(docs.filter { $0.kind == "ConfigMap" }.map { ($0.name, Self.strings($0.object["data"])) },
                                    uniquingKeysWith: { a, _ in a })
        var loaded = 0
        for d in docs where d.kind == "StatefulSet" || d.kind == "Deployment" {
            // Files the pod sees: each ConfigMap volume's keys under its mount path.
            var files: [String: String] = [:]
            let volumes = Self.list(Self.podSpec(d), "volumes")
            for c in Self.containers(d) {
                for mount in Self.list(c, "volumeMounts") {
                    guard let volume = volumes.first(where: { $0["name"] as? String == mount["name"] as? String }),
                          let configMap = Self.map(volume, "configMap")?["name"] as? String,
                          let data = configMaps[configMap], let path = mount["mountPath"] as? String else { continue }
                    for (key, text) in data { files[path + "/" + key] = text }
                }
                // Kubernetes expands $(VAR) from the container's env; a pod IP stands in for it.
                let arguments = Self.args(c).map { $0.replacingOccurrences(of: "$(POD_IP)", with: "10.1.2.3") }
                let request = try ConfigLoader.load(arguments: arguments) { path in
                    guard let text = files[path] else { throw Failure(description: "\(d.place) reads \(path), which no ConfigMap mount provides") }
                    return text
                }
                #expect(request.config.target == Self.target(c), "\(d.place): loaded target \(request.config.target)")
                let runtimeFile = request.config.runtimeConfig.file
                if !runtimeFile.isEmpty {
                    let text = try #require(files[runtimeFile], "\(d.place): runtime config \(runtimeFile) is not in a mounted ConfigMap")
                    _ = try Overrides.parse(runtimeConfigYAML: text, source: runtimeFile, defaults: request.config.limits)
                }
                loaded += 1
            }
        }
        #expect(loaded >= Self.roles.count)
    }

    // MARK: - systemd

    /// The `Key=value` lines of a unit, continuation lines joined.
    static func unitSettings(_ text: String) -> [(key: String, value: String)] {
        var out: [(key: String, value: String)] = []
        var pending = ""
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = String(raw)
            if pending.isEmpty && (line.hasPrefix("#") || line.hasPrefix(";") || line.hasPrefix("[")) { continue }
            if line.hasSuffix("\\") {
                pending += line.dropLast() + " "
                continue
            }
            let full = pending + line
            pending = ""
            guard let eq = full.firstIndex(of: "=") else { continue }
            out.append((String(full[..<eq]).trimmingCharacters(in: .whitespaces), String(full[full.index(after: eq)...]).trimmingCharacters(in: .whitespaces)))
        }
        return out
    }

    /// `KEY=value` lines of an environment file.
    static func environment(_ text: String) -> [String: String] {
        var out: [String: String] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let eq = line.firstIndex(of: "=") else { continue }
            out[String(line[..<eq])] = String(line[line.index(after: eq)...])
        }
        return out
    }

    @Test("every systemd unit runs an existing -target with flags and the shared config Strata accepts")
    func systemdUnits() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.systemd.path).sorted()
        let units = files.filter { $0.hasSuffix(".service") }
        let envText = try String(contentsOf: Self.systemd.appendingPathComponent("strata.env"), encoding: .utf8)
        let env = Self.environment(envText)
        let config = try String(contentsOf: Self.systemd.appendingPathComponent("strata.yaml"), encoding: .utf8)
        let runtime = try String(contentsOf: Self.systemd.appendingPathComponent("runtime.yaml"), encoding: .utf8)
        let shipped = ["/etc/strata/strata.yaml": config, "/etc/strata/runtime.yaml": runtime]

        var targets: [String: String] = [:]
        var ports: [String: String] = [:]
        for unit in units {
            let text = try String(contentsOf: Self.systemd.appendingPathComponent(unit), encoding: .utf8)
            let settings = Self.unitSettings(text)
            let envFile = settings.first { $0.key == "EnvironmentFile" }?.value
            #expect(envFile == "/etc/strata/strata.env", "\(unit): EnvironmentFile is \(envFile ?? "missing")")
            let exec = try #require(settings.first { $0.key == "ExecStart" }?.value, "\(unit): no ExecStart")
            var words = exec.split(separator: " ").map(String.init)
            #expect(words.first == "/usr/local/bin/strata", "\(unit): ExecStart runs \(words.first ?? "nothing")")
            words.removeFirst()
            // systemd expands ${VAR} to one word and $VAR to words split on spaces.
            var arguments: [String] = []
            for word in words {
                if word.hasPrefix("$"), !word.hasPrefix("${") {
                    let name = String(word.dropFirst())
                    #expect(env[name] != nil, "\(unit): \(word) is not set in strata.env")
                    arguments += (env[name] ?? "").split(separator: " ").map(String.init)
                    continue
                }
                var expanded = word
                while let open = expanded.range(of: "${"), let close = expanded.range(of: "}", range: open.upperBound..<expanded.endIndex) {
                    let name = String(expanded[open.upperBound..<close.lowerBound])
                    #expect(env[name] != nil, "\(unit): ${\(name)} is not set in strata.env")
                    expanded.replaceSubrange(open.lowerBound..<close.upperBound, with: env[name] ?? "")
                }
                arguments.append(expanded)
            }
            let request = try ConfigLoader.load(arguments: arguments) { path in
                guard let text = shipped[path] else { throw Failure(description: "\(unit) reads \(path), which deploy/systemd does not ship") }
                return text
            }
            let target = request.config.target
            #expect(throws: Never.self, "\(unit): -target=\(target)") { try Targets(target) }
            let expectedFile = target == "all" ? "strata.service" : "strata-\(target).service"
            #expect(unit == expectedFile, "\(unit) runs -target=\(target); expected the file \(expectedFile)")
            targets[target] = unit
            _ = try Overrides.parse(runtimeConfigYAML: shipped[request.config.runtimeConfig.file] ?? "", source: unit, defaults: request.config.limits)
            // The per-role units can share a host: no two listen on the same port.
            if target != "all" {
                for flag in ["-server.http-listen-port=", "-server.grpc-listen-port="] {
                    let port = try #require(arguments.first { $0.hasPrefix(flag) }, "\(unit): no \(flag)")
                    #expect(ports[port] == nil, "\(unit) and \(ports[port] ?? "") both use \(port)")
                    ports[port] = unit
                }
            }
        }
        #expect(Set(targets.keys) == Set(Self.roles + ["all"]), "units for \(targets.keys.sorted()); expected one per role and one for all")
    }
}
