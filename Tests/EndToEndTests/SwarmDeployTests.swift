import Foundation
import GantryClient
import GantryTesting
import Synchronization
import Testing

/// Issue 18: gantryd with `--runtime swarm` on a real single-node Swarm (Debian's dockerd, the
/// engine `DOCKER_HOST` names or one started for the suite) and Debian's `docker-registry`: a
/// push becomes a converged service served by the router, the next one rolls out under load
/// without a failed request, a rollback and a scaling are service updates, and a release that
/// never gets healthy is rolled back by Swarm with the push rejected.
@Suite("Swarm deploys", .serialized, .enabled(if: SwarmEngine.isAvailable, "no Docker engine can start here"), .timeLimit(.minutes(15)))
struct SwarmDeployTests {
    /// A page naming its text and the task (container) that served it.
    static func files(serving text: String) -> [String: String] {
        ["Procfile": #"web: echo "serving \#(text)" && mkdir -p /tmp/www && echo "\#(text) $HOSTNAME" > /tmp/www/index.html && exec busybox httpd -f -p $PORT -h /tmp/www"# + "\n"]
    }

    /// gantryd on the Swarm, with a registry, and an app `name` pushed once serving "one".
    func withSwarmApp(_ name: String, _ body: (GantryDaemon, GitRepo) async throws -> Void) async throws {
        try await SwarmEngine.with { dockerHost in
            try await withDockerRegistry { registry in
                try await withDaemon(arguments: ["--runtime", "swarm", "--registry", registry.url], environment: ["DOCKER_HOST": dockerHost]) { gantry in
                    try await gantry.createApp(name)
                    let (repo, _) = try await gantry.makeRepo(name, template: "static")
                    try await repo.commit("one", files: Self.files(serving: "one"))
                    let push = try await repo.push(gantry.remote(name), ["main"])
                    try #require(push.succeeded, "\(push)")
                    #expect(push.stderr.contains("Updating service gantry-\(name)-web to v1"), "\(push.stderr)")
                    do {
                        try await body(gantry, repo)
                        _ = try? await gantry.cli(["apps:destroy", name, "--confirm", name])
                    } catch {
                        _ = try? await gantry.cli(["apps:destroy", name, "--confirm", name])
                        throw error
                    }
                }
            }
        }
    }

    @Test func aPushIsServedFromItsSwarmTaskAndTheNextRollsOutUnderLoadWithoutAFailedRequest() async throws {
        try await withSwarmApp("swarmy") { gantry, repo in
            let first = try await gantry.get("swarmy")
            #expect(first.status == 200 && first.text.hasPrefix("one "), "\(first.status) \(first.text)")
            let ps = try await gantry.cli(["ps", "swarmy"])
            #expect(ps.stdout.contains("web.1"), "\(ps)")
            // What the task writes reaches `gantry logs`, followed from the Engine API.
            var logs = ""
            for _ in 0..<50 where !logs.contains("app[web.1]: serving one") {
                logs = try await gantry.cli(["logs", "swarmy"]).stdout
                try await Task.sleep(for: .milliseconds(200))
            }
            #expect(logs.contains("app[web.1]: serving one"), "\(logs)")
            // A one-off still runs in runc on this host, from the live release's image.
            let run = try await gantry.cli(["run", "swarmy", "--", "sh", "-c", "echo one-off of $DYNO"])
            #expect(run.status == 0 && run.stdout.contains("one-off of run.1"), "\(run)")

            try await repo.commit("two", files: Self.files(serving: "two"))
            let load = RequestLoop(gantry, app: "swarmy", interval: .milliseconds(10))
            let push = try await repo.push(gantry.remote("swarmy"), ["main"])
            try await Task.sleep(for: .seconds(1))
            let seen = await load.stop()
            #expect(push.succeeded, "\(push)")
            #expect(seen.requests > 100 && seen.statuses == [200] && seen.failures.isEmpty, "\(seen.requests) requests, \(seen.statuses), \(seen.failures.prefix(3))")
            #expect(try await gantry.get("swarmy").text.hasPrefix("two "))

            // Rollback: the service goes back to v1's image, no build.
            let rollback = try await gantry.cli(["rollback", "swarmy", "v1"])
            #expect(rollback.status == 0, "\(rollback)")
            #expect(try await gantry.get("swarmy").text.hasPrefix("one "))
            let releases = try await gantry.api.releases(app: "swarmy")
            #expect(releases.first?.version == 3 && releases.first?.imageDigest == releases.last?.imageDigest)
        }
    }

    @Test func scalingTheWebTypeToThreeSpreadsRequestsOverThreeTasks() async throws {
        try await withSwarmApp("spread") { gantry, _ in
            let scale = try await gantry.cli(["ps:scale", "spread", "web=3"])
            #expect(scale.status == 0, "\(scale)")
            var servers = Set<String>()
            for _ in 0..<60 { servers.insert(try await gantry.get("spread").text) }
            #expect(servers.count == 3, "\(servers)")
            let ps = try await gantry.cli(["ps", "spread"])
            #expect(["web.1", "web.2", "web.3"].allSatisfy(ps.stdout.contains), "\(ps)")
        }
    }

    @Test func aReleaseThatNeverGetsHealthyIsRolledBackBySwarmAndThePushRejected() async throws {
        try await withSwarmApp("sick") { gantry, repo in
            try await repo.commit("silent", files: ["Procfile": "web: exec sleep 100000\n"])
            let push = try await repo.push(gantry.remote("sick"), ["main"])
            #expect(!push.succeeded, "\(push)")
            #expect(push.stderr.contains("Swarm rolled the update back"), "\(push.stderr)")
            #expect(try await gantry.get("sick").text.hasPrefix("one "))
            let releases = try await gantry.api.releases(app: "sick")
            #expect(releases.first?.status == .failed && releases.last?.status == .live)
        }
    }
}

/// Bad input without an engine: a gantryd told to use a socket nothing listens on does not start,
/// and says which socket.
@Suite struct SwarmStartupTests {
    /// What gantryd `--runtime swarm` says when it cannot start: on the engine `DOCKER_HOST`
    /// names, or (`socketNamedNothing`) on a socket nothing answers on.
    static func failedStart(socketNamedNothing nothing: Bool) async throws -> (output: ProcessOutput, socket: String) {
        let scratch = try ScratchDirectory(prefix: "gantry-swarm-start")
        defer { scratch.remove() }
        let socket = scratch.path + "/nothing.sock"
        var environment = ProcessInfo.processInfo.environment.merging(["SWIFT_BACKTRACE": "enable=no"]) { $1 }
        if nothing { environment["DOCKER_HOST"] = "unix://" + socket }
        let output = try await ChildProcess.run(
            try DaemonLauncher.binary(),
            ["--data-dir", scratch.path + "/data", "--http-port", "0", "--ssh-port", "0", "--router-port", "0",
             "--runtime", "swarm", "--registry", "http://127.0.0.1:9"],
            environment: environment, timeout: .seconds(60))
        #expect(output.status != 0)
        // Nothing of the container network was set up: no namespace kept ready, none leaked.
        let records = (try? FileManager.default.contentsOfDirectory(atPath: scratch.path + "/data/containers.net")) ?? []
        #expect(records.isEmpty, "network namespaces attached by a gantryd that did not start: \(records)")
        return (output, socket)
    }

    @Test func anUnreachableEngineStopsGantrydAtStartNamingTheSocket() async throws {
        let (output, socket) = try await Self.failedStart(socketNamedNothing: true)
        #expect(output.stderr.contains("cannot reach the Docker engine at \(socket)"), "\(output.stderr)")
    }

    @Test func theSwarmRuntimeWithoutARegistryIsRefused() async throws {
        let output = try await ChildProcess.run(
            try DaemonLauncher.binary(), ["--runtime", "swarm"], environment: ProcessInfo.processInfo.environment.merging(["SWIFT_BACKTRACE": "enable=no"]) { $1 }, timeout: .seconds(30))
        #expect(output.status != 0 && output.stderr.contains("--runtime swarm needs --registry URL"), "\(output.stderr)")
    }
}

extension SwarmDeployTests {
    @Test func aReleaseSlowerThanTheDeployTimeoutIsRejectedAndItsServiceGoesBack() async throws {
        try await withSwarmApp("slow") { gantry, repo in
            let set = try await gantry.cli(["config:set", "slow", "GANTRY_DEPLOY_TIMEOUT=4", "--no-deploy"])
            #expect(set.status == 0, "\(set)")
            try await repo.commit("late", files: ["Procfile": "web: sleep 30 && mkdir -p /tmp/www && echo late > /tmp/www/index.html && exec busybox httpd -f -p $PORT -h /tmp/www\n"])
            let push = try await repo.push(gantry.remote("slow"), ["main"])
            #expect(!push.succeeded && push.stderr.contains("within 4.0 s (GANTRY_DEPLOY_TIMEOUT)"), "\(push.stderr)")
            // The service runs the live release again, not the late one, even once it would boot.
            try await Task.sleep(for: .seconds(35))
            #expect(try await gantry.get("slow").text.hasPrefix("one "))
            let releases = try await gantry.api.releases(app: "slow")
            #expect(releases.first?.status == .failed && releases.dropFirst().first?.status == .live, "\(releases.map(\.status))")
        }
    }
}

extension SwarmDeployTests {
    @Test func aCanaryIsASecondServiceSharingTheTrafficUntilItIsPromoted() async throws {
        try await withSwarmApp("birdy") { gantry, repo in
            try await repo.commit("two", files: Self.files(serving: "two"))
            let push = try await repo.push(gantry.remote("birdy"), ["main"], options: ["-o", "canary=50"])
            #expect(push.succeeded && push.stderr.contains("Starting service gantry-birdy-web-canary"), "\(push.stderr)")
            var seen = Set<String>()
            for _ in 0..<40 { seen.insert(String(try await gantry.get("birdy").text.prefix(4))) }
            #expect(seen == ["one ", "two "], "\(seen)")

            let promote = try await gantry.cli(["canary:promote", "birdy"])
            #expect(promote.status == 0, "\(promote)")
            for _ in 0..<10 { #expect(try await gantry.get("birdy").text.hasPrefix("two ")) }
            let ps = try await gantry.cli(["ps", "birdy"])
            #expect(ps.stdout.components(separatedBy: "web.1").count == 2, "one web process, no canary left: \(ps.stdout)")
        }
    }
}

/// Bad input on a real engine outside any Swarm: `make test` starts one for this suite alone
/// (`SWARM=no scripts/docker-engine run …` with `GANTRY_PLAIN_ENGINE=1`); elsewhere it says why it skips.
@Suite(.enabled(if: PlainEngine.isAvailable, "needs an engine outside a Swarm: SWARM=no scripts/docker-engine run DIR -- with GANTRY_PLAIN_ENGINE=1 (make test does)"))
struct PlainEngineTests {
    @Test func anEngineOutsideASwarmStopsGantrydAtStartSayingToInitOne() async throws {
        let (output, _) = try await SwarmStartupTests.failedStart(socketNamedNothing: false)
        #expect(output.stderr.contains("this engine is not part of a Swarm") && output.stderr.contains("docker swarm init"), "\(output.stderr)")
    }
}

/// Whether an engine outside any Swarm is there for `PlainEngineTests`.
enum PlainEngine {
    static let isAvailable: Bool = {
        let environment = ProcessInfo.processInfo.environment
        let available = environment["GANTRY_PLAIN_ENGINE"] == "1" && !(environment["DOCKER_HOST"] ?? "").isEmpty
        if !available { print("◇ PlainEngineTests skipped: they run in make test's step with an engine outside a Swarm") }
        return available
    }()
}
