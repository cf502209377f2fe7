/// The objects' names and labels, and the values each template is given.
///
/// Names are DNS labels: `APP-TYPE` for a Deployment (a Procfile type such as `celery_beat`
/// becomes `celery-beat`), `APP-web` for the Service, `APP` for the Ingress, `APP-vN-config` for
/// the release's Secret (each release has its own, so a rollback's pods read the config of the
/// release they run). A Deployment's selector names the app and the process type (as in its
/// name: a label value must start and end with a letter or digit), never the release: a
/// selector cannot change, and the next release updates the same Deployment.
struct KubernetesNames {
    let app: String
    let deployments: [String: String]

    /// - Throws: `KubernetesExportError` when a process type has no letter or digit, or two
    ///   types make the same name.
    init(_ release: KubernetesRelease) throws(KubernetesExportError) {
        app = release.app
        var deployments: [String: String] = [:]
        var types: [String: String] = [:]
        for process in release.processes {
            let label = Self.dnsLabel(process.type)
            guard !label.isEmpty else {
                throw KubernetesExportError("process type '\(process.type)' has no letter or digit to name its Deployment; rename it in the Procfile")
            }
            let name = release.app + "-" + label
            if let other = types[name] {
                throw KubernetesExportError(
                    "process types '\(other)' and '\(process.type)' would both be Deployment \(name); rename one in the Procfile")
            }
            types[name] = process.type
            deployments[process.type] = name
        }
        self.deployments = deployments
    }

    /// Lower case; anything but a letter or digit becomes `-`; no `-` at either end.
    static func dnsLabel(_ text: String) -> String {
        let mapped = String(text.lowercased().unicodeScalars.map { ("a"..."z").contains($0) || ("0"..."9").contains($0) ? Character($0) : "-" })
        return String(mapped.drop(while: { $0 == "-" }).reversed().drop(while: { $0 == "-" }).reversed())
    }

    var serviceName: String { app + "-web" }

    func secretName(_ release: KubernetesRelease) -> String { "\(app)-v\(release.version)-config" }

    // MARK: - Template contexts

    func secretContext(_ release: KubernetesRelease) -> [String: Any] {
        var context = metadata(release, name: secretName(release), labels: [("app.kubernetes.io/name", app)] + releaseLabels(release))
        context["data"] = Self.pairs(release.config)
        context["hasData"] = !release.config.isEmpty
        return context
    }

    func deploymentContext(_ release: KubernetesRelease, _ process: KubernetesRelease.Process) -> [String: Any] {
        let selector = [("app.kubernetes.io/name", app), ("gantry.dev/process-type", Self.dnsLabel(process.type))]
        var context = metadata(release, name: deployments[process.type] ?? app, labels: selector + releaseLabels(release))
        context["selector"] = Self.pairs(selector)
        context["podLabels"] = Self.pairs(selector + releaseLabels(release))
        context["replicas"] = process.replicas
        context["container"] = Self.dnsLabel(process.type)
        context["image"] = release.image
        context["arguments"] = process.arguments.map(Self.unexpanded)
        // A config var of the same name wins, as in Gantry — and in Kubernetes `env` would beat
        // the Secret's `envFrom`; `PORT` is Gantry's own and wins over config (as in runc).
        let environment = release.environment.filter { key, _ in key == "PORT" || release.config[key] == nil }
        context["env"] = Self.pairs(environment.mapValues(Self.unexpanded))
        context["secret"] = secretName(release)
        context["port"] = release.port
        context["web"] = process.isWeb
        context["user"] = release.user
        context["resources"] = Self.pairs(resources(release.resources), sorted: false)
        context["probes"] = [("startupProbe", process.startup), ("readinessProbe", process.readiness), ("livenessProbe", process.liveness)]
            .compactMap { field, probe in probe.map { Self.probeContext(field, $0) } }
        return context
    }

    func serviceContext(_ release: KubernetesRelease) -> [String: Any] {
        let selector = [("app.kubernetes.io/name", app), ("gantry.dev/process-type", "web")]
        var context = metadata(release, name: serviceName, labels: selector + releaseLabels(release))
        context["selector"] = Self.pairs(selector)
        return context
    }

    func ingressContext(_ release: KubernetesRelease) -> [String: Any] {
        var context = metadata(release, name: app, labels: [("app.kubernetes.io/name", app)] + releaseLabels(release))
        context["hosts"] = release.hosts
        context["service"] = serviceName
        return context
    }

    private func metadata(_ release: KubernetesRelease, name: String, labels: [(String, String)]) -> [String: Any] {
        var context: [String: Any] = ["name": name, "labels": Self.pairs(labels)]
        if let namespace = release.namespace { context["namespace"] = namespace }
        return context
    }

    private func releaseLabels(_ release: KubernetesRelease) -> [(String, String)] {
        [("gantry.dev/release", "v\(release.version)"), ("app.kubernetes.io/managed-by", "gantry")]
    }

    /// Kubernetes quantities: `512Mi` (or bytes), `500m` of CPU.
    private func resources(_ resources: KubernetesRelease.Resources) -> [(String, String)] {
        let mebibyte = 1 << 20
        let memory = resources.memoryBytes % mebibyte == 0 ? "\(resources.memoryBytes / mebibyte)Mi" : "\(resources.memoryBytes)"
        guard let cores = resources.cpuCores else { return [("memory", memory)] }
        return [("cpu", "\(max(1, Int((cores * 1000).rounded())))m"), ("memory", memory)]
    }

    /// `text` as Kubernetes passes it on: it expands `$(NAME)` in a container's command and
    /// `env` values and reduces `$$` to `$`, so every `$` is doubled (`echo $$` stays the
    /// shell's PID, `$(HOME)` a command substitution). Values from the Secret are not expanded.
    static func unexpanded(_ text: String) -> String {
        text.replacingOccurrences(of: "$", with: "$$")
    }

    private static func probeContext(_ field: String, _ probe: KubernetesRelease.Probe) -> [String: Any] {
        var context: [String: Any] = [
            "field": field, "initialDelaySeconds": probe.initialDelaySeconds, "periodSeconds": probe.periodSeconds,
            "timeoutSeconds": probe.timeoutSeconds, "failureThreshold": probe.failureThreshold,
        ]
        switch probe.action {
        case .httpGet(let path): context["httpPath"] = path
        case .tcpSocket: context["tcp"] = true
        }
        return context
    }

    private static func pairs(_ dictionary: [String: String]) -> [[String: String]] {
        pairs(dictionary.map { ($0.key, $0.value) })
    }

    /// `[{key, value}]`, sorted by key unless `sorted` is false: the same release renders the same bytes.
    private static func pairs(_ list: [(String, String)], sorted: Bool = true) -> [[String: String]] {
        (sorted ? list.sorted { $0.0 < $1.0 } : list).map { ["key": $0.0, "value": $0.1] }
    }
}
