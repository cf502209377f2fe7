import Foundation
import GantryCore
import Testing

/// Apps that cannot be built: each push is refused with the reason, the ref stays where it
/// was, and nothing is left running or mounted.
@Suite("bad apps are refused with a reason", .serialized, .timeLimit(.minutes(5)))
struct BadAppTests {
    /// Pushes a good app, then `files` on top of it, and checks the refusal.
    func expectRefused(
        _ files: [String: String], template: String = "static", reason: String, mentions: [String] = [],
        config: [String: String] = [:], sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        try await withDaemon { gantry in
            try await gantry.createApp("bad")
            let (repo, good) = try await gantry.makeRepo("bad", template: template)
            try #require(await repo.push(gantry.remote("bad"), ["main"]).succeeded, sourceLocation: sourceLocation)
            // After the good push: a 2 s test timeout also bounded its test container, which a
            // loaded end-to-end pass once took longer than 2 s to start.
            if !config.isEmpty { _ = try await gantry.api.changeConfig(app: "bad", set: config, unset: [], deploy: false) }
            try await repo.commit("bad", files: files)

            let push = try await repo.push(gantry.remote("bad"), ["main"])

            #expect(!push.succeeded, sourceLocation: sourceLocation)
            #expect(push.stderr.contains("main -> main (\(reason)"), "\(push.stderr)", sourceLocation: sourceLocation)
            for text in mentions {
                #expect(push.stderr.contains(text), "expected '\(text)' in:\n\(push.stderr)", sourceLocation: sourceLocation)
            }
            #expect(try await gantry.serverRefs("bad") == ["refs/heads/main": good], sourceLocation: sourceLocation)
            #expect(gantry.leftovers().isEmpty, "left behind: \(gantry.leftovers())", sourceLocation: sourceLocation)
        }
    }

    /// Builds run as the app's unprivileged user (issue 11): a build step that needs root says
    /// so, not only "Permission denied" deep in the log.
    @Test func aBuildThatNeedsRootIsRefusedSayingBuildsRunUnprivileged() async throws {
        try await expectRefused(
            try HostileTreeTests.nodeApp(building: "apt-get install -y --no-download curl"), template: "nodejs", reason: "build needs root",
            mentions: ["after being refused a permission", "builds run as the app's unprivileged user (uid 1000000", "cannot run on Gantry"])
    }

    @Test func anAppNoBuildpackRecognizesListsWhatEachLookedFor() async throws {
        try await withDaemon { gantry in
            try await gantry.createApp("plain")
            let repo = try await GitRepo.create(at: gantry.scratch.path + "/plain", git: gantry.git)
            try await repo.commit("notes", files: ["NOTES.txt": "nothing to run\n"])
            let push = try await repo.push(gantry.remote("plain"), ["main"])
            #expect(!push.succeeded)
            #expect(push.stderr.contains("(no buildpack detected the app)"), "\(push.stderr)")
            for marker in ["requirements.txt", "package.json", "go.mod", "index.html", "Procfile"] {
                #expect(push.stderr.contains(marker), "\(push.stderr)")
            }
            #expect(try await gantry.serverRefs("plain").isEmpty)
        }
    }

    @Test func aProcfileWithABadLineIsRefused() async throws {
        try await expectRefused(["Procfile": "web busybox httpd\n"], reason: "Procfile line 1")
    }

    @Test func anAppJSONThatIsNotJSONIsRefused() async throws {
        try await expectRefused(["app.json": "{ \"scripts\": "], reason: "app.json: not valid JSON")
    }

    @Test func aSymlinkLeavingTheRepositoryIsRefused() async throws {
        try await withDaemon { gantry in
            try await gantry.createApp("links")
            let (repo, good) = try await gantry.makeRepo("links", template: "static")
            try #require(await repo.push(gantry.remote("links"), ["main"]).succeeded)
            try FileManager.default.createSymbolicLink(atPath: repo.path + "/secrets", withDestinationPath: "/etc/shadow")
            try await repo.commit("link", files: [:])
            let push = try await repo.push(gantry.remote("links"), ["main"])
            #expect(!push.succeeded)
            #expect(push.stderr.contains("resolves outside the app"), "\(push.stderr)")
            #expect(try await gantry.serverRefs("links") == ["refs/heads/main": good])
        }
    }

    @Test func requirementsPipCannotResolveFailTheBuild() async throws {
        try await expectRefused(
            ["requirements.txt": "gantry-no-such-package-4242==1.0\n", "app.py": "print('hi')\n"],
            reason: "build failed", mentions: ["gantry-no-such-package-4242"])
    }

    @Test func aSyntaxErrorFailsTheTests() async throws {
        try await expectRefused(
            ["requirements.txt": "\n", "app.py": "def broken(:\n", "test_app.py": "import unittest\nimport app\n",
             "app.json": #"{"scripts": {"test": "python3 -m unittest -v test_app"}}"#],
            reason: "tests failed", mentions: ["SyntaxError"])
    }

    @Test func testsThatNeverEndTimeOut() async throws {
        try await expectRefused(
            ["app.json": #"{"scripts": {"test": "sleep 600"}}"#], reason: "tests timed out",
            config: ["GANTRY_TEST_TIMEOUT": "2"])
    }
}
