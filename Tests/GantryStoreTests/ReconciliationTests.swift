import Foundation
import GantryCore
@testable import GantryStore
import Testing

/// Issue 12: what a killed gantryd left in flight is settled at its next start, truthfully.
@Suite struct ReconciliationTests {
    let store: Store
    let app = Fixture.app("hello")

    init() async throws {
        store = try await blocking { try Store.temporary() }
        _ = try await store.createApp(app)
    }

    @Test func buildsInFlightBecomeInterruptedKeepingTheirLog() async throws {
        let building = try await store.recordBuild(app: app, ref: Fixture.main, oldCommit: .zero, newCommit: Fixture.first, status: .building)
        try await store.appendBuildLog(id: building.id, "-----> Building\n")
        let testing = try await store.recordBuild(app: app, ref: Fixture.main, oldCommit: .zero, newCommit: Fixture.second, status: .testing)
        let done = try await store.recordBuild(app: app, ref: Fixture.main, oldCommit: .zero, newCommit: Fixture.second, status: .testFailed)

        let result = try await store.reconcileInFlight()

        #expect(result.lines == ["build \(building.id) of hello: building → interrupted", "build \(testing.id) of hello: testing → interrupted"])
        let first = try await store.build(app: app, id: building.id)
        #expect(first.status == .interrupted && first.finishedAt != nil)
        #expect(first.failureReason == "interrupted: gantryd stopped during its build; the log so far is kept")
        #expect(first.log == "-----> Building\n-----> Interrupted: gantryd stopped during its build\n")
        #expect(try await store.build(app: app, id: testing.id).failureReason?.contains("during its tests") == true)
        #expect(try await store.build(app: app, id: done.id).status == .testFailed)
        #expect(try await store.reconcileInFlight().lines.isEmpty, "a second start finds nothing in flight")
    }

    @Test func pendingReleasesFailAsInterruptedAndLiveOnesAreListedWithTheirRef() async throws {
        let build = try await store.recordBuild(app: app, ref: Fixture.main, oldCommit: Fixture.first, newCommit: Fixture.second, status: .built)
        let live = try await Fixture.release(store, app: app, buildID: build.id, commit: Fixture.second)
        try await store.markReleaseLive(id: live.id)
        let pending = try await Fixture.release(store, app: app, digest: "d")

        let result = try await store.reconcileInFlight()

        #expect(result.lines == ["release v\(pending.version) of hello: pending → failed (interrupted)"])
        let releases = try await store.releases(app: app)
        #expect(releases.first { $0.version == pending.version }?.status == .failed)
        #expect(releases.first { $0.version == pending.version }?.failureReason?.hasPrefix("interrupted: gantryd stopped during its deploy") == true)
        #expect(result.liveBuilds == [.init(app: app, release: live.version, ref: Fixture.main, oldCommit: Fixture.first, newCommit: Fixture.second)])
    }

    @Test func aDeliveryWhoseReleaseWentLiveIsDeployedNotFailed() async throws {
        let (hook, _) = try await WebhookTests.makeHook(store, app: "hello")
        _ = try await store.recordDelivery(WebhookTests.delivery(hook, id: "went-live", after: Fixture.second))
        _ = try await store.recordDelivery(WebhookTests.delivery(hook, id: "cut", after: Fixture.first))
        let build = try await store.recordBuild(app: app, ref: Fixture.main, oldCommit: Fixture.first, newCommit: Fixture.second, status: .built)
        let release = try await store.createRelease(
            app: app, buildID: build.id, imageTag: "hello:e", imageDigest: Fixture.digest("e"), commit: Fixture.second, config: [:],
            processTypes: ["web": "x"], description: "Deploy", createdBy: "alice", origin: .webhook)
        try await store.markReleaseLive(id: release.id)

        let result = try await store.reconcileInFlight()

        #expect(Set(result.lines) == ["delivery went-live to hello: pending → deployed (its release went live)", "delivery cut to hello: pending → failed (interrupted)"])
        let byID = Dictionary(uniqueKeysWithValues: try await store.deliveries(app: app).map { ($0.deliveryID, $0) })
        #expect(byID["went-live"]?.status == .deployed && byID["went-live"]?.buildID == build.id)
        #expect(byID["cut"]?.status == .failed)
    }

    @Test func theInterruptedStatusIsStoredAndReadBack() async throws {
        let build = try await store.recordBuild(app: app, ref: Fixture.main, oldCommit: .zero, newCommit: Fixture.first, status: .building)
        try await store.finishBuild(id: build.id, status: .interrupted, failureReason: "interrupted")
        #expect(try await store.build(app: app, id: build.id).status == .interrupted)
    }
}
