import Foundation
import Synchronization
import GantryClient
import Testing

/// Issue 13: a push's web processes boot while its tests run, unrouted; the tests still gate
/// the release.
@Suite("boot while testing", .serialized, .timeLimit(.minutes(5)))
struct EarlyBootTests {
    /// The static template with `index.html` saying `page` and tests that take `test`.
    static func files(page: String, test: String) -> [String: String] {
        ["index.html": "<p>\(page)</p>\n", "app.json": #"{"scripts": {"test": "\#(test)"}}"#]
    }

    /// Pushes `main` of `repo` while watching for `container`: returns the push and what the
    /// router served whenever the container was there while the push's build was `testing`
    /// (asked before and after looking at the containers, so a build that moved on between
    /// the two never counts).
    static func pushWatching(
        _ gantry: GantryDaemon, _ app: String, _ repo: GitRepo, for container: String
    ) async throws -> (push: ProcessOutput, servedWhileTesting: [String]) {
        let finished = Flag()
        let push = Task {
            defer { finished.set() }
            return try await repo.push(gantry.remote(app), ["main"])
        }
        var served: [String] = []
        while !finished.isSet {
            let testing = try await gantry.api.builds(app: app).first?.status == .testing
            let booted = gantry.containers().contains(container)
            if testing, booted, try await gantry.api.builds(app: app).first?.status == .testing {
                served.append(try await gantry.get(app).text)
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        return (try await push.value, served)
    }

    @Test func theWebProcessBootsUnroutedWhileTheTestsRunAndServesOnceTheyPass() async throws {
        try await withDaemon { gantry in
            try await gantry.createApp("early")
            let (repo, _) = try await gantry.makeRepo("early", template: "static")
            try #require(await repo.push(gantry.remote("early"), ["main"]).succeeded)
            let v1 = try await gantry.get("early").text
            try await repo.commit("v2", files: Self.files(page: "v2", test: "sleep 3"))

            let (push, served) = try await Self.pushWatching(gantry, "early", repo, for: "early.v2.web.1")
            #expect(push.succeeded, "\(push)")
            #expect(!served.isEmpty && served.allSatisfy { $0 == v1 }, "v2's web.1 ran while its tests did, and the router still served v1: \(served)")
            #expect(try await gantry.get("early").text == "<p>v2</p>\n")
            let passed = try #require(push.stderr.range(of: "Tests passed"))
            let started = try #require(push.stderr.range(of: "Starting web.1"), "\(push.stderr)")
            #expect(passed.lowerBound < started.lowerBound, "its start is told after the tests passed:\n\(push.stderr)")
            #expect(try await gantry.serverRefs("early") == ["refs/heads/main": try await repo.revParse("HEAD")])
        }
    }

    @Test func redTestsStopTheBootedProcessAndTheOldReleaseKeepsServing() async throws {
        try await withDaemon { gantry in
            try await gantry.createApp("redboot")
            let (repo, good) = try await gantry.makeRepo("redboot", template: "static")
            try #require(await repo.push(gantry.remote("redboot"), ["main"]).succeeded)
            let v1 = try await gantry.get("redboot").text
            try await repo.commit("v2", files: Self.files(page: "v2", test: "sleep 3; echo red; exit 1"))

            let (push, served) = try await Self.pushWatching(gantry, "redboot", repo, for: "redboot.v2.web.1")
            #expect(!push.succeeded)
            #expect(push.stderr.contains("main -> main (tests failed)"), "\(push.stderr)")
            #expect(!served.isEmpty && served.allSatisfy { $0 == v1 }, "v2's web.1 booted while the tests ran, unrouted: \(served)")
            #expect(gantry.containers() == ["redboot.v1.web.1"], "the booted process is gone when the push is rejected")
            #expect(try await gantry.get("redboot").text == v1)
            #expect(try await gantry.serverRefs("redboot") == ["refs/heads/main": good])
            #expect(try await gantry.api.releases(app: "redboot").map(\.version) == [1], "no release was recorded")

            // The next good push takes the same version.
            try await repo.commit("v3", files: Self.files(page: "v3", test: "true"))
            try #require(await repo.push(gantry.remote("redboot"), ["main"]).succeeded)
            #expect(try await gantry.get("redboot").text == "<p>v3</p>\n")
            #expect(try await gantry.api.releases(app: "redboot").map(\.version) == [2, 1])
        }
    }

    @Test func anAppThatSetsEarlyBootToZeroBootsOnlyOnceTheTestsPassed() async throws {
        try await withDaemon { gantry in
            try await gantry.createApp("late")
            let (repo, _) = try await gantry.makeRepo("late", template: "static")
            try #require(await repo.push(gantry.remote("late"), ["main"]).succeeded)
            _ = try await gantry.api.changeConfig(app: "late", set: ["GANTRY_EARLY_BOOT": "0"])  // release v2
            try await repo.commit("v3", files: Self.files(page: "v3", test: "sleep 3"))

            let (push, served) = try await Self.pushWatching(gantry, "late", repo, for: "late.v3.web.1")
            #expect(push.succeeded, "\(push)")
            #expect(served.isEmpty, "no v2 process ran while the tests did")
            #expect(try await gantry.get("late").text == "<p>v3</p>\n")
        }
    }
}

/// Set once, read from anywhere.
private final class Flag: Sendable {
    private let value = Mutex(false)

    func set() { value.withLock { $0 = true } }
    var isSet: Bool { value.withLock { $0 } }
}
