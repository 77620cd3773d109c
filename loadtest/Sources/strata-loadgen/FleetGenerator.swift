import StrataModel

/// Builds the label sets of a simulated Kubernetes fleet: three clusters, twenty namespaces with
/// three deployments each, pods spread over nodes in three zones, scraped by the usual jobs
/// (cAdvisor, kube-state-metrics, the pods themselves, node-exporter).
///
/// The fleet grows with the requested series count: more pods and nodes, never more series per
/// pod. Label sets depend only on the series count, so two runs with the same `-series` write to
/// the same series whatever the seed.

/// One series of the fleet.
struct FleetSeries: Sendable {
    /// Sorted label set (`__name__`, `app`, `cluster`, `container`, `instance`, `job`,
    /// `namespace`, `node`, `pod`, `zone`, plus the metric's extra labels).
    var labels: Labels
    /// `labels.stableHash`: what `-record-acked` writes and what sharding uses.
    var hash: UInt64
    /// How the value moves, with per-series rate weights already applied.
    var model: ValueModel
}

/// The whole fleet: every series, in the order they were generated.
struct Fleet: Sendable {
    /// The series; exactly the requested count.
    var series: [FleetSeries]

    /// Clusters, their cloud regions.
    static let clusters = ["prod-eu-west-1", "prod-us-east-1", "staging-eu-central-1"]
    static let regions = ["eu-west-1", "us-east-1", "eu-central-1"]
    /// Namespaces and the three deployments of each.
    static let namespaces: [(name: String, apps: [String])] = {
        let infra: [(String, [String])] = [
            ("kube-system", ["coredns", "metrics-server", "cluster-autoscaler"]),
            ("monitoring", ["prometheus", "alertmanager", "grafana"]),
            ("ingress-nginx", ["ingress-nginx-controller", "ingress-nginx-defaultbackend", "external-dns"]),
            ("cert-manager", ["cert-manager", "cert-manager-webhook", "cert-manager-cainjector"]),
            ("argocd", ["argocd-server", "argocd-repo-server", "argocd-application-controller"]),
        ]
        let services = ["payments", "checkout", "cart", "catalog", "search", "orders", "shipping", "inventory",
                        "auth", "notifications", "recommendations", "frontend", "gateway", "billing", "analytics"]
        return infra + services.map { ($0, ["\($0)-api", "\($0)-worker", "\($0)-web"]) }
    }()
    /// One node-exporter target per this many pods.
    static let podsPerNode = 20

    /// Builds a fleet of exactly `seriesCount` series; `extraLabels` go on every series.
    init(seriesCount: Int, extraLabels: [Label] = []) {
        let podMetrics = metricCatalog.filter { $0.source != .node }
        let nodeMetrics = metricCatalog.filter { $0.source == .node }
        let perPod = podMetrics.reduce(0) { $0 + $1.seriesPerTarget }
        let perNode = nodeMetrics.reduce(0) { $0 + $1.seriesPerTarget }
        let perPodWithNodes = Double(perPod) + Double(perNode) / Double(Fleet.podsPerNode)
        let expectedPods = max(1, Int((Double(seriesCount) / perPodWithNodes).rounded(.up)))
        let nodesPerCluster = max(1, (expectedPods / Fleet.podsPerNode + Fleet.clusters.count - 1) / Fleet.clusters.count)

        var out: [FleetSeries] = []
        out.reserveCapacity(seriesCount)
        var seen = Set<UInt64>()
        var pod = 0
        while out.count < seriesCount {
            if pod % Fleet.podsPerNode == 0 {
                let node = NodeTarget(index: pod / Fleet.podsPerNode)
                Fleet.emit(metrics: nodeMetrics, base: node.exporterLabels + extraLabels, into: &out, seen: &seen, limit: seriesCount)
            }
            let target = PodTarget(index: pod, nodesPerCluster: nodesPerCluster)
            for metric in podMetrics where out.count < seriesCount {
                let base: [Label]
                switch metric.source {
                case .cadvisor: base = target.labels(job: "cadvisor", instance: target.node.ip + ":10250")
                case .kubeState: base = target.labels(job: "kube-state-metrics", instance: target.kubeStateInstance)
                case .app, .node: base = target.labels(job: "kubernetes-pods", instance: target.ip + ":8080")
                }
                Fleet.emit(metrics: [metric], base: base + extraLabels, into: &out, seen: &seen, limit: seriesCount)
            }
            pod += 1
        }
        series = out
    }

    /// Appends one series per metric and extra-label combination until `limit` series exist.
    /// A label set already emitted (a pod-name hash collision) is skipped, so every series is unique.
    private static func emit(metrics: [MetricDef], base: [Label], into out: inout [FleetSeries],
                             seen: inout Set<UInt64>, limit: Int) {
        for metric in metrics {
            let combos = metric.seriesPerTarget
            for combo in 0..<combos {
                guard out.count < limit else { return }
                var labels = base
                labels.append(Label(name: metricNameLabel, value: metric.name))
                var weight = 1.0
                var allFirst = true
                var rest = combo
                for dim in metric.extras.reversed() {
                    let i = rest % dim.values.count
                    rest /= dim.values.count
                    labels.append(Label(name: dim.name, value: dim.values[i]))
                    weight *= dim.weights[i]
                    if i != 0 { allFirst = false }
                }
                let model: ValueModel
                switch metric.model {
                case .counter(let perSecond, let integer): model = .counter(perSecond: perSecond * weight, integer: integer)
                case .indicator: model = .constant(allFirst ? 1 : 0)
                default: model = metric.model
                }
                let sorted = Labels(labels)
                let hash = sorted.stableHash
                guard seen.insert(hash).inserted else { continue }
                out.append(FleetSeries(labels: sorted, hash: hash, model: model))
            }
        }
    }

    /// Number of distinct values of each label name across the fleet, sorted by name.
    func cardinalities() -> [(name: String, values: Int)] {
        var sets: [String: Set<String>] = [:]
        for s in series {
            for label in s.labels { sets[label.name, default: []].insert(label.value) }
        }
        return sets.map { ($0.key, $0.value.count) }.sorted { $0.name < $1.name }
    }
}

/// A node: name, IP, zone, and its node-exporter pod.
private struct NodeTarget {
    var cluster: Int
    var name: String
    var ip: String
    var zone: String
    var exporterPod: String

    /// Node `index` of the whole fleet; nodes alternate between clusters.
    init(index: Int) {
        cluster = index % Fleet.clusters.count
        let local = index / Fleet.clusters.count
        let region = Fleet.regions[cluster]
        let third = local / 250 % 256
        let fourth = local % 250 + 4
        ip = "10.\(cluster).\(third).\(fourth)"
        name = "ip-10-\(cluster)-\(third)-\(fourth).\(region).compute.internal"
        zone = region + ["a", "b", "c"][local % 3]
        exporterPod = "node-exporter-" + randomName(hash: mix(UInt64(index) &+ 0x6e6f6465), length: 5)
    }

    /// Labels of node-exporter series scraped from this node.
    var exporterLabels: [Label] {
        [
            Label(name: "app", value: "node-exporter"),
            Label(name: "cluster", value: Fleet.clusters[cluster]),
            Label(name: "container", value: "node-exporter"),
            Label(name: "instance", value: ip + ":9100"),
            Label(name: "job", value: "node-exporter"),
            Label(name: "namespace", value: "monitoring"),
            Label(name: "node", value: name),
            Label(name: "pod", value: exporterPod),
            Label(name: "zone", value: zone),
        ]
    }
}

/// A pod: its deployment, name, IP and node.
private struct PodTarget {
    var cluster: Int
    var namespace: String
    var app: String
    var pod: String
    var ip: String
    var node: NodeTarget

    /// Pod `index` of the whole fleet: pods alternate between clusters, then namespaces, then
    /// deployments; the rest of the index is the replica number.
    init(index: Int, nodesPerCluster: Int) {
        cluster = index % Fleet.clusters.count
        let local = index / Fleet.clusters.count
        let ns = Fleet.namespaces[local % Fleet.namespaces.count]
        let deployment = local / Fleet.namespaces.count % 3
        namespace = ns.name
        app = ns.apps[deployment]
        let replicaSetHash = mix(UInt64(cluster) << 32 | UInt64(local % (Fleet.namespaces.count * 3)))
        pod = app + "-" + randomName(hash: replicaSetHash, length: 10) + "-" + randomName(hash: mix(UInt64(index) ^ 0x706f64), length: 5)
        ip = "10.\(100 + cluster).\(local / 250 % 256).\(local % 250 + 2)"
        let nodeLocal = Int(mix(UInt64(index) &+ 0x6e) % UInt64(nodesPerCluster))
        node = NodeTarget(index: nodeLocal * Fleet.clusters.count + cluster)
    }

    /// kube-state-metrics runs once per cluster.
    var kubeStateInstance: String { "10.\(100 + cluster).0.10:8080" }

    /// Target labels for a series about this pod scraped by `job` at `instance`.
    func labels(job: String, instance: String) -> [Label] {
        [
            Label(name: "app", value: app),
            Label(name: "cluster", value: Fleet.clusters[cluster]),
            Label(name: "container", value: app),
            Label(name: "instance", value: instance),
            Label(name: "job", value: job),
            Label(name: "namespace", value: namespace),
            Label(name: "node", value: node.name),
            Label(name: "pod", value: pod),
            Label(name: "zone", value: node.zone),
        ]
    }
}

/// A Kubernetes-style random suffix (the alphabet of `rand.SafeEncodeString`).
private func randomName(hash: UInt64, length: Int) -> String {
    let alphabet = Array("bcdfghjklmnpqrstvwxz2456789")
    var h = hash
    var out = ""
    for _ in 0..<length {
        out.append(alphabet[Int(h % UInt64(alphabet.count))])
        h = h / UInt64(alphabet.count)
        if h == 0 { h = mix(hash &+ UInt64(out.count)) }
    }
    return out
}

/// The SplitMix64 finaliser: a good 64-bit mixing function.
func mix(_ x: UInt64) -> UInt64 {
    var z = x &+ 0x9e37_79b9_7f4a_7c15
    z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
    z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
    return z ^ (z >> 31)
}
