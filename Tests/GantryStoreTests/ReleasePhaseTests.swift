import Foundation
import GantryCore
@testable import GantryStore
import Testing

/// Release commands are kept with their release: outcome and duration in listings, the kept
/// output in one release's details; one that a stopped gantryd left running is interrupted.
@Suite struct ReleasePhaseStoreTests {
    let store: Store
    let app = Fixture.app("hello")

    init() async throws {
        store = try await blocking { try Store.temporary() }
        _ = try await store.createApp(app)
    }

    @Test func aFinishedReleaseCommandIsListedWithoutItsOutputAndShownWithIt() async throws {
        let release = try await Fixture.release(store, app: app)
        try await store.startReleasePhase(releaseID: release.id)
        #expect(try await store.release(app: app, version: release.version).releasePhase == ReleasePhase(status: .running, output: []))
        let phase = ReleasePhase(status: .failed, outcome: "exit status 4", seconds: 1.5, output: ["migrating", "", "boom"], droppedLines: 7)
        try await store.finishReleasePhase(releaseID: release.id, phase)

        #expect(try await store.release(app: app, version: release.version).releasePhase == phase)
        var listed = phase
        listed.output = nil
        #expect(try await store.releases(app: app).map(\.releasePhase) == [listed])
        let other = try await Fixture.release(store, app: app, digest: "e")
        #expect(try await store.release(app: app, version: other.version).releasePhase == nil, "no release command, no phase")
    }

    @Test func aReleaseCommandLeftRunningIsInterruptedAtTheNextStart() async throws {
        let release = try await Fixture.release(store, app: app)
        try await store.startReleasePhase(releaseID: release.id)

        _ = try await store.reconcileInFlight()

        let after = try await store.release(app: app, version: release.version)
        #expect(after.status == .failed)
        #expect(after.releasePhase?.status == .interrupted && after.releasePhase?.outcome == "gantryd stopped while it ran")
    }
}
