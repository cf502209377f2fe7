import Foundation
import GantryBuildpacks
import GantryCore
import GantryImage
import GantryKubernetes
@testable import GantryPipeline
import GantryRuntime
import Testing

/// What `gantry export --k8s` makes of a deployer's plan: the command, formation, limits and
/// app.json checks Gantry itself uses.
@Suite struct KubernetesExportTests {
    static let image = "127.0.0.1:5000/hello@sha256:" + String(repeating: "0f", count: 32)

    /// The plan `Pipeline.plan` makes for `config` and `appJSON` (limits from `AppSettings`, checks from app.json).
    static func plan(config: [String: String] = [:], appJSON: AppJSON?) throws -> Deployer.Plan {
        let settings = try AppSettings(config: config)
        var plan = Deployer.Plan(
            app: try AppName("hello"), release: 4, layers: ["/stack", "/app-layer"], environment: [:],
            processTypes: ["web": "gunicorn app:app", "worker": "celery worker", Formation.releaseType: "flask db upgrade"],
            formation: ["worker": 1, "web": 2], healthChecks: try HealthCheckPolicy(appJSON: appJSON))
        plan.memoryLimitBytes = settings.processMemoryBytes
        plan.cpuLimit = settings.processCPU
        plan.user = AppUser.uid(appID: 7)
        return plan
    }

    static func appJSON(_ checks: String) throws -> AppJSON {
        try AppJSON(parsing: Data(#"{"healthchecks": {"web": [\#(checks)]}}"#.utf8))
    }

    static func export(_ plan: Deployer.Plan, appJSON: AppJSON?, config: [String: String] = ["SECRET_KEY": "s3cret"]) throws -> KubernetesRelease {
        try Pipeline.kubernetesRelease(
            plan, appJSON: appJSON, imageEnvironment: ["PATH": Launcher.path, "HOME": "/app", "STACK": "bookworm"], config: config,
            image: image, namespace: "prod", hosts: ["hello.example.com"])
    }

    @Test func appJSONStartupReadinessAndLivenessChecksBecomeTheWebTypesProbes() throws {
        let json = try Self.appJSON(#"""
            {"type": "startup", "path": "/health", "attempts": 5, "wait": 2, "timeout": 3, "initialDelay": 1},
            {"type": "readiness", "path": "/ready", "wait": 5, "timeout": 1},
            {"type": "liveness", "path": "/live", "attempts": 3, "wait": 10}
            """#)
        let export = try Self.export(try Self.plan(appJSON: json), appJSON: json)
        let web = try #require(export.processes.first)
        #expect(web.type == "web")
        #expect(web.startup == .init(action: .httpGet(path: "/health"), initialDelaySeconds: 1, periodSeconds: 2, timeoutSeconds: 3, failureThreshold: 5))
        // No attempts: Gantry's 30 s budget, one try every `wait` (5 s).
        #expect(web.readiness == .init(action: .httpGet(path: "/ready"), initialDelaySeconds: 0, periodSeconds: 5, timeoutSeconds: 1, failureThreshold: 6))
        // attempts and wait without timeout: Dokku's 5 s per attempt.
        #expect(web.liveness == .init(action: .httpGet(path: "/live"), initialDelaySeconds: 0, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3))
        let worker = try #require(export.processes.last)
        #expect(worker.type == "worker" && worker.startup == nil && worker.readiness == nil && worker.liveness == nil)
    }

    @Test func withoutChecksTheWebTypeIsReadyWhenItsPortAnswersAndHasNoLivenessProbe() throws {
        let export = try Self.export(try Self.plan(appJSON: nil), appJSON: nil)
        let web = try #require(export.processes.first)
        // Gantry's default accepts any answer below 500 within 30 s, tried every 0.2 s: a TCP check, 1 s apart, 30 times.
        let expected = KubernetesRelease.Probe(action: .tcpSocket, initialDelaySeconds: 0, periodSeconds: 1, timeoutSeconds: 2, failureThreshold: 30)
        #expect(web.startup == expected && web.readiness == expected && web.liveness == nil)
    }

    @Test func commandReplicasLimitsAndEnvironmentAreWhatTheDeployerRuns() throws {
        let plan = try Self.plan(config: ["GANTRY_MEMORY_MB": "256", "GANTRY_CPU": "0.5"], appJSON: nil)
        let export = try Self.export(plan, appJSON: nil, config: ["SECRET_KEY": "s3cret", "GANTRY_MEMORY_MB": "256", "GANTRY_CPU": "0.5"])
        // The release command is not a process: no Deployment; web comes first.
        #expect(export.processes.map(\.type) == ["web", "worker"])
        #expect(export.processes.map(\.replicas) == [2, 1])
        #expect(export.processes[0].arguments == Launcher.execArguments(for: "gunicorn app:app"))
        #expect(export.processes[0].arguments.first == "/bin/bash", "no init is mounted in a pod")
        #expect(export.resources == .init(memoryBytes: 256 << 20, cpuCores: 0.5))
        #expect(export.user == AppUser.uid(appID: 7) && export.port == RuncRuntime.webPort)
        #expect(export.environment == ["PATH": Launcher.path, "HOME": "/app", "STACK": "bookworm", "PORT": String(RuncRuntime.webPort)])
        #expect(export.config == ["SECRET_KEY": "s3cret", "GANTRY_MEMORY_MB": "256", "GANTRY_CPU": "0.5"])
        #expect(export.image == Self.image && export.version == 4 && export.namespace == "prod" && export.hosts == ["hello.example.com"])
    }

    @Test func anInvalidLivenessCheckIsRefusedNamingItsField() throws {
        let json = try Self.appJSON(#"{"type": "startup", "path": "/"}, {"type": "liveness", "path": "/live", "timeout": 0}"#)
        #expect(throws: InvalidHealthCheck(field: "healthchecks.web[1].timeout", reason: "0 is too short; write whole seconds from 1 to 600")) {
            // The plan's policy is built without it: the export's own reading must refuse it.
            try Self.export(try Self.plan(appJSON: nil), appJSON: json)
        }
    }
}
