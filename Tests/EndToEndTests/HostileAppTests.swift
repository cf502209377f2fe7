import Foundation
import GantryClient
import GantryCore
import Testing

/// Issue 11: every app in its own box. A hostile app of our own (`HostileApp`) attacks from its
/// web process and from its build: raw and packet sockets, gantryd's ports and a listener of
/// the test on every address of the host, another app's web process, the host's processes,
/// `/sys`, `mount`, `ptrace`, `unshare`, a fork bomb, twice its memory. Every attempt must fail
/// and the app must keep serving through the router throughout; while it sniffs, a push and API
/// calls must leave none of their bytes in its capture. Real gantryd, git and runc; the fork
/// bomb and the sniffing load the machine, so the suite runs in the load pass, alone.
@Suite("a hostile app reaches nothing outside its box", .serialized, .timeLimit(.minutes(10)))
struct HostileAppTests {
    @Test func everyAttackFromAWebProcessFailsAndItKeepsServingThroughout() async throws {
        try await withDaemon { gantry in
            _ = try await gantry.deployBystander()
            try await gantry.createApp("hostile")
            _ = try await gantry.api.changeConfig(app: "hostile", set: ["GANTRY_MEMORY_MB": "256", "GANTRY_PIDS": "64"], deploy: false)
            let repo = try await gantry.makeRepo("hostile")
            try await repo.commit("a hostile app", files: HostileApp.files)
            let push = try await repo.push(gantry.remote("hostile"), ["main"])
            try #require(push.succeeded, "\(push.stderr)")
            // Enumerated now that every container of the test runs (their bridge, their veths).
            let traps = try TrapListeners()
            let targets = try await gantry.hostileTargets(traps: traps, neighbour: "bystander")

            let watch = ServingWatch(gantry, app: "hostile")
            _ = try await gantry.api.scale(app: "hostile", ["hog": 1])
            let started = try await gantry.post("hostile", path: "/attacks", json: targets)
            try #require(started.status == 202, "POST /attacks: HTTP \(started.status) \(started.text)")
            let report = try await gantry.waitForDone("hostile", path: "/attacks", as: HostileApp.Report.self)
            // The hog: killed by the kernel at its limit, restarted by the supervisor, logged.
            let events = gantry.data.logs + "/hostile/events.log"
            try await gantry.eventually("hog.1 is killed for its memory and restarted") {
                let log = ChildProcess.read(events)
                return log.contains("hog.1 was killed: out of memory (limit 256 MiB)") && log.contains("hog.1 restarted")
            }
            let serving = await watch.stop()

            Self.expectEveryAttackFailed(report, targets: targets, from: "web process")
            let reached = traps.accepted()
            #expect(reached.isEmpty, "the test's own listeners were reached from: \(reached)")
            #expect(serving.failures.isEmpty, "\(serving.failures.count) of \(serving.ok + serving.failures.count) requests failed, e.g. \(serving.failures.prefix(3))")
            // The attacks take seconds (the fork bomb alone 4 s): polls every 100 ms must have run.
            #expect(serving.ok >= 20, "only \(serving.ok) requests served")
            let processes = try await gantry.api.processes(app: "hostile")
            let web = try #require(processes.first { $0.type == "web" })
            #expect(web.restarts == 0 && web.state == .up, "the web process survived the fork bomb: \(web)")
            let hog = try await ReleaseOperationsTests.logs(gantry, "hostile", process: "hog.1")
            #expect(hog.contains { $0.contains("hog: allocating 512 MiB") }, "\(hog)")
            #expect(!hog.contains { $0.contains("hog: still alive") }, "the hog held twice its limit: \(hog)")
        }
    }

    @Test func everyAttackFromABuildFailsAndTheLiveReleaseKeepsServing() async throws {
        try await withHostileDaemon { gantry in
            _ = try await gantry.deployBystander()
            try await gantry.createApp("hostile")
            let repo = try await gantry.makeRepo("hostile")
            try await repo.commit("a hostile app", files: HostileApp.files)
            let first = try await repo.push(gantry.remote("hostile"), ["main"])
            try #require(first.succeeded, "\(first.stderr)")
            let traps = try TrapListeners()
            let targets = try await gantry.hostileTargets(traps: traps, neighbour: "bystander")
            let encoded = String(decoding: try JSONEncoder().encode(targets), as: UTF8.self)
            _ = try await gantry.api.changeConfig(app: "hostile", set: ["HOSTILE_BUILD_TARGETS": encoded], deploy: false)

            let watch = ServingWatch(gantry, app: "hostile")
            try await repo.commit("attack from the build", files: ["v.txt": "2\n"])
            let push = try await repo.push(gantry.remote("hostile"), ["main"])
            let serving = await watch.stop()

            try #require(push.succeeded, "the build must survive its own attacks:\n\(push.stderr)")
            #expect(push.stderr.contains("ATTACKS DONE"), "\(push.stderr)")
            let response = try await gantry.get("hostile", path: "/build-attacks")
            try #require(response.status == 200, "GET /build-attacks: HTTP \(response.status) \(response.text)")
            let report = try JSONDecoder().decode(HostileApp.Report.self, from: Data(response.body))
            Self.expectEveryAttackFailed(report, targets: targets, from: "build")
            let reached = traps.accepted()
            #expect(reached.isEmpty, "the test's own listeners were reached from: \(reached)")
            #expect(serving.failures.isEmpty, "\(serving.failures.count) of \(serving.ok + serving.failures.count) requests failed, e.g. \(serving.failures.prefix(3))")
            #expect(serving.ok > 10, "only \(serving.ok) requests served")
        }
    }

    @Test func aSniffingAppSeesNoneOfAPushOrTheAPIAndOnlyItsOwnSockets() async throws {
        try await withDaemon { gantry in
            let bystander = try await gantry.deployBystander()
            try await gantry.createApp("hostile")
            let repo = try await gantry.makeRepo("hostile")
            try await repo.commit("a hostile app", files: HostileApp.files)
            try #require(await repo.push(gantry.remote("hostile"), ["main"]).succeeded)
            let canary = "canary-\(UUID().uuidString.prefix(8).lowercased())"
            let needles = ["git-receive-pack", API.prefix + "/apps", canary]
            let started = try await gantry.post("hostile", path: "/sniff", json: ["needles": needles])
            try #require(started.status == 202, "POST /sniff: HTTP \(started.status) \(started.text)")
            try await gantry.eventually("the hostile app is sniffing") {
                (try? await gantry.get("hostile", path: "/sniff"))?.text.contains(#""capturing": true"#) == true
            }

            // While it listens: a push to another app, and API calls with the admin token.
            try await bystander.commit("v2", files: ["index.html": "<h1>bystander \(canary)</h1>\n"])
            let push = try await bystander.push(gantry.remote("bystander"), ["main"])
            #expect(push.succeeded, "\(push.stderr)")
            _ = try await gantry.api.apps()
            _ = try await gantry.api.changeConfig(app: "bystander", set: ["CANARY": canary], deploy: false)
            _ = try await gantry.api.config(app: "bystander")
            _ = try await gantry.api.processes(app: "bystander")
            _ = try? await gantry.api.app(canary)  // a 404 whose path carries the canary
            try await Task.sleep(for: .seconds(1))
            _ = try await gantry.post("hostile", path: "/sniff/stop", json: [String: String]())
            let report = try await gantry.waitForDone("hostile", path: "/sniff", as: HostileApp.SniffReport.self)
            let capture = try await gantry.get("hostile", path: "/capture")
            try #require(capture.status == 200, "GET /capture: HTTP \(capture.status)")

            let captured = Data(capture.body)
            let summary = "\(report.packets) packets, \(report.bytes) bytes captured by \(report.opened.filter { $0.status == "ok" }.map(\.name))"
            let secrets = [
                ("the admin token", gantry.token), ("the push's Basic credentials", Data("gantry:\(gantry.token)".utf8).base64EncodedString()),
                ("the push's git-receive-pack", "git-receive-pack"), ("the canary", canary),
            ]
            for (what, needle) in secrets {
                #expect(captured.range(of: Data(needle.utf8)) == nil, "the hostile app captured \(what) (\(summary))")
            }
            for (needle, count) in report.matches.sorted(by: { $0.key < $1.key }) {
                #expect(count == 0, "the hostile app saw '\(needle)' \(count) times (\(summary))")
            }
            // Its own listening socket is there (the scan worked); nothing else is.
            #expect(report.sockets.contains { $0.localPort == report.port && $0.state == "LISTEN" }, "\(report.sockets)")
            let foreign = report.sockets.filter { $0.localPort != report.port }
            #expect(
                foreign.isEmpty,
                "/proc/net/tcp and tcp6 of the hostile app (PORT \(report.port)) show \(foreign.count) sockets not its own, e.g.\n\(foreign.prefix(8).map(\.description).joined(separator: "\n"))"
            )
        }
    }

    /// Every attack the app must try is in `report`, and none of them worked.
    static func expectEveryAttackFailed(
        _ report: HostileApp.Report, targets: HostileApp.Targets, from place: String, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        print("attacks from the hostile app's \(place):\n" + report.results.map { "  \($0)" }.joined(separator: "\n"))
        let names = Set(report.results.map(\.name))
        let missing = (HostileApp.expectedAttacks + HostileApp.expectedConnections(targets)).filter { !names.contains($0) }
        #expect(missing.isEmpty, "the \(place) did not report: \(missing)", sourceLocation: sourceLocation)
        for attempt in report.results {
            #expect(attempt.status == "refused", "from the \(place): \(attempt)", sourceLocation: sourceLocation)
        }
    }
}
