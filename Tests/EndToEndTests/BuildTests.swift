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
            let layers = try await gantry.imageLayers(pushing: repo, toNewApps: ["first", "second"]).map { try #require($0.last) }
            #expect(layers[0] == layers[1])
        }
    }

    /// The virtualenv's modules are byte-compiled (by compileall on every CPU, not one after
    /// another by pip), and that is reproducible: the same requirements built for two apps
    /// give the same virtualenv layer, byte for byte.
    @Test func theVirtualenvIsByteCompiledAndTheSameRequirementsGiveTheSameLayer() async throws {
        try await withDaemon { gantry in
            let (repo, _) = try await gantry.makeRepo("pyc", template: "python-flask")
            let layers = try await gantry.imageLayers(pushing: repo, toNewApps: ["pyc-first", "pyc-second"])
                .map { try #require($0.dropFirst().first, "stack, virtualenv, app") }
            #expect(layers[0] == layers[1], "the same requirements, the same virtualenv layer")
            let blob = gantry.data.images + "/blobs/sha256/" + layers[0].dropFirst("sha256:".count)
            let listed = try await ChildProcess.run(try ChildProcess.find("tar"), ["-tf", blob])
            try #require(listed.succeeded, "\(listed)")
            let entries = String(decoding: listed.output, as: UTF8.self).split(separator: "\n")
            #expect(entries.contains { $0.contains("/site-packages/flask/__pycache__/app.cpython-") }, "flask's modules are byte-compiled")
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

    /// Requirements naming a local path (here a wheel in the repository) change with the
    /// source: their virtualenv is neither cached nor made a layer to reuse, so a push that
    /// changes the local package serves the new one, though requirements.txt stayed the same.
    @Test func requirementsNamingALocalPathAreInstalledAnewOnEveryPush() async throws {
        try await withDaemon { gantry in
            try await gantry.createApp("local")
            let (repo, _) = try await gantry.makeRepo("local", template: "python-flask")
            let requirements = try String(contentsOfFile: repo.path + "/requirements.txt", encoding: .utf8)
            let wheel = "vendor/greeting-1.0-py3-none-any.whl"
            // The template's app, its page naming the package's greeting.
            let app = try String(contentsOfFile: repo.path + "/app.py", encoding: .utf8)
                .replacingOccurrences(of: "from flask import Flask\n", with: "from flask import Flask\nimport greeting\n")
                .replacingOccurrences(of: #"return "Hello from Gantry (python-flask)\n""#, with: #"return "Hello from Gantry (python-flask) " + greeting.TEXT + "\n""#)
            try #require(app.contains("greeting.TEXT"), "the template's app.py changed: \(app)")
            try await repo.commit("a local package", data: [
                "requirements.txt": Data((requirements + "./" + wheel + "\n").utf8), "app.py": Data(app.utf8),
                wheel: try await Self.wheel(greeting: "one"),
            ])
            let first = try await repo.push(gantry.remote("local"), ["main"])
            try #require(first.succeeded, "\(first)")
            #expect(first.stderr.contains("requirements name local paths: the virtualenv is not cached"), "\(first.stderr)")
            #expect(try await gantry.get("local").bodyText.contains("python-flask) one"))

            try await repo.commit("the local package changed", data: [wheel: try await Self.wheel(greeting: "two")])
            let second = try await repo.push(gantry.remote("local"), ["main"])
            try #require(second.succeeded, "\(second)")
            #expect(!second.stderr.contains("Using cached dependencies"), "\(second.stderr)")
            #expect(!second.stderr.contains("is reused"), "\(second.stderr)")
            #expect(try await gantry.get("local").bodyText.contains("python-flask) two"), "the new package serves")
        }
    }

    /// The python buildpack's `bin/test` asks whether pytest is installed without importing it
    /// (an import costs a warm push a fifth of a second): tests with no pytest to run them are
    /// a note, and once requirements.txt names pytest they run — and, failing, reject the push.
    @Test func pythonTestsRunWhenPytestIsInstalledAndAreANoteWhenItIsNot() async throws {
        try await withDaemon { gantry in
            try await gantry.createApp("pytest")
            let (repo, _) = try await gantry.makeRepo("pytest", template: "python-flask")
            let requirements = try String(contentsOfFile: repo.path + "/requirements.txt", encoding: .utf8)
            let withoutPytest = requirements.split(separator: "\n").filter { !$0.hasPrefix("pytest") }.joined(separator: "\n") + "\n"
            try #require(withoutPytest != requirements, "the template's requirements.txt names no pytest: \(requirements)")
            // No test script in app.json: the buildpack's bin/test runs the tests.
            try await repo.commit("no pytest, a red test", files: [
                "requirements.txt": withoutPytest, "tests/test_red.py": "def test_red():\n    assert 1 == 2\n", "app.json": #"{"name": "pytest"}"#,
            ])
            let noted = try await repo.push(gantry.remote("pytest"), ["main"])
            #expect(noted.succeeded, "\(noted)")
            #expect(noted.stderr.contains("Tests found but pytest is not installed"), "\(noted.stderr)")

            try await repo.commit("pytest", files: ["requirements.txt": requirements])
            let red = try await repo.push(gantry.remote("pytest"), ["main"])
            #expect(!red.succeeded)
            #expect(red.stderr.contains("main -> main (tests failed)"), "\(red.stderr)")
            #expect(red.stderr.contains("1 failed, 3 passed"), "\(red.stderr)")
        }
    }

    /// A wheel of the package `greeting` 1.0 whose `TEXT` is `greeting`, made by the host's
    /// python3 (a zip with the module and its dist-info).
    static func wheel(greeting: String) async throws -> Data {
        let script = """
            import base64, hashlib, io, sys, zipfile
            files = {"greeting.py": f"TEXT = {sys.argv[1]!r}\\n",
                     "greeting-1.0.dist-info/METADATA": "Metadata-Version: 2.1\\nName: greeting\\nVersion: 1.0\\n",
                     "greeting-1.0.dist-info/WHEEL": "Wheel-Version: 1.0\\nGenerator: test\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n"}
            def digest(text):
                return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=").decode()
            record = "".join(f"{name},{digest(text)},{len(text.encode())}\\n" for name, text in files.items())
            files["greeting-1.0.dist-info/RECORD"] = record + "greeting-1.0.dist-info/RECORD,,\\n"
            out = io.BytesIO()
            with zipfile.ZipFile(out, "w") as wheel:
                for name, text in files.items():
                    wheel.writestr(zipfile.ZipInfo(name, (2020, 1, 1, 0, 0, 0)), text)
            sys.stdout.buffer.write(out.getvalue())
            """
        let made = try await ChildProcess.run("/usr/bin/python3", ["-c", script, greeting])
        guard made.status == 0 else { throw FixtureFailure("python3 could not make the wheel: \(made.stderr)") }
        return made.output
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

extension GantryDaemon {
    /// Creates each of `apps`, pushes `repo`'s main to it, and returns the layers of each one's
    /// first image, in order.
    func imageLayers(pushing repo: GitRepo, toNewApps apps: [String]) async throws -> [[String]] {
        var layers: [[String]] = []
        for app in apps {
            try await createApp(app)
            try #require(await repo.push(remote(app), ["main"]).succeeded)
            let build = try #require(try await builds(app).first)
            layers.append(try await inspectImage("\(app)-build-\(build.id)")["Layers"] as? [String] ?? [])
        }
        return layers
    }
}
