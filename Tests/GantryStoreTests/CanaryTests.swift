import Foundation
import GantryCore
@testable import GantryStore
import Testing

/// Issue 17: canaries are stored with their events; their end settles their release in the same
/// transaction; a stopped gantryd's running canary is aborted at its next start.
@Suite("Canaries")
struct CanaryTests {
    let store: Store
    let app = Fixture.app("hello")
    let started = Date(timeIntervalSince1970: 1_800_000_000)

    init() async throws {
        store = try await blocking { try Store.temporary() }
        _ = try await store.createApp(app)
    }

    /// A live v1 and a pending v2, the canary's.
    private func liveAndPending() async throws -> (live: Release, pending: Release) {
        let live = try await Fixture.release(store, app: app, digest: "c")
        try await store.markReleaseLive(id: live.id)
        let pending = try await Fixture.release(store, app: app, digest: "d")
        return (live, pending)
    }

    private func start(_ release: Release, stable: Int = 1, weight: Int = 10, analysis: CanaryAnalysis? = nil) async throws -> Canary {
        try await store.startCanary(releaseID: release.id, stable: stable, weight: weight, analysis: analysis, event: "started at \(weight)%", at: started)
    }

    private func status(_ version: Int) async throws -> Release {
        try await store.release(app: app, version: version)
    }

    @Test func startCanaryRecordsARunningCanaryWithItsFirstEvent() async throws {
        let (_, pending) = try await liveAndPending()
        let analysis = try CanaryAnalysis(steps: [5, 50], intervalSeconds: 30)
        let canary = try await start(pending, weight: 5, analysis: analysis)
        #expect(canary.app == app && canary.release == pending.version && canary.stable == 1)
        #expect(canary.weight == 5 && canary.analysis == analysis && canary.state == .running)
        #expect(canary.reason == nil && canary.finishedAt == nil && canary.startedAt == started)
        #expect(canary.events == [CanaryEvent(at: started, weight: 5, text: "started at 5%")])
        #expect(canary.label == "canary 5%")
        #expect(try await store.canary(app: app) == canary)
        #expect(try await status(pending.version).status == .pending, "its release stays pending while it runs")
    }

    @Test func aSecondRunningCanaryForTheSameAppIsRefusedAndTheFirstUntouched() async throws {
        let (_, pending) = try await liveAndPending()
        let first = try await start(pending)
        let other = try await Fixture.release(store, app: app, digest: "e")
        await #expect(throws: StoreError.self) { try await start(other, weight: 20) }
        #expect(try await store.canary(app: app) == first)
        #expect(try await store.rowCount("canaries") == 1)
        #expect(try await store.rowCount("canary_events") == 1)
        #expect(try await status(other.version).canary == nil)
    }

    @Test func aRunningCanaryDoesNotStopOtherAppsFromHavingOne() async throws {
        let (_, pending) = try await liveAndPending()
        _ = try await start(pending)
        let other = Fixture.app("other")
        _ = try await store.createApp(other)
        let release = try await Fixture.release(store, app: other)
        let canary = try await store.startCanary(releaseID: release.id, stable: 0, weight: 50, analysis: nil, event: "go")
        #expect(canary.app == other && canary.state == .running)
    }

    @Test func aCanaryOfNoReleaseIsRefused() async throws {
        await #expect(throws: StoreError.database("release 999 does not exist")) {
            try await store.startCanary(releaseID: 999, stable: 1, weight: 10, analysis: nil, event: "x")
        }
    }

    @Test func setCanaryWeightChangesTheWeightAndRecordsAnEvent() async throws {
        let (_, pending) = try await liveAndPending()
        let canary = try await start(pending)
        let later = started.addingTimeInterval(60)
        try await store.setCanaryWeight(id: canary.id, weight: 40, event: "weight 40% by alice", at: later)
        try await store.recordCanaryEvent(id: canary.id, "no canary requests", at: later.addingTimeInterval(1))
        let read = try #require(try await store.canary(app: app))
        #expect(read.weight == 40 && read.state == .running)
        #expect(read.events.map(\.text) == ["started at 10%", "weight 40% by alice", "no canary requests"])
        #expect(read.events.map(\.weight) == [10, 40, 40])
        #expect(read.events[1].at == later)
    }

    @Test func promotionMakesTheReleaseLiveAndTheOldOneSupersededInOneStep() async throws {
        let (live, pending) = try await liveAndPending()
        let canary = try await start(pending)
        let end = started.addingTimeInterval(300)
        let previous = try await store.finishCanary(id: canary.id, .promoted, reason: "promoted by alice", at: end)
        #expect(previous?.version == live.version && previous?.status == .superseded)
        #expect(try await status(pending.version).status == .live)
        #expect(try await status(live.version).status == .superseded)
        #expect(try await store.currentRelease(app: app)?.version == pending.version)
        let read = try #require(try await store.canary(app: app))
        #expect(read.state == .promoted && read.reason == "promoted by alice" && read.finishedAt == end)
        #expect(read.events.last == CanaryEvent(at: end, weight: 10, text: "promoted: promoted by alice"))
        #expect(read.label == "canary promoted")
    }

    @Test func abortMakesTheReleaseFailedWithACanaryReason() async throws {
        let (live, pending) = try await liveAndPending()
        let canary = try await start(pending)
        let previous = try await store.finishCanary(id: canary.id, .aborted, reason: "5xx rate 5.0% above 1.0%", at: started)
        #expect(previous == nil)
        let release = try await status(pending.version)
        #expect(release.status == .failed)
        #expect(release.failureReason == "canary aborted: 5xx rate 5.0% above 1.0%")
        #expect(try await status(live.version).status == .live, "live untouched")
        let read = try #require(release.canary)
        #expect(read.state == .aborted && read.reason == "5xx rate 5.0% above 1.0%" && read.finishedAt == started)
        #expect(read.events.last?.text == "aborted: 5xx rate 5.0% above 1.0%")
    }

    @Test func finishingAnAlreadyFinishedCanaryChangesNothing() async throws {
        let (live, pending) = try await liveAndPending()
        let canary = try await start(pending)
        try await store.finishCanary(id: canary.id, .aborted, reason: "by hand", at: started)
        let before = try await store.canary(app: app)
        #expect(try await store.finishCanary(id: canary.id, .promoted, reason: "too late", at: started.addingTimeInterval(5)) == nil)
        try await store.finishCanary(id: canary.id, .aborted, reason: "again", at: started.addingTimeInterval(5))
        #expect(try await store.canary(app: app) == before)
        #expect(try await status(pending.version).status == .failed)
        #expect(try await status(live.version).status == .live)
    }

    @Test func finishingACanaryThatDoesNotExistIsRefused() async throws {
        await #expect(throws: StoreError.database("canary 42 does not exist")) { try await store.finishCanary(id: 42, .aborted, reason: "x") }
    }

    @Test func listingsCarryTheCanaryWithoutEventsAndOneReleaseWithThem() async throws {
        let (live, pending) = try await liveAndPending()
        let canary = try await start(pending)
        try await store.setCanaryWeight(id: canary.id, weight: 30, event: "weight 30%")
        let listed = try await store.releases(app: app)
        let listedCanary = try #require(listed.first { $0.version == pending.version }?.canary)
        #expect(listedCanary.id == canary.id && listedCanary.weight == 30 && listedCanary.state == .running)
        #expect(listedCanary.events.isEmpty)
        #expect(listed.first { $0.version == live.version }?.canary == nil)
        let one = try await store.release(app: app, version: pending.version)
        #expect(one.canary?.events.map(\.text) == ["started at 10%", "weight 30%"])
    }

    @Test func canaryOfAnAppIsTheRunningOneBeforeOlderEndedOnes() async throws {
        #expect(try await store.canary(app: app) == nil)
        let (_, first) = try await liveAndPending()
        let firstCanary = try await start(first)
        try await store.finishCanary(id: firstCanary.id, .aborted, reason: "by hand")
        let second = try await Fixture.release(store, app: app, digest: "e")
        let secondCanary = try await start(second, weight: 20)
        try await store.finishCanary(id: secondCanary.id, .aborted, reason: "by hand")
        #expect(try await store.canary(app: app)?.id == secondCanary.id, "the last one when none runs")

        let third = try await Fixture.release(store, app: app, digest: "f")
        let running = try await start(third, weight: 30)
        let read = try #require(try await store.canary(app: app))
        #expect(read.id == running.id && read.state == .running)
        await #expect(throws: StoreError.appNotFound(Fixture.app("nope"))) { try await store.canary(app: Fixture.app("nope")) }
    }

    @Test func reconcileInFlightAbortsARunningCanaryAndFailsItsRelease() async throws {
        let (live, pending) = try await liveAndPending()
        let canary = try await start(pending, weight: 25)
        let now = started.addingTimeInterval(3600)

        let result = try await store.reconcileInFlight(at: now)

        #expect(result.lines == ["canary \(canary.id) of hello: running → aborted (interrupted)"])
        let release = try await status(pending.version)
        #expect(release.status == .failed)
        #expect(release.failureReason?.hasPrefix("canary aborted: interrupted: gantryd stopped") == true, "\(release.failureReason ?? "-")")
        let read = try #require(release.canary)
        #expect(read.state == .aborted && read.finishedAt == now && read.reason?.hasPrefix("interrupted") == true)
        #expect(read.events.last?.weight == 25 && read.events.last?.text.hasPrefix("aborted: interrupted") == true)
        #expect(try await status(live.version).status == .live)
        #expect(try await store.reconcileInFlight().lines.isEmpty, "a second start finds nothing in flight")
    }

    @Test func deletingTheAppDeletesItsCanariesAndTheirEvents() async throws {
        let (_, pending) = try await liveAndPending()
        let canary = try await start(pending)
        try await store.setCanaryWeight(id: canary.id, weight: 50, event: "weight 50%")
        try await store.deleteApp(app)
        #expect(try await store.rowCount("canaries") == 0)
        #expect(try await store.rowCount("canary_events") == 0)
        #expect(try await store.strings(sql: "PRAGMA foreign_key_check").isEmpty)
    }

    /// A database from before canaries (v15) gets the tables; its releases read without one and
    /// can then run as canaries.
    @Test(.scratchDirectory)
    func anOlderDatabaseGainsCanariesKeepingItsReleases() async throws {
        let old = try await blocking { [path = Fixture.databasePath] in try Store(path: path, migratingUpTo: "v15-maintenance") }
        _ = try await old.createApp(app)
        // Rows as a v15 gantryd wrote them (today's records name later columns).
        for (version, digest, status) in [(1, "c", "live"), (2, "d", "pending")] {
            try await old.execute(sql: """
                INSERT INTO releases (app_id, version, image_tag, image_digest, config_json, process_types_json, description,
                                      created_by, origin, created_at, status)
                VALUES (1, \(version), 'hello:\(digest)', '\(Fixture.digest(Character(digest)))', '{}', '{"web":"serve"}',
                        'Deploy aaaaaaa', 'alice', 'push', '2026-01-01 00:00:00.000', '\(status)')
                """)
        }
        try old.close()

        let store = try await blocking { [path = Fixture.databasePath] in try Store(path: path) }
        #expect(store.migrationsAppliedAtOpen == ["v16-canaries", "v17-image-references"])
        let releases = try await store.releases(app: app)
        #expect(releases.map(\.version) == [2, 1] && releases.allSatisfy { $0.canary == nil && $0.imageReference == nil })
        #expect(try await store.canary(app: app) == nil)
        let pending = releases[0]
        let canary = try await store.startCanary(releaseID: pending.id, stable: 1, weight: 10, analysis: nil, event: "started")
        #expect(try await store.release(app: app, version: pending.version).canary == canary)
        #expect(try await store.strings(sql: "PRAGMA integrity_check") == ["ok"])
    }
}
