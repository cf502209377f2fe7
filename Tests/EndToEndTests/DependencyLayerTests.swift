import Foundation
import GantryClient
import Testing

/// Issue 13: dependency layers (`$GANTRY_LAYERS`) declared by code running in the build —
/// here the app's own `build.sh`, as a language buildpack runs an app's setup code.
@Suite("dependency layers", .serialized, .timeLimit(.minutes(5)))
struct DependencyLayerTests {
    @Test func aDeclaredDirectoryBecomesALayerOfItsOwnAndIsReusedByKey() async throws {
        try await withHostileDaemon { gantry in
            try await gantry.createApp("deps")
            let repo = try await gantry.makeRepo("deps")
            try await repo.commit("make deps", files: ["v.txt": "v1\n", "build.sh": #"""
                set -e
                grep -qxF "deps k1" "$GANTRY_LAYERS/reusable" && echo "nothing to make" || { mkdir "$1/deps"; echo made > "$1/deps/x"; }
                echo "deps k1" >> "$GANTRY_LAYERS/declared"
                """#])
            try #require(await repo.push(gantry.remote("deps"), ["main"]).succeeded)
            #expect(try await gantry.get("deps", path: "/deps/x").text == "made\n")
            try await repo.commit("v2", files: ["v.txt": "v2\n"])
            let second = try await repo.push(gantry.remote("deps"), ["main"])
            try #require(second.succeeded, "\(second)")
            #expect(second.stderr.contains("nothing to make"), "\(second.stderr)")
            #expect(try await gantry.get("deps", path: "/v.txt").text == "v2\n")
            #expect(try await gantry.get("deps", path: "/deps/x").text == "made\n", "served from the reused layer")

            let builds = try await gantry.builds("deps").map(\.id).sorted()
            let first = try await gantry.inspectImage("deps-build-\(builds[0])")["Layers"] as? [String] ?? []
            let next = try await gantry.inspectImage("deps-build-\(builds[1])")["Layers"] as? [String] ?? []
            #expect(first.count == 3 && next.count == 3 && first[1] == next[1] && first[2] != next[2], "\(first) \(next)")
            #expect(gantry.leftovers().isEmpty, "left behind: \(gantry.leftovers())")
        }
    }

    /// The first app's adopted directories are the layers' unpacked form; a second app that
    /// makes the same dependency layer (or, pushed the same commit, the same app layer) boots
    /// its web process on them while its tests run on the build's own copy, and that process
    /// is the one routed (booted once: not stopped because the build's copy goes).
    @Test(arguments: [false, true])
    func aSecondAppThatMakesTheSameLayersBootsOnTheFirstOnesWhileItsTestsRun(sameCommit: Bool) async throws {
        try await withHostileDaemon { gantry in
            let repo = try await gantry.makeRepo("same")
            try await repo.commit("deps", files: [
                "v.txt": "v1\n", "app.json": #"{"scripts": {"test": "sleep 3; cat /app/deps/x"}}"#,
                "Procfile": "web: echo booting; exec busybox httpd -f -p $PORT -h /app\n",
                "build.sh": #"mkdir "$1/deps"; echo same > "$1/deps/x"; echo "deps k" >> "$GANTRY_LAYERS/declared""# + "\n",
            ])
            for app in ["one", "two"] {
                try await gantry.createApp(app)
                if !sameCommit { try await repo.commit(app, files: ["v.txt": "\(app)\n"]) }  // another app layer
                let (push, served) = try await EarlyBootTests.pushWatching(gantry, app, repo, for: "\(app).v1.web.1")
                #expect(push.succeeded, "\(push)")
                #expect(!served.isEmpty, "\(app)'s web.1 booted while its tests ran")
                #expect(try await gantry.get(app, path: "/deps/x").text == "same\n")
                let log = ChildProcess.read(gantry.data.logs + "/\(app)/web.1.log")
                #expect(log.components(separatedBy: "booting").count == 2, "\(app) booted once:\n\(log)")
            }
            #expect(gantry.leftovers().isEmpty, "left behind: \(gantry.leftovers())")
        }
    }

    @Test(arguments: [
        (#"echo "../etc k" >> "$GANTRY_LAYERS/declared""#, "is not DIR KEY"),
        (#"echo "deps" >> "$GANTRY_LAYERS/declared""#, "is not DIR KEY"),
        (#"echo "deps k\$(id)" >> "$GANTRY_LAYERS/declared""#, "is not DIR KEY"),
        (#"mkdir "$1/deps"; printf 'deps a\ndeps b\n' >> "$GANTRY_LAYERS/declared""#, "declared the dependency layer deps twice"),
        (#"ln -s /etc "$1/deps"; echo "deps k" >> "$GANTRY_LAYERS/declared""#, "/app/deps a dependency layer, but it is not a directory"),
        (#"echo "deps never-made" >> "$GANTRY_LAYERS/declared""#, "made no /app/deps, and no earlier image of the app has it"),
        (#"ln -s /etc/shadow "$GANTRY_LAYERS/declared""#, "declared"),
        (#"head -c 5000 /dev/zero | tr '\0' a >> "$GANTRY_LAYERS/declared""#, "declared"),
        (#"for i in $(seq 9); do mkdir "$1/d$i"; echo "d$i k" >> "$GANTRY_LAYERS/declared"; done"#, "at most 8"),
    ])
    func aBadDeclarationFailsTheBuildNamingItAndTheOldReleaseKeepsServing(_ script: String, _ reason: String) async throws {
        try await withHostileDaemon { gantry in
            try await gantry.createApp("baddeps")
            let repo = try await gantry.makeRepo("baddeps")
            try await repo.commit("v1", files: ["v.txt": "v1\n"])
            try #require(await repo.push(gantry.remote("baddeps"), ["main"]).succeeded)
            try await repo.commit("bad", files: ["v.txt": "v2\n", "build.sh": "set -e\n" + script + "\n"])
            let push = try await repo.push(gantry.remote("baddeps"), ["main"])
            #expect(!push.succeeded)
            #expect(push.stderr.contains(reason), "\(push.stderr)")
            #expect(try await gantry.get("baddeps", path: "/v.txt").text == "v1\n")
            #expect(gantry.leftovers().isEmpty, "left behind: \(gantry.leftovers())")
            // The build directory goes in the background, after the push is answered.
            try await gantry.eventually("the build's workspace to be removed") { gantry.scratchEntries().isEmpty }
        }
    }
}
