import Foundation
import GantryCore
import Testing

/// Pushes that build: the real git client, a real gantryd, buildpacks running in real runc
/// containers on the stack, images checked by skopeo.
@Suite("builds and tests gate the push", .serialized, .timeLimit(.minutes(5)))
struct BuildTests {
    @Test(arguments: [("python-flask", "python"), ("nodejs", "nodejs"), ("go", "go"), ("static", "static")])
    func eachTemplateIsDetectedBuiltIntoAValidImageAndTested(_ template: String, _ buildpack: String) async throws {
        try await withDaemon { gantry in
            try await gantry.createApp("app")
            let (repo, commit) = try await gantry.makeRepo("app", template: template)

            let push = try await repo.push(gantry.remote("app"), ["main"])

            #expect(push.succeeded, "\(push)")
            #expect(try await gantry.serverRefs("app") == ["refs/heads/main": commit])
            let build = try #require(try await gantry.builds("app").first)
            #expect(build.status == .built)
            #expect(build.buildpack == buildpack)
            #expect(build.imageDigest != nil && build.testSeconds != nil)
            #expect(push.stderr.contains("app detected"), "\(push.stderr)")
            #expect(push.stderr.contains("Tests passed"), "\(push.stderr)")
            let image = try await gantry.inspectImage("app-build-\(build.id)")
            // The stack, python's virtualenv (a dependency layer), the app.
            #expect((image["Layers"] as? [String])?.count == (buildpack == "python" ? 3 : 2))
            #expect((image["Labels"] as? [String: String])?["io.gantry.buildpack"] == buildpack)
            #expect((image["Labels"] as? [String: String])?["io.gantry.process.web"] != nil)
            #expect(gantry.leftovers().isEmpty, "left behind: \(gantry.leftovers())")
        }
    }

    @Test func redTestsRejectThePushAndTheRefStays() async throws {
        try await withDaemon { gantry in
            try await gantry.createApp("red")
            let (repo, good) = try await gantry.makeRepo("red", template: "nodejs")
            try #require(await repo.push(gantry.remote("red"), ["main"]).succeeded)
            let test = try String(contentsOfFile: repo.path + "/test.js", encoding: .utf8)
            try await repo.commit("break it", files: ["test.js": test.replacingOccurrences(of: "assert.strictEqual(home.status, 200)", with: "assert.strictEqual(home.status, 418)")])

            let push = try await repo.push(gantry.remote("red"), ["main"])

            #expect(!push.succeeded)
            #expect(push.stderr.contains("[remote rejected] main -> main (tests failed)"), "\(push.stderr)")
            #expect(push.stderr.contains("418"), "the test output reaches the pusher:\n\(push.stderr)")
            #expect(try await gantry.serverRefs("red") == ["refs/heads/main": good])
            let failed = try #require(try await gantry.builds("red").first)
            #expect(failed.status == .testFailed)
            let log = try #require(try await gantry.api.build(app: "red", id: failed.id).log)
            #expect(log.contains("418") && log.contains("Tests failed"), "\(log)")
            #expect(gantry.leftovers().isEmpty, "left behind: \(gantry.leftovers())")
        }
    }

    @Test func theSameCommitBuiltTwiceHasTheSameAppLayer() async throws {
        try await withDaemon { gantry in
            let (repo, _) = try await gantry.makeRepo("same", template: "go")
            var layers: [String] = []
            for app in ["first", "second"] {
                try await gantry.createApp(app)
                try #require(await repo.push(gantry.remote(app), ["main"]).succeeded)
                let build = try #require(try await gantry.builds(app).first)
                layers.append(try #require((try await gantry.inspectImage("\(app)-build-\(build.id)")["Layers"] as? [String])?.last))
            }
            #expect(layers[0] == layers[1])
        }
    }

    @Test func unchangedRequirementsAreNotDownloadedAgain() async throws {
        try await withDaemon { gantry in
            try await gantry.createApp("cached")
            let (repo, _) = try await gantry.makeRepo("cached", template: "python-flask")
            let cold = try await repo.push(gantry.remote("cached"), ["main"])
            try #require(cold.succeeded, "\(cold)")
            #expect(cold.stderr.contains("Downloading") || cold.stderr.contains("Collecting"), "\(cold.stderr)")
            let app = try String(contentsOfFile: repo.path + "/app.py", encoding: .utf8)
            try await repo.commit("one line", files: ["app.py": app + "# one more line\n"])

            let warm = try await repo.push(gantry.remote("cached"), ["main"])

            #expect(warm.succeeded, "\(warm)")
            #expect(warm.stderr.contains("Using cached dependencies"), "\(warm.stderr)")
            #expect(!warm.stderr.contains("Downloading"), "\(warm.stderr)")
        }
    }

    /// Issue 13: the virtualenv is a layer of its own, keyed by the requirements; a push with
    /// the same requirements reuses it as it is (nothing restored or written again), one with
    /// other requirements makes a new one.
    @Test func theVirtualenvIsALayerOfItsOwnReusedWhileTheRequirementsStayTheSame() async throws {
        try await withDaemon { gantry in
            try await gantry.createApp("venv")
            let (repo, _) = try await gantry.makeRepo("venv", template: "python-flask")
            try #require(await repo.push(gantry.remote("venv"), ["main"]).succeeded)
            let app = try String(contentsOfFile: repo.path + "/app.py", encoding: .utf8)
            try await repo.commit("one line", files: ["app.py": app + "# one more line\n"])
            let warm = try await repo.push(gantry.remote("venv"), ["main"])
            try #require(warm.succeeded, "\(warm)")
            #expect(warm.stderr.contains("the virtualenv layer of the live release is reused"), "\(warm.stderr)")
            let requirements = try String(contentsOfFile: repo.path + "/requirements.txt", encoding: .utf8)
            try await repo.commit("one more requirement", files: ["requirements.txt": requirements + "six==1.17.0\n"])
            let changed = try await repo.push(gantry.remote("venv"), ["main"])
            try #require(changed.succeeded, "\(changed)")
            #expect(!changed.stderr.contains("is reused"), "\(changed.stderr)")

            let builds = try await gantry.builds("venv").map(\.id).sorted()
            var images: [(layers: [String], labels: [String: String])] = []
            for id in builds {
                let image = try await gantry.inspectImage("venv-build-\(id)")
                images.append((image["Layers"] as? [String] ?? [], image["Labels"] as? [String: String] ?? [:]))
            }
            #expect(images.map(\.layers.count) == [3, 3, 3], "stack, virtualenv, app")
            #expect(images[0].layers[1] == images[1].layers[1], "the same virtualenv layer")
            #expect(images[1].layers[2] != images[0].layers[2], "another app layer")
            #expect(images[2].layers[1] != images[1].layers[1], "other requirements, another virtualenv")
            for image in images {
                let label = try #require(image.labels["io.gantry.dependency..venv"])
                #expect(label.hasSuffix(" " + image.layers[1]), "\(label) names its layer")
            }
            #expect(try await gantry.get("venv").status == 200, "served on the new virtualenv")
            #expect(gantry.leftovers().isEmpty, "left behind: \(gantry.leftovers())")
        }
    }
}
