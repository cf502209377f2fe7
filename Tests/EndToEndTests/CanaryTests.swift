import Foundation
import GantryClient
import GantryCore
import Synchronization
import Testing

/// Gray releases on a real gantryd: `git push -o canary=…`, the router's split and its sticky
/// cookie, weight changes, promotion and abort by hand, and automatic analysis that aborts a
/// failing canary or promotes a good one — with a bounded request loop that sees no failure.
@Suite("canary releases", .serialized, .timeLimit(.minutes(6)))
struct CanaryTests {
    /// The files of a release serving `text` at `/` and, at `/cgi-bin/app`, a CGI that answers
    /// 500 on every `failEvery`-th request (never when 0).
    static func files(serving text: String, failEvery: Int = 0) -> [String: String] {
        var cgi = "#!/bin/sh\nn=$(cat /tmp/count 2>/dev/null || echo 0); n=$((n+1)); echo $n > /tmp/count\n"
        if failEvery > 0 {
            cgi += "if [ $((n % \(failEvery))) -eq 0 ]; then printf 'Status: 500 Internal Server Error\\r\\n\\r\\nbroken\\n'; exit 0; fi\n"
        }
        cgi += "printf 'Content-Type: text/plain\\r\\n\\r\\n\(text)\\n'\n"
        let web = #"web: mkdir -p /tmp/www/cgi-bin && echo "\#(text)" > /tmp/www/index.html && cp /app/app.cgi /tmp/www/cgi-bin/app && chmod +x /tmp/www/cgi-bin/app && busybox httpd -f -p $PORT -h /tmp/www"#
        return ["Procfile": web + "\n", "app.cgi": cgi]
    }

    @Test func aCanaryTakesItsShareStaysStickyAndIsPromotedWithoutAFailedRequest() async throws {
        try await withDaemon { gantry in
            try await gantry.createApp("gray")
            let (repo, _) = try await gantry.makeRepo("gray", template: "static")
            try await repo.commit("one", files: Self.files(serving: "one"))
            try #require(await repo.push(gantry.remote("gray"), ["main"]).succeeded)
            try await repo.commit("two", files: Self.files(serving: "two"))
            let load = RequestLoop(gantry, app: "gray")
            let push = try await repo.push(gantry.remote("gray"), ["main"], options: ["-o", "canary=10"])
            #expect(push.succeeded && push.stderr.contains("Canary v2 takes 10% of the traffic beside v1"), "\(push)")
            #expect(gantry.containers() == ["gray.v1.web.1", "gray.v2.web.1"])

            // The split: 2,000 requests without a cookie, 8–12% to the canary, each told its side.
            var canary = 0
            for _ in 0..<2000 {
                let response = try await gantry.get("gray")
                try #require(response.status == 200)
                let side = response.text == "two\n" ? 2 : 1
                canary += side == 2 ? 1 : 0
                #expect(response.headers["set-cookie"]?.hasPrefix("gantry-canary=gray:v\(side);") == true, "\(response.headers)")
            }
            #expect((160...240).contains(canary), "\(canary) of 2000 reached the canary")

            // Sticky: a client that sends its cookie back never changes side.
            for client in 0..<6 {
                let first = try await gantry.get("gray")
                let cookie = try #require(first.headers["set-cookie"]?.split(separator: ";").first.map(String.init))
                for _ in 0..<40 {
                    let again = try await gantry.get("gray", headers: ["Cookie": "theme=dark; \(cookie)"])
                    #expect(again.text == first.text && again.headers["set-cookie"] == nil, "client \(client) changed side")
                }
            }
            // Testers force a side; no cookie is set for them.
            let always = try await gantry.get("gray", headers: ["X-Gantry-Canary": "always"])
            let never = try await gantry.get("gray", headers: ["X-Gantry-Canary": "never"])
            #expect(always.text == "two\n" && never.text == "one\n" && always.headers["set-cookie"] == nil)

            let table = try await gantry.cli(["canary", "gray"])
            #expect(table.status == 0 && table.stdout.contains("v1") && table.stdout.contains("v2"), "\(table)")
            #expect(try await gantry.cli(["canary:weight", "gray", "50"]).status == 0)
            #expect(try await gantry.api.canary(app: "gray").canary?.weight == 50)
            try await Task.sleep(for: .seconds(1))
            let promote = try await gantry.cli(["canary:promote", "gray"])
            #expect(promote.status == 0, "\(promote)")
            let result = await load.stop()
            #expect(result.failures.isEmpty && result.statuses == [200], "\(result.failures.count) failures: \(result.failures.prefix(3)), statuses \(result.statuses)")
            #expect(result.requests > 20)

            for _ in 0..<20 { #expect(try await gantry.get("gray").text == "two\n") }
            let releases = try await gantry.api.releases(app: "gray")
            #expect(releases.map(\.status) == [.live, .superseded] && releases[0].canary?.state == .promoted)
            try await gantry.eventually("v1 retires") { gantry.containers() == ["gray.v2.web.1"] }
            let metrics = try await gantry.metrics()
            #expect(metrics.contains(#"app="gray",release="2""#), "per-release series in /metrics")
        }
    }

    @Test func anAbortedCanaryLeavesTheLiveReleaseServingAndBadRequestsChangeNothing() async throws {
        try await withDaemon { gantry in
            try await gantry.createApp("keep")
            let (repo, _) = try await gantry.makeRepo("keep", template: "static")
            // A canary needs a live release to be compared with.
            let first = try await repo.push(gantry.remote("keep"), ["main"], options: ["-o", "canary=10"])
            #expect(!first.succeeded && first.stderr.contains("a canary needs a live release"), "\(first)")
            try await repo.commit("one", files: Self.files(serving: "one"))
            try #require(await repo.push(gantry.remote("keep"), ["main"]).succeeded)
            try await repo.commit("more", files: ["more.txt": "more\n"])
            let bad = try await repo.push(gantry.remote("keep"), ["main"], options: ["-o", "canary=100"])
            #expect(!bad.succeeded && bad.stderr.contains("whole percentage from 1 to 99"), "\(bad)")
            for (arguments, phrase) in [
                (["canary:promote", "keep"], "no running canary"), (["canary:abort", "keep"], "no running canary"),
                (["canary:weight", "keep", "0"], "1 to 99"), (["deploy:canary", "keep", "v1"], "is the live release"),
                (["deploy:canary", "keep", "v7"], "no release v7"),
            ] {
                let refused = try await gantry.cli(arguments)
                #expect(refused.status != 0 && refused.stderr.contains(phrase), "\(arguments): \(refused)")
            }

            // A canary that never gets healthy is rejected like any failed deploy.
            try await repo.commit("sick", files: ["Procfile": "web: exit 3\n"])
            let sick = try await repo.push(gantry.remote("keep"), ["main"], options: ["-o", "canary=10"])
            #expect(!sick.succeeded && sick.stderr.contains("crashed"), "\(sick)")
            #expect(try await gantry.api.canary(app: "keep").canary == nil)

            try await repo.commit("two", files: Self.files(serving: "two"))
            let load = RequestLoop(gantry, app: "keep")
            try #require(await repo.push(gantry.remote("keep"), ["main"], options: ["-o", "canary=30"]).succeeded)
            // While it runs, a plain push is refused, and so is a config change that deploys.
            try await repo.commit("three", files: Self.files(serving: "three"))
            let plain = try await repo.push(gantry.remote("keep"), ["main"])
            #expect(!plain.succeeded && plain.stderr.contains("has a canary running (v3 at 30%)"), "\(plain)")
            let config = try await gantry.cli(["config:set", "keep", "A=1"])
            #expect(config.status != 0 && config.stderr.contains("promote or abort it"), "\(config)")

            let abort = try await gantry.cli(["canary:abort", "keep"])
            #expect(abort.status == 0, "\(abort)")
            let result = await load.stop()
            #expect(result.failures.isEmpty && result.statuses == [200], "\(result.failures.prefix(3)) \(result.statuses)")
            for _ in 0..<20 { #expect(try await gantry.get("keep").text == "one\n") }
            let releases = try await gantry.api.releases(app: "keep")
            #expect(releases.first?.status == .failed && releases.first?.canary?.state == .aborted)
            #expect(releases.first?.failureReason?.hasPrefix("canary aborted: aborted by") == true, "\(String(describing: releases.first?.failureReason))")
            try await gantry.eventually("the canary's container goes") { gantry.containers() == ["keep.v1.web.1"] }
            let failed = try await gantry.cli(["deploy:canary", "keep", "v2"])
            #expect(failed.status != 0 && failed.stderr.contains("failed"), "a canary of a failed release: \(failed)")

            // Once it is gone, a plain push deploys again; a rollback during a canary aborts it first.
            try #require(await repo.push(gantry.remote("keep"), ["main"]).succeeded)
            try await repo.commit("four", files: Self.files(serving: "four"))
            try #require(await repo.push(gantry.remote("keep"), ["main"], options: ["-o", "canary=10"]).succeeded)
            let canaryVersion = try #require(try await gantry.api.canary(app: "keep").canary?.release)
            #expect(try await gantry.api.rollback(app: "keep", to: nil).description == "Rollback to v1")
            for _ in 0..<10 { #expect(try await gantry.get("keep").text == "one\n") }
            let ended = try await gantry.api.canary(app: "keep").canary
            #expect(ended?.release == canaryVersion && ended?.state == .aborted && ended?.reason?.contains("rollback") == true)

            // gantryd stopped during a canary: at its start the canary is aborted and its
            // processes removed; the live release serves everything.
            try await repo.commit("five", files: Self.files(serving: "five"))
            try #require(await repo.push(gantry.remote("keep"), ["main"], options: ["-o", "canary=50"]).succeeded)
            try await gantry.restart(killing: true)
            let interrupted = try await gantry.api.canary(app: "keep").canary
            #expect(interrupted?.state == .aborted && interrupted?.reason?.hasPrefix("interrupted") == true, "\(String(describing: interrupted))")
            for _ in 0..<10 { #expect(try await gantry.get("keep").text == "one\n") }
            let live = try #require(try await gantry.api.releases(app: "keep").first { $0.status == .live })
            #expect(gantry.containers() == ["keep.v\(live.version).web.1"])
        }
    }

    @Test func automaticAnalysisAbortsACanaryThatFailsAFifthOfItsRequestsWithinTwoIntervals() async throws {
        try await withDaemon { gantry in
            try await gantry.createApp("flaky")
            let (repo, _) = try await gantry.makeRepo("flaky", template: "static")
            try await repo.commit("one", files: Self.files(serving: "one"))
            try #require(await repo.push(gantry.remote("flaky"), ["main"]).succeeded)
            try await repo.commit("two", files: Self.files(serving: "two", failEvery: 5))
            let load = RequestLoop(gantry, app: "flaky", path: "/cgi-bin/app")
            let push = try await repo.push(
                gantry.remote("flaky"), ["main"], options: ["-o", "canary-steps=20,50", "-o", "canary-interval=2s", "-o", "canary-max-error-rate=1%"])
            #expect(push.succeeded && push.stderr.contains("Automatic analysis: steps 20,50 every 2 s"), "\(push)")
            let started = ContinuousClock.now
            try await gantry.eventually("the analysis aborts the canary", within: .seconds(15)) {
                (try? await gantry.api.canary(app: "flaky").canary?.state) == .aborted
            }
            let after = ContinuousClock.now - started
            #expect(after < .seconds(5), "aborted after \(after): within two 2 s intervals")
            let canary = try #require(try await gantry.api.canary(app: "flaky").canary)
            #expect(canary.reason?.contains("5xx rate") == true, "\(String(describing: canary.reason))")
            #expect(canary.events.contains { $0.text.contains("aborted") })
            try await Task.sleep(for: .seconds(1))
            let result = await load.stop()
            #expect(result.failures.isEmpty, "\(result.failures.prefix(3))")
            // Stable answered every request it got: the only 500s came from the canary.
            #expect(result.bodiesOf500.allSatisfy { $0 == "broken\n" })
            for _ in 0..<20 { #expect(try await gantry.get("flaky", path: "/cgi-bin/app").text == "one\n") }
            let logs = try await gantry.cli(["logs", "flaky"])
            #expect(logs.stdout.contains("canary v2 aborted"), "\(logs.stdout)")
            let info = try await gantry.cli(["releases:info", "flaky", "v2"])
            #expect(info.stdout.contains("5xx rate"), "\(info.stdout)")
        }
    }

    @Test func aGoodCanaryIsPromotedThroughEveryStepWhileThePushWaits() async throws {
        try await withDaemon { gantry in
            try await gantry.createApp("good")
            let (repo, _) = try await gantry.makeRepo("good", template: "static")
            try await repo.commit("one", files: Self.files(serving: "one"))
            try #require(await repo.push(gantry.remote("good"), ["main"]).succeeded)
            try await repo.commit("two", files: Self.files(serving: "two"))
            let load = RequestLoop(gantry, app: "good", path: "/cgi-bin/app")
            let push = try await repo.push(
                gantry.remote("good"), ["main"], options: ["-o", "canary-steps=10,50,100", "-o", "canary-interval=2s", "-o", "canary-wait"])
            let result = await load.stop()
            #expect(push.succeeded && push.stderr.contains("advanced to 50%") && push.stderr.contains("Canary v2 promoted"), "\(push)")
            #expect(result.failures.isEmpty && result.statuses == [200], "\(result.failures.prefix(3)) \(result.statuses)")
            let releases = try await gantry.api.releases(app: "good")
            #expect(releases.first?.status == .live && releases.first?.canary?.state == .promoted)
            let history = try await gantry.cli(["releases", "good"])
            #expect(history.stdout.contains("v2"), "\(history.stdout)")
            for _ in 0..<10 { #expect(try await gantry.get("good").text == "two\n") }
        }
    }
}

/// A bounded request loop (at most one request per `interval`: ~60 requests/s by default)
/// against one app until `stop()`: what it saw.
final class RequestLoop: Sendable {
    struct Result {
        var requests = 0
        var statuses = Set<Int>()
        var failures: [String] = []
        var bodiesOf500: [String] = []
    }

    private final class Flag: Sendable {
        let on = Atomic<Bool>(true)
    }

    private let running = Flag()
    private let task: Task<Result, Never>

    init(_ gantry: GantryDaemon, app: String, path: String = "/", interval: Duration = .milliseconds(15)) {
        let running = running
        task = Task {
            var result = Result()
            while running.on.load(ordering: .relaxed) {
                do {
                    let response = try await gantry.get(app, path: path)
                    result.requests += 1
                    result.statuses.insert(response.status)
                    if response.status == 500 { result.bodiesOf500.append(response.text) }
                } catch {
                    result.failures.append("\(error)")
                }
                try? await Task.sleep(for: interval)
            }
            return result
        }
    }

    func stop() async -> Result {
        running.on.store(false, ordering: .relaxed)
        return await task.value
    }
}
