import Foundation
import GantryCore
import GantryRuntime
import Synchronization
import Testing

@testable import GantryPipeline

/// Issue 13: supervision and restore, against a runtime that only pretends to run containers
/// (the real one is proven by the end-to-end tests): a process's exit is an event, restarts
/// follow the backoff, restore adopts, starts and removes.
@Suite struct SupervisionTests {
    @Test func backoffDoublesFromOneSecondUpToThirty() {
        #expect((1...8).map { Deployer.backoff(restarts: $0) } == [1, 2, 4, 8, 16, 30, 30, 30].map { Duration.seconds($0) })
    }

    @Test func aProcessThatExitsIsRestartedAfterItsBackoffAndServedAgain() async throws {
        let fixture = try SupervisionFixture()
        defer { fixture.remove() }
        try await fixture.deployer.deploy(fixture.plan(release: 1), log: { _ in })
        try await fixture.supervising {
            let first = "app.v1.web.1"
            #expect(fixture.runtime.starts(of: first) == 1)

            fixture.runtime.exit(first)
            try await fixture.waitForEvent("web.1 exited; restarting in 10 ms (restart 1)")
            try await fixture.waitForEvent("web.1 restarted at")
            #expect(fixture.runtime.starts(of: first) == 2)
            #expect(fixture.router.backends(of: "app") == [first])

            fixture.runtime.exit(first)
            try await fixture.waitForEvent("web.1 exited; restarting in 20 ms (restart 2)")
            try await fixture.waitForEvent("web.1 restarted at", count: 2)
            #expect(fixture.runtime.starts(of: first) == 3)
            #expect(await fixture.deployer.processes(of: try AppName("app")).map(\.restarts) == [2])
        }
    }

    @Test func aCrashedProcessIsRestartedWhenTheClockReachesItsBackoffAndNotBefore() async throws {
        let clock = ManualClock()
        let fixture = try SupervisionFixture(clock: clock, backoff: { Deployer.backoff(restarts: $0) })
        defer { fixture.remove() }
        try await fixture.deployer.deploy(fixture.plan(release: 1), log: { _ in })
        try await fixture.supervising {
            let web = "app.v1.web.1"
            // gantryd's own schedule, 1 s, 2 s, 4 s … 30 s, by a clock that moves only when told.
            for (restart, seconds) in [1, 2, 4, 8, 16, 30, 30].enumerated().map({ ($0 + 1, $1) }) {
                fixture.runtime.exit(web)
                try await fixture.waitForEvent("web.1 exited; restarting in \(seconds) s (restart \(restart))")
                try await clock.waitForSleepers(1)
                clock.advance(by: .seconds(seconds) - .milliseconds(1))
                try await Task.sleep(for: .milliseconds(50))
                #expect(fixture.runtime.starts(of: web) == restart, "restarted \(restart) before its \(seconds) s")
                #expect(fixture.router.backends(of: "app") == [])
                clock.advance(by: .milliseconds(1))
                try await fixture.waitForEvent("web.1 restarted at", count: restart)
                #expect(fixture.runtime.starts(of: web) == restart + 1)
                #expect(fixture.router.backends(of: "app") == [web])
            }
        }
    }

    @Test func aRestartedProcessThatFailsItsHealthCheckBacksOffFurther() async throws {
        let fixture = try SupervisionFixture()
        defer { fixture.remove() }
        try await fixture.deployer.deploy(fixture.plan(release: 1), log: { _ in })
        try await fixture.supervising {
            fixture.health.healthy.withLock { $0 = false }

            fixture.runtime.exit("app.v1.web.1")
            try await fixture.waitForEvent("web.1 failed its health check after its restart")
            try await fixture.waitForEvent("web.1 exited; restarting in 20 ms (restart 2)")
            #expect(fixture.router.backends(of: "app") == [])  // never routed while unhealthy
            fixture.health.healthy.withLock { $0 = true }
            try await fixture.waitForEvent("web.1 restarted at")
            #expect(fixture.router.backends(of: "app") == ["app.v1.web.1"])
        }
    }

    @Test func aProcessThatExitsAtOnceEveryTimeIsHeldBackByTheBackoff() async throws {
        let fixture = try SupervisionFixture(backoffCap: 80)
        defer { fixture.remove() }
        try await fixture.deployer.deploy(fixture.plan(release: 1), log: { _ in })
        fixture.runtime.exitsAtOnce.withLock { $0 = true }
        try await fixture.supervising {
            fixture.runtime.exit("app.v1.web.1")
            try await fixture.waitForEvent("restarting in 80 ms")
            // From then on 80 ms between starts: at most some 13 in a second (fewer on a busy
            // machine), not thousands.
            let before = fixture.runtime.starts(of: "app.v1.web.1")
            try await Task.sleep(for: .seconds(1))
            let starts = fixture.runtime.starts(of: "app.v1.web.1") - before
            #expect((1...14).contains(starts), "\(starts) starts in 1 s")
        }
    }

    @Test func aProcessScaledAwayOrReplacedIsNotRestarted() async throws {
        let fixture = try SupervisionFixture()
        defer { fixture.remove() }
        try await fixture.deployer.deploy(fixture.plan(release: 1), log: { _ in })
        try await fixture.supervising {
            try await fixture.deployer.deploy(fixture.plan(release: 2), log: { _ in })
            try await Task.sleep(for: .milliseconds(100))  // the old one retires in the background
            #expect(fixture.runtime.starts(of: "app.v1.web.1") == 1)
            #expect(!fixture.events().contains("exited"))
            #expect(fixture.router.backends(of: "app") == ["app.v2.web.1"])
        }
    }

    @Test func restoreAdoptsWhatRunsStartsWhatIsMissingAndRemovesTheRest() async throws {
        let fixture = try SupervisionFixture()
        defer { fixture.remove() }
        fixture.runtime.pretendRunning(["app.v3.web.1", "app.v2.web.1", "app.v3.worker.1-build"])
        var plan = fixture.plan(release: 3)
        plan.formation = ["web": 2]
        let report = await fixture.deployer.restore([plan])
        #expect(report.contains { $0.hasPrefix("adopted app.v3.web.1") })
        #expect(report.contains { $0.hasPrefix("started app.v3.web.2") })
        #expect(report.contains("removed app.v2.web.1"))
        #expect(report.contains("removed app.v3.worker.1-build"))
        #expect(fixture.runtime.starts(of: "app.v3.web.1") == 0)
        #expect(Set(fixture.runtime.running()) == ["app.v3.web.1", "app.v3.web.2"])
        #expect(Set(fixture.router.backends(of: "app")) == ["app.v3.web.1", "app.v3.web.2"])

        // Adopted processes are supervised like the others.
        try await fixture.supervising {
            fixture.runtime.exit("app.v3.web.1")
            try await fixture.waitForEvent("web.1 restarted at")
        }
    }
}

/// A deployer over `FakeRuntime`, a router that records routes and a health probe that answers
/// as told; backoff 10 ms, 20 ms, 40 ms … in a temp logs directory.
struct SupervisionFixture {
    let runtime = FakeRuntime()
    let router = RecordingRouter()
    let health = ToldHealth()
    let logs: String
    let deployer: Deployer

    /// - Parameters:
    ///   - backoffCap: the longest backoff, in milliseconds.
    ///   - clock: the deployer's clock (the system's by default).
    ///   - backoff: the backoff schedule, when not 10 ms, 20 ms … `backoffCap`.
    init(backoffCap: Int = 10_000, clock: any SupervisionClock = SystemClock(), backoff: (@Sendable (Int) -> Duration)? = nil) throws {
        logs = FileManager.default.temporaryDirectory.appendingPathComponent("gantry-supervision-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: logs, withIntermediateDirectories: true)
        deployer = Deployer(
            runtime: runtime, router: router, health: health, logsDirectory: logs, drainTimeout: .milliseconds(10), stopGrace: .zero,
            backoff: backoff ?? { .milliseconds(min(backoffCap, 10 << min($0 - 1, 10))) }, clock: clock)
    }

    func plan(release: Int) -> Deployer.Plan {
        Deployer.Plan(
            app: try! AppName("app"), release: release, layers: ["/nonexistent"], environment: [:], processTypes: ["web": "serve"],
            formation: ["web": 1])
    }

    func events() -> String { (try? String(contentsOfFile: logs + "/app/events.log", encoding: .utf8)) ?? "" }

    /// Waits up to 5 s until the app's event log holds `text` `count` times.
    func waitForEvent(_ text: String, count: Int = 1, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        for _ in 0..<500 {
            if events().components(separatedBy: text).count - 1 >= count { return }
            try await Task.sleep(for: .milliseconds(10))
        }
        Issue.record("no \"\(text)\" (×\(count)) in the events:\n\(events())", sourceLocation: sourceLocation)
    }

    /// Runs `body` while the deployer supervises, and returns once supervision has ended: a
    /// restart it was handling when cancelled would otherwise write to the logs after `remove`.
    func supervising(_ body: () async throws -> Void) async throws {
        let supervisor = Task { await deployer.supervise() }
        do { try await body() } catch {
            supervisor.cancel()
            await supervisor.value
            throw error
        }
        supervisor.cancel()
        await supervisor.value
    }

    func remove() { try? FileManager.default.removeItem(atPath: logs) }
}

/// A clock that moves only when told (`advance`); its sleepers wake when it passes their deadline.
final class ManualClock: SupervisionClock {
    private struct Sleeper {
        var deadline: ContinuousClock.Instant
        var continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var offset = Duration.zero
        var sleepers: [UUID: Sleeper] = [:]
    }

    private let start = ContinuousClock.now
    private let state = Mutex(State())

    var now: ContinuousClock.Instant { start + state.withLock { $0.offset } }

    func sleep(until deadline: ContinuousClock.Instant) async throws {
        let id = UUID()
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let due = state.withLock { state in
                    if Task.isCancelled || start + state.offset >= deadline { return true }
                    state.sleepers[id] = Sleeper(deadline: deadline, continuation: continuation)
                    return false
                }
                if due { continuation.resume() }
            }
        } onCancel: {
            state.withLock { $0.sleepers.removeValue(forKey: id) }?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Moves the clock on by `duration`, waking the sleepers whose deadline it reached.
    func advance(by duration: Duration) {
        let due = state.withLock { state in
            state.offset += duration
            let now = start + state.offset
            let due = state.sleepers.filter { $0.value.deadline <= now }
            for id in due.keys { state.sleepers[id] = nil }
            return due.values.map(\.continuation)
        }
        for continuation in due { continuation.resume() }
    }

    /// Waits up to 5 s until `count` tasks sleep on the clock.
    func waitForSleepers(_ count: Int) async throws {
        for _ in 0..<500 where state.withLock({ $0.sleepers.count }) < count {
            try await Task.sleep(for: .milliseconds(10))
        }
    }
}

/// Containers that are entries in a table: `exit` ends one, and whoever waits for it hears.
final class FakeRuntime: ContainerRuntime {
    private struct State {
        var running: Set<String> = []
        var known: Set<String> = []
        var starts: [String: Int] = [:]
        var layers: [String: [String]] = [:]
        var waiters: [String: [CheckedContinuation<Void, Never>]] = [:]
        var addresses = 0
        var moves: [String: [Bool]] = [:]
    }

    private let state = Mutex(State())
    /// Whether a started container's process has exited by the time `start` returns.
    let exitsAtOnce = Mutex(false)

    func pretendRunning(_ ids: [String]) {
        state.withLock { $0.running.formUnion(ids); $0.known.formUnion(ids) }
    }

    func exit(_ id: String) {
        let waiters = state.withLock { state in
            state.running.remove(id)
            return state.waiters.removeValue(forKey: id) ?? []
        }
        for waiter in waiters { waiter.resume() }
    }

    func starts(of id: String) -> Int { state.withLock { $0.starts[id] ?? 0 } }
    /// The layers `id` was last started on.
    func layers(of id: String) -> [String] { state.withLock { $0.layers[id] ?? [] } }
    func running() -> [String] { state.withLock { Array($0.running) } }
    /// What `setBackground` was told for `id`, in order.
    func backgroundMoves(of id: String) -> [Bool] { state.withLock { $0.moves[id] ?? [] } }

    func setBackground(_ id: String, _ background: Bool) async {
        state.withLock { $0.moves[id, default: []].append(background) }
    }

    func run(_ spec: ContainerSpec, timeout: Duration, output: @escaping @Sendable (String) -> Void) async throws(RuntimeError) -> GantryCore.ExitStatus {
        .exited(0)
    }

    func start(_ spec: ContainerSpec, logFile: String) async throws(RuntimeError) -> Endpoint {
        let exits = exitsAtOnce.withLock { $0 }
        let address = state.withLock { state in
            if !exits { state.running.insert(spec.id) }
            state.known.insert(spec.id)
            state.starts[spec.id, default: 0] += 1
            state.layers[spec.id] = spec.layers
            state.addresses += 1
            return state.addresses
        }
        return Endpoint(host: "10.0.0.\(address)", port: 5000)
    }

    func state(_ id: String) async -> ContainerState? {
        state.withLock { state in
            guard state.known.contains(id) else { return nil }
            return ContainerState(id: id, status: state.running.contains(id) ? .running : .stopped, pid: 1)
        }
    }

    func waitForExit(_ id: String) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let waiting = state.withLock { state in
                guard state.running.contains(id) else { return false }
                state.waiters[id, default: []].append(continuation)
                return true
            }
            if !waiting { continuation.resume() }
        }
    }

    func stop(_ id: String, grace: Duration) async {
        exit(id)
        state.withLock { _ = $0.known.remove(id) }
    }

    func containers() async -> [String] { state.withLock { $0.known.sorted() } }

    func endpoint(of id: String) async -> Endpoint? {
        state.withLock { $0.running.contains(id) } ? Endpoint(host: "10.0.9.9", port: 5000) : nil
    }

    func outOfMemoryKills(_ id: String) async -> Int { 0 }
}

final class RecordingRouter: TrafficRouter {
    private let routes = Mutex<[String: [String]]>([:])
    private let policies = Mutex<[String: HTTPSPolicy]>([:])

    func backends(of app: String) -> [String] { routes.withLock { $0[app] ?? [] } }
    func policy(of app: String) -> HTTPSPolicy? { policies.withLock { $0[app] } }
    func apply(_ policy: HTTPSPolicy, to app: AppName) async { policies.withLock { $0[app.rawValue] = policy } }
    func route(_ app: AppName, to backends: [WebBackend]) async { routes.withLock { $0[app.rawValue] = backends.map(\.id) } }
    func remove(_ app: AppName) async { routes.withLock { $0[app.rawValue] = nil } }
    func drain(_ backendID: String, timeout: Duration) async -> Int { 0 }
    func routeCanary(_ app: AppName, _ canary: CanaryRoute?) async { canaries.withLock { $0[app.rawValue] = canary } }
    func traffic(of app: AppName) async -> [Int: ReleaseTraffic] { told.withLock { $0[app.rawValue] ?? [:] } }

    private let canaries = Mutex<[String: CanaryRoute]>([:])
    /// What `traffic(of:)` answers, set by a test.
    let told = Mutex<[String: [Int: ReleaseTraffic]]>([:])
    func canary(of app: String) -> CanaryRoute? { canaries.withLock { $0[app] } }
}

final class ToldHealth: HealthProbe {
    let healthy = Mutex(true)
    /// When set, a check answers only once it opens.
    let gate = Mutex<Latch?>(nil)

    func waitUntilHealthy(host: String, port: Int, policy: HealthCheckPolicy, isRunning: @Sendable () async -> Bool) async -> HealthResult {
        if let gate = gate.withLock({ $0 }) { await gate.wait() }
        return healthy.withLock { $0 } ? .healthy(after: .milliseconds(1), attempts: 1) : .unhealthy(reason: "GET / answered 500", attempts: 1)
    }
}
