import Foundation
import Synchronization
import GantryClient
import GantryCore
import GantryRuntime
import Testing

/// Push to live: real git, runc containers behind gantryd's router.
@Suite("push to live", .serialized, .timeLimit(.minutes(5)))
struct DeployTests {
    @Test func aPushIsServedAtAppLocalhostAndTheNextOneReplacesIt() async throws {
        try await withDaemon { gantry in
            try await gantry.createApp("hello")
            let (repo, _) = try await gantry.makeRepo("hello", template: "nodejs")
            let first = try await repo.push(gantry.remote("hello"), ["main"])
            #expect(first.succeeded, "\(first)")
            #expect(first.stderr.contains("http://hello.localhost:\(gantry.routerPort) deployed"), "\(first.stderr)")
            #expect(try await gantry.get("hello").text.contains("Hello from Gantry (nodejs)"))

            try await repo.commit("v2", files: [
                "server.js": try String(contentsOfFile: repo.path + "/server.js", encoding: .utf8).replacingOccurrences(of: "Hello from", with: "Howdy from"),
                "test.js": try String(contentsOfFile: repo.path + "/test.js", encoding: .utf8).replacingOccurrences(of: "Hello from", with: "Howdy from"),
            ])
            let second = try await repo.push(gantry.remote("hello"), ["main"])
            #expect(second.succeeded, "\(second)")
            #expect(second.stderr.contains("stopping v1"), "\(second.stderr)")
            #expect(try await gantry.get("hello").text.contains("Howdy from Gantry (nodejs)"))
            // v1 retires in the background once drained: the push does not wait for its exit.
            try await gantry.eventually("v1's containers are gone") { gantry.containers() == ["hello.v2.web.1"] }
            let releases = try await gantry.api.releases(app: "hello")
            #expect(releases.map(\.version) == [2, 1])
            #expect(releases.map(\.status) == [.live, .superseded])
        }
    }

    /// Issue 11, bad input: a CNI plugin gone missing fails the deploy with the plugin's name;
    /// the old release keeps serving, and nothing is left attached (the harness checks).
    @Test func aMissingCNIPluginFailsTheDeployNamingItAndTheOldReleaseKeepsServing() async throws {
        let plugins = try ScratchDirectory(prefix: "gantry-cni")
        defer { plugins.remove() }
        for plugin in try FileManager.default.contentsOfDirectory(atPath: "/usr/lib/cni") {
            try FileManager.default.createSymbolicLink(atPath: plugins.path + "/" + plugin, withDestinationPath: "/usr/lib/cni/" + plugin)
        }
        try await withDaemon(arguments: ["--cni-plugin-dir", plugins.path]) { gantry in
            try await gantry.createApp("nocni")
            let (repo, good) = try await gantry.makeRepo("nocni", template: "static")
            try #require(await repo.push(gantry.remote("nocni"), ["main"]).succeeded)
            try FileManager.default.removeItem(atPath: plugins.path + "/bridge")
            // The namespaces kept ready (three a push) serve the next pushes' containers; the
            // first one attached anew fails.
            var refused: ProcessOutput?
            var live = (commit: good, page: try await gantry.get("nocni").text)
            for attempt in 1...(ContainerNetwork.gantrydPoolSize / 3 + 2) where refused == nil {
                try await repo.commit("v\(attempt + 1)", files: ["index.html": "<p>v\(attempt + 1)</p>\n"])
                let push = try await repo.push(gantry.remote("nocni"), ["main"])
                if push.succeeded { live = (try await repo.revParse("HEAD"), try await gantry.get("nocni").text) } else { refused = push }
            }
            let push = try #require(refused, "every push succeeded without the bridge plugin")
            #expect(push.stderr.contains("CNI plugin bridge: no CNI plugin at \(plugins.path)/bridge"), "\(push.stderr)")
            #expect(try await gantry.get("nocni").text == live.page)
            #expect(try await gantry.serverRefs("nocni") == ["refs/heads/main": live.commit])
            // Put back, the plugin detaches the old releases' namespaces as it should (without
            // it, host-local releases their addresses and deleting the namespace their veths).
            try FileManager.default.createSymbolicLink(atPath: plugins.path + "/bridge", withDestinationPath: "/usr/lib/cni/bridge")
        }
    }

    @Test func aReleaseThatNeverGetsHealthyIsRejectedAndTheOldOneKeepsServing() async throws {
        try await withDaemon { gantry in
            try await gantry.createApp("sick")
            let (repo, good) = try await gantry.makeRepo("sick", template: "static")
            try #require(await repo.push(gantry.remote("sick"), ["main"]).succeeded)
            try await repo.commit("broken health", files: [
                "Procfile": "web: echo booting on $PORT; busybox httpd -f -p $PORT -h /app\n",
                "app.json": #"{"healthchecks": {"web": [{"type": "startup", "path": "/does-not-exist", "attempts": 2, "wait": 1, "timeout": 1}]}}"#,
            ])
            let push = try await repo.push(gantry.remote("sick"), ["main"])
            #expect(!push.succeeded)
            #expect(push.stderr.contains("main -> main (health check failed)"), "\(push.stderr)")
            #expect(push.stderr.contains("booting on"), "the process's last log lines reach the pusher:\n\(push.stderr)")
            #expect(try await gantry.serverRefs("sick") == ["refs/heads/main": good])
            #expect(try await gantry.get("sick").status == 200)
            #expect(gantry.containers() == ["sick.v1.web.1"], "v2's containers are removed")
            #expect(try await gantry.api.releases(app: "sick").first?.status == .failed)
        }
    }

    @Test func aProcessThatCrashesAtBootIsRejected() async throws {
        try await withDaemon { gantry in
            try await gantry.createApp("crash")
            let (repo, _) = try await gantry.makeRepo("crash", template: "static")
            try await repo.commit("crash", files: ["Procfile": "web: echo no such server; exit 3\n"])
            let push = try await repo.push(gantry.remote("crash"), ["main"])
            #expect(!push.succeeded)
            #expect(push.stderr.contains("(crashed at boot)"), "\(push.stderr)")
            #expect(push.stderr.contains("no such server"), "\(push.stderr)")
            #expect(gantry.containers().isEmpty)
            #expect(try await gantry.get("crash").status == 503)
        }
    }

    @Test func aKilledProcessIsRestartedAndAGantrydRestartKeepsServing() async throws {
        try await withDaemon { gantry in
            try await gantry.createApp("phoenix")
            let (repo, _) = try await gantry.makeRepo("phoenix", template: "nodejs")
            try #require(await repo.push(gantry.remote("phoenix"), ["main"]).succeeded)

            let runc = try ChildProcess.find("runc")
            _ = try await ChildProcess.run(runc, ["--root", gantry.data.containers + ".runc", "kill", "--all", "phoenix.v1.web.1", "KILL"], timeout: .seconds(10))
            try await gantry.eventually("web.1 restarted") {
                guard let process = try? await gantry.api.processes(app: "phoenix").first else { return false }
                return process.restarts >= 1 && process.state == .up
            }
            #expect(try await gantry.get("phoenix").text.contains("Hello from Gantry"))

            try await gantry.restart()
            #expect(try await gantry.get("phoenix").text.contains("Hello from Gantry"))
            #expect(ChildProcess.read(gantry.logPath).contains("adopted phoenix.v1.web.1"))
        }
    }

    @Test func aProcessOverItsMemoryLimitIsKilledRestartedAndLoggedAsOutOfMemory() async throws {
        try await withDaemon { gantry in
            try await gantry.createApp("hungry")
            _ = try await gantry.api.changeConfig(app: "hungry", set: ["GANTRY_MEMORY_MB": "64"])
            let (repo, _) = try await gantry.makeRepo("hungry", template: "static")
            try await repo.commit("a server that hoards memory", files: [
                "server.py": """
                    import http.server, os
                    hoard = []
                    class Handler(http.server.BaseHTTPRequestHandler):
                        def do_GET(self):
                            if self.path == "/boom":
                                hoard.append(b"x" * (256 << 20))
                            self.send_response(200)
                            self.end_headers()
                            self.wfile.write(b"ok\\n")
                    http.server.HTTPServer(("0.0.0.0", int(os.environ["PORT"])), Handler).serve_forever()

                    """,
                "Procfile": "web: python3 server.py\n",
            ])
            try #require(await repo.push(gantry.remote("hungry"), ["main"]).succeeded)

            _ = try? await gantry.get("hungry", path: "/boom")
            try await gantry.eventually("web.1 restarted after running out of memory") {
                guard let process = try? await gantry.api.processes(app: "hungry").first else { return false }
                return process.restarts >= 1 && process.state == .up
            }
            let events = ChildProcess.read(gantry.data.logs + "/hungry/events.log")
            #expect(events.contains("web.1 was killed: out of memory (limit 64 MiB)"), "\(events)")
            #expect(try await gantry.get("hungry").status == 200)
        }
    }

    @Test func deploysDropNoRequest() async throws {
        try await withDaemon { gantry in
            try await gantry.createApp("steady")
            let (repo, _) = try await gantry.makeRepo("steady", template: "nodejs")
            try #require(await repo.push(gantry.remote("steady"), ["main"]).succeeded)

            // A bounded client loop (~100 requests/s) for the length of 5 consecutive deploys.
            // It is stopped by a flag, not by cancellation (which would cut its last request).
            let running = Mutex(true)
            let load = Task { () -> (ok: Int, failures: [String]) in
                var ok = 0
                var failures: [String] = []
                while running.withLock({ $0 }) {
                    do {
                        let response = try await gantry.get("steady")
                        if response.status == 200 { ok += 1 } else { failures.append("HTTP \(response.status)") }
                    } catch {
                        failures.append("\(error)")
                    }
                    try? await Task.sleep(for: .milliseconds(10))
                }
                return (ok, failures)
            }
            for round in 1...5 {
                try await repo.commit("round \(round)", files: ["round.txt": "\(round)\n"])
                let push = try await repo.push(gantry.remote("steady"), ["main"])
                #expect(push.succeeded, "\(push)")
            }
            running.withLock { $0 = false }
            let (ok, failures) = await load.value
            #expect(ok > 50)
            #expect(failures.isEmpty, "\(failures.count) failed requests, e.g. \(failures.prefix(3))")
        }
    }
}

extension GantryDaemon {
    /// `GET /` of `app` through the router, as a browser asks `http://APP.localhost:PORT/`.
    func get(_ app: String, path: String = "/", headers: [String: String] = [:]) async throws -> GantryClient.HTTPResponse {
        var fields: HTTPHeaders = ["Host": "\(app).localhost:\(routerPort)"]
        for (name, value) in headers.sorted(by: { $0.key < $1.key }) { fields.add(name: name, value: value) }
        return try await HTTPClient().perform(GantryClient.HTTPRequest(url: "http://127.0.0.1:\(routerPort)\(path)", headers: fields, timeout: .seconds(10)))
    }

    /// `GET /metrics` with the daemon's token: the Prometheus text.
    func metrics() async throws -> String {
        let response = try await HTTPClient().perform(GantryClient.HTTPRequest(url: server + "/metrics", headers: ["Authorization": "Bearer \(token)"]))
        return String(decoding: response.body, as: UTF8.self)
    }

    /// The container bundles of this daemon.
    func containers() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: data.containers)) ?? []).sorted()
    }

    /// Waits up to 20 s for `condition`.
    func eventually(_ what: String, within limit: Duration = .seconds(20), _ condition: () async -> Bool) async throws {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            if await condition() { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw FixtureFailure("\(what) did not happen within \(limit); gantryd's log:\n\(logTail())")
    }
}

extension GantryClient.HTTPResponse {
    var text: String { String(decoding: body, as: UTF8.self) }
}
