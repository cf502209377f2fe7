import Foundation
import GantryClient
import GantryCore
import Synchronization
import Testing

/// The Procfile's `release:` command (Heroku's release phase) on a real gantryd: it runs once
/// per new release in a one-off container, before the release's web process starts, and
/// decides whether the release goes live.
@Suite("release phase", .serialized, .timeLimit(.minutes(5)))
struct ReleasePhaseTests {
    /// A static app whose release command says which release it migrates (and takes a moment),
    /// and whose web process serves `text`.
    static func procfile(release: String = #"echo "migrating $DYNO to schema ${SCHEMA:-1}"; sleep 2"#, serving text: String) -> String {
        "release: \(release)\n" + ReleaseOperationsTests.procfile(serving: text)
    }

    @Test func theReleaseCommandRunsOnceInItsOwnContainerBeforeTheNewWebProcessStarts() async throws {
        try await withDaemon { gantry in
            try await gantry.createApp("mig")
            let (repo, _) = try await gantry.makeRepo("mig", template: "static")
            try await repo.commit("one", files: ["Procfile": Self.procfile(serving: "one")])
            try #require(await repo.push(gantry.remote("mig"), ["main"]).succeeded)
            try await repo.commit("two", files: ["Procfile": Self.procfile(serving: "two")])

            // Watch the containers while v2 deploys: its release container runs alone.
            let seen = Mutex<[Set<String>]>([])
            let watcher = Task {
                while !Task.isCancelled {
                    let containers = Set(gantry.containers())
                    seen.withLock { $0.append(containers) }
                    try? await Task.sleep(for: .milliseconds(50))
                }
            }
            let push = try await repo.push(gantry.remote("mig"), ["main"])
            watcher.cancel()
            try #require(push.succeeded, "\(push)")
            #expect(push.stderr.contains("remote: -----> Running release command"))
            #expect(push.stderr.contains("migrating release.1 to schema 1"))
            let snapshots = seen.withLock { $0 }
            #expect(snapshots.contains { $0.contains("mig.v2.release.1") }, "the release container was never seen")
            #expect(!snapshots.contains { $0.contains("mig.v2.release.1") && $0.contains("mig.v2.web.1") }, "v2's web process ran beside its release command")
            #expect(snapshots.allSatisfy { !$0.contains("mig.v2.release.1") || $0.contains("mig.v1.web.1") }, "v1 stopped serving during the release phase")
            #expect(try await gantry.get("mig").text == "two\n")
            #expect(!gantry.containers().contains("mig.v2.release.1"))

            let detail = try await gantry.api.release(app: "mig", version: 2)
            let phase = try #require(detail.release.releasePhase)
            #expect(phase.status == .succeeded && (phase.seconds ?? 0) >= 2)
            #expect(phase.output == ["migrating release.1 to schema 1"])
            #expect(push.stderr.components(separatedBy: "migrating release.1").count == 2, "it ran once")
            let info = try await gantry.cli(["releases:info", "mig", "v2"])
            #expect(info.stdout.contains("Release command") && info.stdout.contains("succeeded in"), "\(info)")
            do {
                _ = try await gantry.api.scale(app: "mig", ["release": 1])
                Issue.record("the release process was scaled")
            } catch let ClientError.rejected(code, message) {
                #expect(code == 400 && message.contains("cannot be scaled"), "\(code) \(message)")
            }
            #expect(try await gantry.api.processes(app: "mig").map(\.name) == ["web.1"])
        }
    }

    @Test func aFailingReleaseCommandRejectsThePushAndTheOldReleaseKeepsServing() async throws {
        try await withDaemon { gantry in
            try await gantry.createApp("bad")
            let (repo, _) = try await gantry.makeRepo("bad", template: "static")
            try await repo.commit("one", files: ["Procfile": Self.procfile(serving: "one")])
            try #require(await repo.push(gantry.remote("bad"), ["main"]).succeeded)
            let live = try await repo.revParse("HEAD")
            try await repo.commit("two", files: ["Procfile": Self.procfile(release: "echo 'relation users already exists' >&2; exit 4", serving: "two")])

            let push = try await repo.push(gantry.remote("bad"), ["main"])
            #expect(!push.succeeded)
            #expect(push.stderr.contains("(release command failed)"), "\(push)")
            #expect(push.stderr.contains("relation users already exists"))
            #expect(try await gantry.get("bad").text == "one\n")
            let releases = try await gantry.api.releases(app: "bad")
            #expect(releases.map(\.status) == [.failed, .live])
            #expect(releases[0].failureReason == "the release command failed (exit status 4)")
            #expect(releases[0].releasePhase?.status == .failed && releases[0].releasePhase?.output == nil, "listings carry no output")
            #expect(try await gantry.serverRefs("bad")["refs/heads/main"] == live, "the ref moved")
            #expect(gantry.containers() == ["bad.v1.web.1"])
        }
    }

    @Test func rollbackAndConfigChangesRunTheReleaseCommandAgainWithTheirConfig() async throws {
        try await withDaemon { gantry in
            try await gantry.createApp("again")
            let (repo, _) = try await gantry.makeRepo("again", template: "static")
            try await repo.commit("one", files: ["Procfile": Self.procfile(release: #"echo "schema ${SCHEMA:-1}"; [ "$SCHEMA" != fail ]"#, serving: "one")])
            try #require(await repo.push(gantry.remote("again"), ["main"]).succeeded)

            let changed = try await gantry.cli(["config:set", "again", "SCHEMA=2"])
            #expect(changed.status == 0, "\(changed)")
            #expect(changed.stdout.contains("Release command succeeded") && changed.stdout.contains("  schema 2"), "\(changed)")
            let rollback = try await gantry.cli(["rollback", "again", "v1"])
            #expect(rollback.status == 0 && rollback.stdout.contains("  schema 1"), "\(rollback)")
            let outputs = try await (1...3).asyncMap { try await gantry.api.release(app: "again", version: $0).release.releasePhase?.output }
            #expect(outputs == [["schema 1"], ["schema 2"], ["schema 1"]])

            // A failing release command in a config change: refused with its last lines, v3 serves.
            let failing = try await gantry.cli(["config:set", "again", "SCHEMA=fail"])
            #expect(failing.status != 0)
            #expect(failing.stderr.contains("release command failed") && failing.stderr.contains("schema fail"), "\(failing)")
            #expect(try await gantry.api.releases(app: "again", limit: 1)[0].status == .failed)
            #expect(try await gantry.get("again").text == "one\n")
        }
    }

    @Test func aHangingReleaseCommandTimesOutAndAFloodIsKeptBounded() async throws {
        try await withDaemon { gantry in
            try await gantry.createApp("slow")
            _ = try await gantry.api.changeConfig(app: "slow", set: ["GANTRY_RELEASE_TIMEOUT": "2"], deploy: false)
            let (repo, _) = try await gantry.makeRepo("slow", template: "static")
            try await repo.commit("hang", files: ["Procfile": Self.procfile(release: "sleep 600", serving: "hang")])
            let started = ContinuousClock.now
            let push = try await repo.push(gantry.remote("slow"), ["main"])
            #expect(!push.succeeded && push.stderr.contains("(release command failed)"), "\(push)")
            #expect(ContinuousClock.now - started < .seconds(120))
            let hung = try await gantry.api.releases(app: "slow")[0]
            #expect(hung.releasePhase?.status == .timedOut)
            #expect(hung.failureReason?.contains("timed out after 2 s") == true, "\(hung.failureReason ?? "")")
            #expect(!gantry.containers().contains { $0.contains("release") })

            _ = try await gantry.api.changeConfig(app: "slow", unset: ["GANTRY_RELEASE_TIMEOUT"], deploy: false)
            try await repo.commit("flood", files: ["Procfile": Self.procfile(release: "seq 1 50000", serving: "flood")])
            try #require(await repo.push(gantry.remote("slow"), ["main"]).succeeded)
            let phase = try #require(try await gantry.api.release(app: "slow", version: 2).release.releasePhase)
            #expect(phase.output?.count == ReleasePhase.maximumLines && phase.output?.first == "1")
            #expect(phase.droppedLines == 50000 - ReleasePhase.maximumLines)
            #expect(try await gantry.get("slow").text == "flood\n")
        }
    }
}

extension Sequence {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var results: [T] = []
        for element in self { results.append(try await transform(element)) }
        return results
    }
}
