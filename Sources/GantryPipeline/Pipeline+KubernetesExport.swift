import Foundation
import GantryBuildpacks
import GantryCore
import GantryImage
import GantryKubernetes
import GantryRuntime

extension Pipeline {
    /// `gantry export APP --k8s`: the Kubernetes manifests of `release`, whose image was pushed
    /// to a registry as `image` (`HOST/APP@sha256:…`), rendered from `templates/k8s/`. What
    /// they run is what the deployer would run (`plan`): the same command, formation, limits,
    /// health checks and config — read from the release's stored image and app.json.
    /// - Parameter namespace: `metadata.namespace` of every object; `nil` for none.
    /// - Throws: `OperationError` (409) when the release's image is no longer stored, its
    ///   app.json or config is invalid, or two process types would share a name;
    ///   `KubernetesExportError` when the templates cannot be read; `StoreError`, `ImageError`.
    public func kubernetesManifests(_ release: Release, image reference: String, namespace: String?) async throws -> String {
        let image = try await storedImage(of: release)
        guard let appLayer = image.layers.dropFirst().last else { throw BuildError.other("image \(image.tag) has no app layer") }
        let user = try await store.user(of: release.app)
        let appRoot = try await builder.layerCache.unpacked(appLayer, owner: user)
        var hosts = URL(string: publicURL(release.app))?.host.map { [$0] } ?? []
        hosts += try await store.domains(app: release.app).map(\.name.rawValue).filter { !hosts.contains($0) }
        let export: KubernetesRelease
        do {
            let manifests = try AppManifests(directory: appRoot + "/app")
            let plan = try await plan(release, image: image, manifests: manifests)
            export = try Self.kubernetesRelease(
                plan, appJSON: manifests.appJSON, imageEnvironment: image.environment, config: release.config, image: reference,
                namespace: namespace, hosts: hosts)
        } catch let error as InvalidHealthCheck {
            throw OperationError(.conflict, "cannot export v\(release.version) of \(release.app): \(error)")
        } catch let error as BuildError {
            throw OperationError(.conflict, "cannot export v\(release.version) of \(release.app): \(error)")
        }
        let templates = try KubernetesManifests(directory: templatesDirectory + "/k8s")
        do { return try templates.render(export) } catch { throw OperationError(.conflict, error.reason) }
    }

    /// What `plan` runs, in Kubernetes' terms: each process type of the formation (not the
    /// release command) with Gantry's command (`Launcher.execArguments`: no init is mounted in
    /// a pod), its count as replicas, the memory and CPU limits, the app's uid; `PORT` and the
    /// image's variables inline, the config in the Secret. The web type's probes:
    ///
    /// - `startupProbe`: the check Gantry waits for before routing (app.json's first `startup`
    ///   check, or Gantry's default);
    /// - `readinessProbe`: app.json's first `readiness` check, else the startup check again, so
    ///   that a pod that stops answering leaves the Service;
    /// - `livenessProbe`: app.json's first `liveness` check, else none (Kubernetes restarts a
    ///   container whose process exits, as Gantry does; it kills none the app did not ask for).
    ///
    /// A check accepting only 200–399 is an `httpGet` of its path; Gantry's default (any
    /// answer below 500) is a `tcpSocket` check, which is what "answers at all" can be in
    /// Kubernetes. A check's `content` has no Kubernetes equivalent and is left out.
    /// - Throws: `InvalidHealthCheck` for an invalid `readiness` or `liveness` entry.
    static func kubernetesRelease(
        _ plan: Deployer.Plan, appJSON: AppJSON?, imageEnvironment: [String: String], config: [String: String], image: String,
        namespace: String?, hosts: [String]
    ) throws(InvalidHealthCheck) -> KubernetesRelease {
        let entries = appJSON?.healthchecks?["web"] ?? []
        let startup = plan.healthChecks.checks.first.map(probe)
        let readiness = try firstCheck(ofType: "readiness", in: entries).map(probe) ?? startup
        let liveness = try firstCheck(ofType: "liveness", in: entries).map(probe)
        let processes = plan.formationTypes.map { type in
            KubernetesRelease.Process(
                type: type, arguments: Launcher.execArguments(for: plan.processTypes[type] ?? ""), replicas: plan.formation[type] ?? 0,
                startup: type == "web" ? startup : nil, readiness: type == "web" ? readiness : nil, liveness: type == "web" ? liveness : nil)
        }
        var environment = imageEnvironment
        environment["PORT"] = String(RuncRuntime.webPort)
        return KubernetesRelease(
            app: plan.app.rawValue, version: plan.release, namespace: namespace, image: image, port: RuncRuntime.webPort, user: plan.user,
            processes: processes, environment: environment, config: config, hosts: hosts,
            resources: .init(memoryBytes: plan.memoryLimitBytes, cpuCores: plan.cpuLimit))
    }

    /// The first entry of `type` with a path, checked by the rules of a startup check
    /// (`HealthCheckPolicy(webChecks:)`), which Gantry itself does not run.
    private static func firstCheck(ofType type: String, in entries: [AppJSON.HealthCheck]) throws(InvalidHealthCheck) -> HealthCheckPolicy.Check? {
        guard let index = entries.firstIndex(where: { $0.type == type && $0.path != nil }) else { return nil }
        var entry = entries[index]
        entry.type = "startup"
        do { return try HealthCheckPolicy(webChecks: [entry]).checks.first } catch {
            throw InvalidHealthCheck(field: error.field.replacingOccurrences(of: "[0]", with: "[\(index)]"), reason: error.reason)
        }
    }

    static func probe(_ check: HealthCheckPolicy.Check) -> KubernetesRelease.Probe {
        let period = max(1, wholeSeconds(check.interval))
        let failures: Int
        switch check.limit {
        case .attempts(let count): failures = count
        case .within(let budget): failures = max(1, Int((seconds(budget) / Double(period)).rounded(.up)))
        }
        let httpOnly = check.acceptedStatuses.lowerBound >= 200 && check.acceptedStatuses.upperBound <= 400
        return KubernetesRelease.Probe(
            action: httpOnly ? .httpGet(path: check.path) : .tcpSocket, initialDelaySeconds: wholeSeconds(check.initialDelay),
            periodSeconds: period, timeoutSeconds: max(1, wholeSeconds(check.attemptTimeout)), failureThreshold: failures)
    }

    /// Kubernetes counts probe times in whole seconds: rounded up.
    private static func wholeSeconds(_ duration: Duration) -> Int { Int(seconds(duration).rounded(.up)) }
}
