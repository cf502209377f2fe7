import Foundation
import GantryClient
import GantryCore
import Testing

/// A hostile push or build cannot read the host: symlink chains in the pushed tree (by push
/// and by webhook), manifests a build replaced with links or FIFOs, output without end. Each
/// is refused with a reason that quotes nothing of the host, and what serves keeps serving.
@Suite("hostile trees cannot read the host", .serialized, .timeLimit(.minutes(10)))
struct HostileTreeTests {
    /// Two links that each look inside the tree but together lead to gantryd's admin token.
    static func linkChain(in directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory + "/a/b/c", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: directory + "/a/b/c/l", withDestinationPath: "../../..")
        try? FileManager.default.removeItem(atPath: directory + "/Procfile")
        try FileManager.default.createSymbolicLink(atPath: directory + "/Procfile", withDestinationPath: "a/b/c/l/../../../admin-token")
    }

    @Test func aSymlinkChainToTheAdminTokenIsRefusedWithoutReadingIt() async throws {
        try await withDaemon { gantry in
            try await gantry.createApp("chain")
            let (repo, good) = try await gantry.makeRepo("chain", template: "static")
            try #require(await repo.push(gantry.remote("chain"), ["main"]).succeeded)
            try Self.linkChain(in: repo.path)
            try await repo.commit("chain", files: [:])

            let push = try await repo.push(gantry.remote("chain"), ["main"])

            #expect(!push.succeeded)
            #expect(push.stderr.contains("symlink Procfile -> a/b/c/l/../../../admin-token resolves outside the app"), "\(push.stderr)")
            #expect(!push.stderr.contains(gantry.token))
            let build = try #require(try await gantry.builds("chain").first)
            let log = try await gantry.api.build(app: "chain", id: build.id).log ?? ""
            #expect(!log.contains(gantry.token) && log.contains("resolves outside the app"), "\(log)")
            #expect(try await gantry.serverRefs("chain") == ["refs/heads/main": good])
            #expect(try await gantry.get("chain").status == 200)
        }
    }

    @Test func aSymlinkChainDeliveredByWebhookIsRefusedWithoutReadingIt() async throws {
        try await withDaemon { gantry in
            let source = try await SourceRepository.make(in: gantry)
            defer { source.server.kill() }
            try await gantry.createApp("site")
            let created = try await gantry.api.createWebhook(app: "site", CreateWebhook(provider: .github, repoURL: source.url))
            try Self.linkChain(in: source.work.path)
            let commit = try await source.work.commit("chain", files: [:])
            try await source.work.checked(["push", "-q", "-f", source.bare, "main"])

            let accepted = try await WebhookTests().deliver(.github, created, after: commit, id: "chain-1")
            #expect(accepted.status == 202, "\(accepted.text)")
            let delivery = try await WebhookTests().waitForDelivery(gantry, "chain-1")

            #expect(delivery.status == .failed)
            #expect(delivery.detail?.contains("resolves outside the app") == true, "\(delivery.detail ?? "")")
            #expect(delivery.detail?.contains(gantry.token) == false)
            for build in try await gantry.builds("site") {
                #expect(try await gantry.api.build(app: "site", id: build.id).log?.contains(gantry.token) == false)
            }
            #expect(try await gantry.serverRefs("site")["refs/heads/main"] == nil)
        }
    }

    /// The nodejs template's package.json with a `build` script: `script` runs in the build
    /// container.
    static func nodeApp(building script: String) throws -> [String: String] {
        let template = try Data(contentsOf: URL(fileURLWithPath: Templates.directory + "/nodejs/package.json"))
        guard var package = try JSONSerialization.jsonObject(with: template) as? [String: Any] else { throw FixtureFailure("the nodejs template's package.json is not an object") }
        var scripts = package["scripts"] as? [String: Any] ?? [:]
        scripts["build"] = script
        package["scripts"] = scripts
        let json = try JSONSerialization.data(withJSONObject: package, options: [.sortedKeys, .prettyPrinted])
        return ["package.json": String(decoding: json, as: UTF8.self)]
    }

    @Test func aReleaseYMLLinkedToDevZeroFailsTheBuildWithoutReadingIt() async throws {
        try await withDaemon { gantry in
            try await gantry.createApp("zero")
            let (repo, good) = try await gantry.makeRepo("zero", template: "nodejs")
            try #require(await repo.push(gantry.remote("zero"), ["main"]).succeeded)
            try await repo.commit("zero", files: try Self.nodeApp(building: "ln -sf /dev/zero /release/release.yml"))

            let push = try await repo.push(gantry.remote("zero"), ["main"])

            #expect(!push.succeeded)
            #expect(push.stderr.contains("(release.yml is a symbolic link; it must be a regular file)"), "\(push.stderr)")
            #expect(try await gantry.serverRefs("zero") == ["refs/heads/main": good])
            #expect(try await gantry.get("zero").status == 200)
            #expect(gantry.leftovers().isEmpty, "left behind: \(gantry.leftovers())")
        }
    }

    /// A FIFO would hang a reader that opened it: the build directory loses it before the
    /// tests run (it is no part of the layer), and a rollback's read of app.json from the
    /// compiled app finds nothing to wait on.
    @Test func aFIFONamedAppJSONInTheCompiledAppIsDroppedAndARollbackToItServes() async throws {
        try await withDaemon { gantry in
            try await gantry.createApp("fifo")
            let (repo, _) = try await gantry.makeRepo("fifo", template: "nodejs")
            try await repo.commit("fifo", files: try Self.nodeApp(building: "rm -f app.json && mkfifo app.json"))
            let first = try await repo.push(gantry.remote("fifo"), ["main"])
            try #require(first.succeeded, "\(first.stderr)")
            try await repo.commit("plain", files: ["package.json": try String(contentsOfFile: Templates.directory + "/nodejs/package.json", encoding: .utf8)])
            try #require(await repo.push(gantry.remote("fifo"), ["main"]).succeeded)

            let rollback = try await gantry.api.rollback(app: "fifo", to: 1)

            #expect(rollback.version == 3)
            #expect(try await gantry.api.releases(app: "fifo").first(where: { $0.status == .live })?.version == 3)
            #expect(try await gantry.get("fifo").status == 200)
            let fifos = try await ChildProcess.run("/usr/bin/find", [gantry.data.layers, "-type", "p"])
            #expect(fifos.status == 0 && fifos.output.isEmpty, "FIFOs in the unpacked layers: \(fifos)")
        }
    }

    @Test func directoriesNestedWithoutEndFailTheBuildAndLeaveNothing() async throws {
        try await withDaemon { gantry in
            try await gantry.createApp("nest")
            let (repo, good) = try await gantry.makeRepo("nest", template: "nodejs")
            try #require(await repo.push(gantry.remote("nest"), ["main"]).succeeded)
            // 3,000 levels under /app and /cache: past every walk's 1,024 and past PATH_MAX.
            let nest = "for i in $(seq 3000); do mkdir d && cd d || exit 1; done"
            try await repo.commit("nest", files: try Self.nodeApp(building: "(cd /cache && \(nest)) && (cd /app && \(nest))"))
            let pid = gantry.process.current.processIdentifier

            let push = try await repo.push(gantry.remote("nest"), ["main"])

            #expect(!push.succeeded)
            #expect(push.stderr.contains("nests directories more than 1024 levels deep"), "\(push.stderr.suffix(2000))")
            #expect(gantry.process.current.isRunning && gantry.process.current.processIdentifier == pid)
            #expect(try await gantry.serverRefs("nest") == ["refs/heads/main": good])
            #expect(try await gantry.get("nest").status == 200)
            try await gantry.eventually("the build's workspace and cache are gone") {
                let scratch = (try? FileManager.default.contentsOfDirectory(atPath: gantry.data.scratch)) ?? []
                let cache = (try? FileManager.default.contentsOfDirectory(atPath: gantry.data.buildCaches + "/nest")) ?? []
                return !scratch.contains { $0.hasPrefix("build-nest-") } && !cache.contains("d")
            }
        }
    }

    @Test func aGantrydKilledMidBuildKeepsTheBuildLogSoFar() async throws {
        try await withDaemon { gantry in
            try await gantry.createApp("crash")
            let (repo, _) = try await gantry.makeRepo("crash", template: "nodejs")
            try await repo.commit("slow", files: try Self.nodeApp(building: "echo build-marker-7f3a; sleep 600"))
            let push = Task { try await repo.push(gantry.remote("crash"), ["main"]) }
            defer { push.cancel() }
            try await gantry.eventually("the marker in the stored log while the build runs") {
                guard let build = try? await gantry.builds("crash").first, build.status == .building else { return false }
                return (try? await gantry.api.build(app: "crash", id: build.id).log?.contains("build-marker-7f3a")) == true
            }

            try await gantry.restart(killing: true)

            let build = try #require(try await gantry.builds("crash").first)
            let log = try await gantry.api.build(app: "crash", id: build.id).log ?? ""
            #expect(log.contains("build-marker-7f3a"), "\(log)")
            #expect(try await !push.value.succeeded)
        }
    }
}

/// A build that prints for a minute: a core busy on purpose, so `make test` runs it after the
/// other suites (see the Makefile's LOAD_TESTS).
@Suite("endless build output", .serialized, .timeLimit(.minutes(5)))
struct EndlessOutputTests {
    @Test func endlessBuildOutputIsCappedAndGantrydStaysSmall() async throws {
        try await withDaemon { gantry in
            try await gantry.createApp("noisy")
            let (repo, good) = try await gantry.makeRepo("noisy", template: "nodejs")
            try #require(await repo.push(gantry.remote("noisy"), ["main"]).succeeded)
            try await repo.commit("noisy", files: try HostileTreeTests.nodeApp(building: "timeout 60 yes; exit 1"))

            let push = try await repo.push(gantry.remote("noisy"), ["main"])

            #expect(!push.succeeded)
            #expect(push.stderr.contains("main -> main (build failed)"), "\(push.stderr.suffix(2000))")
            #expect(push.stderr.utf8.count < 2 << 20, "the pusher got \(push.stderr.utf8.count) bytes")
            let build = try #require(try await gantry.builds("noisy").first)
            let log = try #require(try await gantry.api.build(app: "noisy", id: build.id).log)
            #expect(log.utf8.count < 2 << 20, "the stored log has \(log.utf8.count) bytes")
            #expect(log.contains("of output left out") && log.contains("Build failed"), "\(log.suffix(2000))")
            let peak = GantryDaemon.peakResidentKiB(of: gantry.process.current.processIdentifier) >> 10
            #expect(peak > 0 && peak < 200, "gantryd's peak RSS was \(peak) MiB")
            #expect(try await gantry.serverRefs("noisy") == ["refs/heads/main": good])
        }
    }
}
