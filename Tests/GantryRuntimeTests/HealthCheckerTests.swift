import GantryTesting
import Testing
@testable import GantryRuntime

@Suite("HealthChecker")
struct HealthCheckerTests {
    typealias Check = HealthCheckPolicy.Check

    /// A fast app.json-style check: 2xx/3xx, 10 ms apart.
    static func check(
        _ path: String = "/", name: String? = nil, limit: Check.Limit = .attempts(3), timeout: Duration = .seconds(2),
        interval: Duration = .milliseconds(10), initialDelay: Duration = .zero, content: String? = nil
    ) -> HealthCheckPolicy {
        HealthCheckPolicy(checks: [Check(
            name: name, path: path, limit: limit, attemptTimeout: timeout, interval: interval, initialDelay: initialDelay,
            content: content, acceptedStatuses: 200..<400)])
    }

    static func answer(_ status: Int, _ body: String = "", delay: Duration = .zero) -> TestHTTPServer.Reply {
        .answer(.init(status: status, body: body, delay: delay))
    }

    let checker = HealthChecker()

    @Test func healthyOnceTheAppStopsFailing() async throws {
        try await withServer(responder: { _, index in index < 3 ? Self.answer(503) : Self.answer(200, "ok") }) { server in
            let result = await checker.waitUntilHealthy(
                port: Int(server.port), policy: Self.check("/health", limit: .within(.seconds(30)))) { true }
            guard case .healthy(let after, let attempts) = result else { Issue.record("\(result)"); return }
            #expect(attempts == 4)
            #expect(after < .seconds(30))  // within the limit; the machine may be busy
            #expect(server.requests.map(\.target) == Array(repeating: "/health", count: 4))
            #expect(server.requests.allSatisfy { $0.method == "GET" })
            #expect(server.requests.first?.headers["user-agent"]?.hasPrefix("gantry-health-check/") == true)
        }
    }

    @Test func defaultPolicyAcceptsAnyAnswerBelow500() async throws {
        try await withServer(.init(status: 404, body: "no route")) { server in
            let result = await checker.waitUntilHealthy(port: Int(server.port), policy: .default) { true }
            guard case .healthy(_, attempts: 1) = result else { Issue.record("\(result)"); return }
            #expect(server.requests.map(\.target) == ["/"])
        }
    }

    @Test func defaultPolicyAsksARefusedPortEvery20msForASecondThenEvery200msUntil30s() async throws {
        // Not a port closed again: one was once taken by a parallel test's server.
        let port = Int(RefusedPort.shared.port)
        let checker = HealthChecker(clock: ImmediateClock())
        let result = await checker.waitUntilHealthy(port: port, policy: .default) { true }
        // 50 attempts in the first second (0, 0.02 … 0.98 s), then 1.0, 1.2 … 29.8 s: 145.
        #expect(result == .unhealthy(reason: "connection refused on port \(port) (is the app listening on 0.0.0.0:$PORT? 127.0.0.1 is the container's own loopback)", attempts: 195))
    }

    @Test func aCheckLimitedByAttemptsKeepsItsIntervalWhenRefused() async throws {
        let port = Int(RefusedPort.shared.port)
        let clock = ImmediateClock()
        let checker = HealthChecker(clock: clock)
        let started = clock.now
        let result = await checker.waitUntilHealthy(port: port, policy: Self.check(limit: .attempts(3), interval: .seconds(5))) { true }
        #expect(started.duration(to: clock.now) >= .seconds(10))
        guard case .unhealthy(_, attempts: 3) = result else { Issue.record("\(result)"); return }
    }

    @Test func aPortThatAnswersButFailsIsAskedAtTheCheckInterval() async throws {
        try await withServer(.init(status: 503)) { server in
            let clock = ImmediateClock()
            let checker = HealthChecker(clock: clock)
            let result = await checker.waitUntilHealthy(
                port: Int(server.port), policy: Self.check(limit: .within(.seconds(1)), interval: .milliseconds(200))) { true }
            // 0, 0.2 … 0.8 s (50 at 20 ms were it refused); a sixth could not start within 1 s.
            guard case .unhealthy(_, attempts: 5) = result else { Issue.record("\(result)"); return }
        }
    }

    @Test func answering500IsUnhealthyAndQuotesTheBody() async throws {
        try await withServer(.init(status: 500, body: "boom:\n  KeyError 'DATABASE_URL'\n")) { server in
            let result = await checker.waitUntilHealthy(port: Int(server.port), policy: Self.check("/health")) { true }
            #expect(result == .unhealthy(reason: "GET /health answered 500: boom: KeyError 'DATABASE_URL'", attempts: 3))
            #expect(server.requests.count == 3)
        }
    }

    @Test func appJSONChecksWant2xxOr3xx() async throws {
        try await withServer(.init(status: 404)) { server in
            let result = await checker.waitUntilHealthy(port: Int(server.port), policy: Self.check(limit: .attempts(1))) { true }
            #expect(result == .unhealthy(reason: "GET / answered 404", attempts: 1))
        }
        try await withServer(.init(status: 302, headers: ["Location": "/login"])) { server in
            let result = await checker.waitUntilHealthy(port: Int(server.port), policy: Self.check(limit: .attempts(1))) { true }
            guard case .healthy(_, attempts: 1) = result else { Issue.record("\(result)"); return }
        }
    }

    @Test func bodyWithoutTheContentIsUnhealthy() async throws {
        try await withServer(.init(status: 200, body: "starting")) { server in
            let result = await checker.waitUntilHealthy(port: Int(server.port), policy: Self.check(content: "ready")) { true }
            #expect(result == .unhealthy(reason: #"GET / answered 200 without "ready" in its body: starting"#, attempts: 3))
        }
        try await withServer(.init(status: 200, body: "all ready")) { server in
            let result = await checker.waitUntilHealthy(port: Int(server.port), policy: Self.check(content: "ready")) { true }
            guard case .healthy(_, attempts: 1) = result else { Issue.record("\(result)"); return }
        }
    }

    @Test func slowAnswerFailsEachAttemptAtItsTimeout() async throws {
        try await withServer(responder: { _, _ in Self.answer(200, "late", delay: .seconds(30)) }) { server in
            let start = ContinuousClock.now
            let result = await checker.waitUntilHealthy(
                port: Int(server.port), policy: Self.check(limit: .attempts(2), timeout: .milliseconds(150))) { true }
            #expect(result == .unhealthy(reason: "GET / did not answer within 150 ms", attempts: 2))
            // Far below the 60 s the answers would take (a loaded unit pass on 2 cores once took 21 s).
            #expect(ContinuousClock.now - start < .seconds(45))
        }
    }

    @Test func budgetCutsTheLastAttemptShort() async throws {
        try await withServer(nil) { server in
            let start = ContinuousClock.now
            let result = await checker.waitUntilHealthy(
                port: Int(server.port), policy: Self.check(limit: .within(.milliseconds(400)), timeout: .seconds(60))) { true }
            guard case .unhealthy(let reason, attempts: 1) = result else { Issue.record("\(result)"); return }
            #expect(reason.hasPrefix("GET / did not answer within"))
            #expect(ContinuousClock.now - start < .seconds(20))  // far below the attempt's 60 s timeout
        }
    }

    @Test func processDyingEndsTheWaitAsCrashed() async throws {
        let process = Liveness()
        try await withServer(responder: { _, index in
            if index == 1 { process.die() }
            return Self.answer(503)
        }) { server in
            // A budget far above the two attempts' few milliseconds: the unit pass's synchronous
            // git and skopeo fixtures once held both cooperative threads for 11 s, and a 10 s
            // budget ran out after the first attempt.
            let result = await checker.waitUntilHealthy(
                port: Int(server.port), policy: Self.check(limit: .within(.seconds(60)))) { process.isRunning() }
            #expect(result == .crashed)
            #expect(server.requests.count == 2)
        }
    }

    @Test func processDyingDuringTheInitialDelayIsNoticedEarly() async throws {
        let process = Liveness()
        let checker = HealthChecker(crashPollInterval: .milliseconds(10))
        let start = ContinuousClock.now
        let result = await checker.waitUntilHealthy(
            port: Int(RefusedPort.shared.port), policy: Self.check(initialDelay: .seconds(60))) {
                if process.asked == 2 { process.die() }
                return process.isRunning()
            }
        #expect(result == .crashed)
        // Far below the 60 s initial delay (a loaded unit pass on 2 cores once took 21 s).
        #expect(ContinuousClock.now - start < .seconds(45))
    }

    @Test func initialDelayPassesBeforeTheFirstAttempt() async throws {
        try await withServer(.init(status: 200)) { server in
            let checker = HealthChecker(clock: ImmediateClock())
            let result = await checker.waitUntilHealthy(port: Int(server.port), policy: Self.check(initialDelay: .seconds(7))) { true }
            #expect(result == .healthy(after: .seconds(7), attempts: 1))
        }
    }

    @Test func everyCheckMustPass() async throws {
        try await withServer(responder: { request, _ in request.target == "/a" ? Self.answer(200) : Self.answer(500) }) { server in
            let checks = Self.check("/a").checks + Self.check("/b", name: "database", limit: .attempts(2)).checks
            let result = await checker.waitUntilHealthy(port: Int(server.port), policy: HealthCheckPolicy(checks: checks)) { true }
            #expect(result == .unhealthy(reason: "database: GET /b answered 500", attempts: 3))
            #expect(server.requests.map(\.target) == ["/a", "/b", "/b"])
        }
    }

    @Test func connectionClosedWithoutAnAnswerIsAFailedAttempt() async throws {
        try await withServer(responder: { _, _ in .close }) { server in
            let result = await checker.waitUntilHealthy(port: Int(server.port), policy: Self.check(limit: .attempts(1))) { true }
            guard case .unhealthy(let reason, attempts: 1) = result else { Issue.record("\(result)"); return }
            #expect(reason.hasPrefix("GET / failed: "))
        }
    }

    @Test func cancellingEndsTheWaitPromptly() async throws {
        try await withServer(nil) { server in
            let checker = checker
            let task = Task {
                await checker.waitUntilHealthy(port: Int(server.port), policy: Self.check(timeout: .seconds(30))) { true }
            }
            try await Task.sleep(for: .milliseconds(200))
            let start = ContinuousClock.now
            task.cancel()
            #expect(await task.value == .cancelled)
            #expect(ContinuousClock.now - start < .seconds(10))  // far below "forever"; a busy machine may be slow
        }
    }
}
