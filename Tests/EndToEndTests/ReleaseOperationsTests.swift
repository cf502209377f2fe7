import Foundation
import Synchronization
import GantryClient
import GantryCore
import Testing

/// Rollback, config changes and scaling on a live app: real git, runc and router, no rebuild.
@Suite("releases the Heroku way", .serialized, .timeLimit(.minutes(5)))
struct ReleaseOperationsTests {
    /// A static app whose web process serves `text` (expanded by the shell at start, so
    /// `$RELEASE_NOTE` or `$DYNO` show the process's environment).
    static func procfile(serving text: String) -> String {
        #"web: mkdir -p /tmp/www && echo "\#(text)" > /tmp/www/index.html && busybox httpd -f -p $PORT -h /tmp/www"# + "\n"
    }

    @Test func rollbackServesTheOldReleaseAgainWithoutABuild() async throws {
        try await withDaemon { gantry in
            try await gantry.createApp("back")
            let (repo, _) = try await gantry.makeRepo("back", template: "static")
            try await repo.commit("one", files: ["Procfile": Self.procfile(serving: "version one")])
            try #require(await repo.push(gantry.remote("back"), ["main"]).succeeded)
            try await repo.commit("two", files: ["Procfile": Self.procfile(serving: "version two")])
            try #require(await repo.push(gantry.remote("back"), ["main"]).succeeded)
            #expect(try await gantry.get("back").text == "version two\n")

            let release = try await gantry.api.rollback(app: "back", to: 1)
            #expect(release.version == 3 && release.status == .live)
            #expect(release.description == "Rollback to v1" && release.origin == .rollback)
            #expect(try await gantry.get("back").text == "version one\n")
            #expect(try await gantry.api.builds(app: "back").count == 2, "a rollback builds nothing")
            try await gantry.eventually("v2's container retires") { gantry.containers() == ["back.v3.web.1"] }
            let releases = try await gantry.api.releases(app: "back")
            #expect(releases.map(\.status) == [.live, .superseded, .superseded])

            // Without a version: the last good release before the live one (v2).
            #expect(try await gantry.api.rollback(app: "back", to: nil).description == "Rollback to v2")
            #expect(try await gantry.get("back").text == "version two\n")
        }
    }

    @Test func rollbackRefusesMissingFailedAndLiveReleasesAndChangesNothing() async throws {
        try await withDaemon { gantry in
            try await gantry.createApp("stay")
            try await gantry.createApp("other")
            let (repo, _) = try await gantry.makeRepo("stay", template: "static")
            try #require(await repo.push(gantry.remote("stay"), ["main"]).succeeded)
            try await repo.commit("crash", files: ["Procfile": "web: exit 3\n"])
            try #require(await !repo.push(gantry.remote("stay"), ["main"]).succeeded)

            for (version, status, phrase) in [(9, 404, "no release v9"), (2, 409, "failed"), (1, 409, "already the live release")] {
                do {
                    _ = try await gantry.api.rollback(app: "stay", to: version)
                    Issue.record("rollback to v\(version) was accepted")
                } catch let ClientError.rejected(code, message) {
                    #expect(code == status && message.contains(phrase), "v\(version): \(code) \(message)")
                }
            }
            await #expect(throws: ClientError.self) { try await gantry.api.rollback(app: "other", to: 1) }
            #expect(try await gantry.api.releases(app: "stay").map(\.version) == [2, 1])
            #expect(try await gantry.get("stay").status == 200)
        }
    }

    @Test func imagesBeyondTheKeptReleasesAreCollectedAndCannotBeRolledBackTo() async throws {
        try await withDaemon(arguments: ["--keep-releases", "2"]) { gantry in
            try await gantry.createApp("lean")
            let (repo, _) = try await gantry.makeRepo("lean", template: "static")
            for version in 1...3 {
                try await repo.commit("v\(version)", files: ["Procfile": Self.procfile(serving: "version \(version)")])
                try #require(await repo.push(gantry.remote("lean"), ["main"]).succeeded)
            }
            let index = try String(contentsOfFile: gantry.data.images + "/index.json", encoding: .utf8)
            #expect(!index.contains("lean-build-1") && index.contains("lean-build-2") && index.contains("lean-build-3"))
            do {
                _ = try await gantry.api.rollback(app: "lean", to: 1)
                Issue.record("rollback to a collected image was accepted")
            } catch let ClientError.rejected(code, message) {
                #expect(code == 409 && message.contains("no longer stored"), "\(message)")
            }
            #expect(try await gantry.api.rollback(app: "lean", to: 2).description == "Rollback to v2")
            #expect(try await gantry.get("lean").text == "version 2\n")
        }
    }

    @Test func aConfigChangeIsANewReleaseTheAppServes() async throws {
        try await withDaemon { gantry in
            try await gantry.createApp("noted")
            let (repo, _) = try await gantry.makeRepo("noted", template: "static")
            try await repo.commit("note", files: ["Procfile": Self.procfile(serving: "note: $RELEASE_NOTE")])
            try #require(await repo.push(gantry.remote("noted"), ["main"]).succeeded)
            #expect(try await gantry.get("noted").text == "note: \n")

            let result = try await gantry.api.changeConfig(app: "noted", set: ["RELEASE_NOTE": "x-secret-value"])
            let release = try #require(result.release)
            #expect(release.version == 2 && release.origin == .config)
            #expect(release.description == "Set RELEASE_NOTE config vars")
            #expect(try await gantry.get("noted").text == "note: x-secret-value\n")

            // --no-deploy records the change only; the next release picks it up.
            let quiet = try await gantry.api.changeConfig(app: "noted", set: ["RELEASE_NOTE": "later"], deploy: false)
            #expect(quiet.release == nil)
            #expect(try await gantry.get("noted").text == "note: x-secret-value\n")
            let unset = try await gantry.api.changeConfig(app: "noted", unset: ["RELEASE_NOTE"])
            #expect(unset.release?.description == "Unset RELEASE_NOTE config vars")
            #expect(try await gantry.get("noted").text == "note: \n")

            let listing = try await gantry.api.releases(app: "noted")
            #expect(listing.map(\.version) == [3, 2, 1])
            let logs = try String(contentsOfFile: gantry.data.logs + "/noted/events.log", encoding: .utf8)
            #expect(!logs.contains("x-secret-value"), "config values never reach the logs")
            #expect(!gantry.logTail().contains("x-secret-value"))
        }
    }

    @Test func concurrentConfigChangesAreBothRecordedInOrder() async throws {
        try await withDaemon { gantry in
            try await gantry.createApp("twice")
            let (repo, _) = try await gantry.makeRepo("twice", template: "static")
            try await repo.commit("both", files: ["Procfile": Self.procfile(serving: "$FIRST $SECOND")])
            try #require(await repo.push(gantry.remote("twice"), ["main"]).succeeded)

            async let first = gantry.api.changeConfig(app: "twice", set: ["FIRST": "one"])
            async let second = gantry.api.changeConfig(app: "twice", set: ["SECOND": "two"])
            let versions = try await [first.release?.version, second.release?.version].compactMap { $0 }.sorted()
            #expect(versions == [2, 3])
            #expect(try await gantry.api.config(app: "twice") == ["FIRST": "one", "SECOND": "two"])
            #expect(try await gantry.get("twice").text == "one two\n")
            let latest = try #require(try await gantry.api.releases(app: "twice").first)
            #expect(latest.version == 3 && latest.status == .live && latest.configKeys == ["FIRST", "SECOND"])
        }
    }

    @Test func scaledWebProcessesShareTheRequestsAndScalingDownStopsTheRest() async throws {
        try await withDaemon { gantry in
            try await gantry.createApp("wide")
            let (repo, _) = try await gantry.makeRepo("wide", template: "static")
            try await repo.commit("dyno", files: ["Procfile": Self.procfile(serving: "$DYNO") + "worker: sleep 1000\n"])
            try #require(await repo.push(gantry.remote("wide"), ["main"]).succeeded)

            let processes = try await gantry.api.scale(app: "wide", ["web": 3])
            #expect(processes.filter { $0.type == "web" }.map(\.name).sorted() == ["web.1", "web.2", "web.3"])
            var served = Set<String>()
            for _ in 0..<12 { served.insert(try await gantry.get("wide").text) }
            #expect(served == ["web.1\n", "web.2\n", "web.3\n"])

            let down = try await gantry.api.scale(app: "wide", ["web": 1, "worker": 1])
            #expect(down.map(\.name).sorted() == ["web.1", "worker.1"])
            #expect(gantry.containers() == ["wide.v1.web.1", "wide.v1.worker.1"])
            #expect(try await gantry.api.processes(app: "wide").count == 2)

            // The formation outlives the release: the next push runs web=1 worker=1 too.
            try await repo.commit("again", files: ["again.txt": "1\n"])
            try #require(await repo.push(gantry.remote("wide"), ["main"]).succeeded)
            try await gantry.eventually("v1 retires") { gantry.containers() == ["wide.v2.web.1", "wide.v2.worker.1"] }

            for (formation, phrase) in [(["db": 1], "no process type 'db'"), (["web": 101], "0 to 100"), (["web": -1], "0 to 100")] {
                do {
                    _ = try await gantry.api.scale(app: "wide", formation)
                    Issue.record("\(formation) was accepted")
                } catch let ClientError.rejected(code, message) {
                    #expect(code == 400 && message.contains(phrase), "\(formation): \(code) \(message)")
                }
            }
            #expect(gantry.containers() == ["wide.v2.web.1", "wide.v2.worker.1"])
        }
    }

    @Test func logsMergeProcessOutputAndDeployEventsAndFollowNewLines() async throws {
        try await withDaemon { gantry in
            try await gantry.createApp("chatty")
            let (repo, _) = try await gantry.makeRepo("chatty", template: "static")
            let web = #"web: echo "booted $DYNO"; mkdir -p /tmp/www && busybox httpd -f -vv -p $PORT -h /tmp/www"#
            try await repo.commit("chatty", files: ["Procfile": web + "\n"])
            try #require(await repo.push(gantry.remote("chatty"), ["main"]).succeeded)

            let all = try await Self.logs(gantry, "chatty")
            #expect(all.contains { $0.hasSuffix(" app[web.1]: booted web.1") }, "\(all)")
            #expect(all.contains { $0.contains(" gantry: release v1 is live: web.1") }, "\(all)")
            #expect(all.map { $0.prefix(27) } == all.map { $0.prefix(27) }.sorted(), "merged by time")
            #expect(try await Self.logs(gantry, "chatty", lines: 1).count == 1)
            #expect(try await Self.logs(gantry, "chatty", process: "web.1").allSatisfy { $0.contains(" app[web.1]: ") })

            // Following: a process started now shows up while the request stays open.
            let received = Received()
            let follow = Task {
                try await gantry.api.logs(app: "chatty", lines: 1, follow: true) { received.append($0) }
            }
            _ = try await gantry.api.scale(app: "chatty", ["web": 2])
            try await gantry.eventually("the new process's first line streams in") { received.text.contains("app[web.2]: booted web.2") }
            follow.cancel()
            _ = await follow.result

            await #expect(throws: ClientError.self) { try await gantry.api.logs(app: "chatty", process: "web/../x") { _ in } }
        }
    }

    static func logs(_ gantry: GantryDaemon, _ app: String, lines: Int? = nil, process: String? = nil) async throws -> [String] {
        let received = Received()
        try await gantry.api.logs(app: app, lines: lines, process: process) { received.append($0) }
        return received.text.split(separator: "\n").map(String.init)
    }
}

/// Bytes a streaming request delivered, from libcurl's thread.
final class Received: Sendable {
    private let bytes = Mutex<[UInt8]>([])
    func append(_ chunk: [UInt8]) { bytes.withLock { $0 += chunk } }
    var text: String { bytes.withLock { String(decoding: $0, as: UTF8.self) } }
}
