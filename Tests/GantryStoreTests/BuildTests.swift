import GantryCore
@testable import GantryStore
import Testing

@Suite("Builds")
struct BuildTests {
    let store: Store
    let app = Fixture.app("hello")

    init() async throws {
        store = try Store.temporary()
        _ = try await store.createApp(app)
    }

    private func record(_ commit: ObjectID, app: AppName? = nil) async throws -> Build {
        try await store.recordBuild(
            app: app ?? self.app, ref: Fixture.main, oldCommit: .zero, newCommit: commit, status: .received)
    }

    @Test
    func recordedBuildReadsBackWithAnEmptyLog() async throws {
        let build = try await record(Fixture.first)
        #expect(build.app == app)
        #expect(build.ref == Fixture.main)
        #expect(build.oldCommit == .zero)
        #expect(build.newCommit == Fixture.first)
        #expect(build.status == .received)
        #expect(build.finishedAt == nil)
        #expect(build.log == "")
        #expect(try await store.build(app: app, id: build.id) == build)
    }

    @Test
    func listsBuildsNewestFirstWithoutLogs() async throws {
        var recorded: [Build] = []
        for digit in ["a", "b", "c"] as [Character] {
            let build = try await record(Fixture.commit(digit))
            try await store.appendBuildLog(id: build.id, "log of \(digit)\n")
            recorded.append(build)
        }
        let other = Fixture.app("other")
        _ = try await store.createApp(other)
        _ = try await record(Fixture.first, app: other)

        let listed = try await store.builds(app: app)
        #expect(listed.map(\.id) == recorded.reversed().map(\.id))
        #expect(listed.allSatisfy { $0.log == nil })
        var expected = recorded.reversed().map { build in
            var build = build
            build.log = nil
            return build
        }
        #expect(listed == expected)

        expected.removeLast()
        #expect(try await store.builds(app: app, limit: 2) == expected)
        #expect(try await store.builds(app: app, limit: 0).isEmpty)
    }

    @Test
    func appendBuildLogAppends() async throws {
        let build = try await record(Fixture.first)
        try await store.appendBuildLog(id: build.id, "-----> Python app detected\n")
        try await store.appendBuildLog(id: build.id, "       Installing requirements\n")
        try await store.appendBuildLog(id: build.id, "")
        #expect(try await store.build(app: app, id: build.id).log
            == "-----> Python app detected\n       Installing requirements\n")
    }

    @Test
    func concurrentAppendsAreAllKept() async throws {
        let build = try await record(Fixture.first)
        let store = self.store
        try await withThrowingTaskGroup(of: Void.self) { group in
            for line in 0..<50 {
                group.addTask { try await store.appendBuildLog(id: build.id, "line \(line)\n") }
            }
            try await group.waitForAll()
        }
        let log = try #require(try await store.build(app: app, id: build.id).log)
        let lines = log.split(separator: "\n")
        #expect(lines.count == 50)
        #expect(Set(lines).count == 50)
    }

    @Test
    func updateBuildSetsStatusAndFinishTime() async throws {
        let build = try await record(Fixture.first)
        try await store.updateBuild(id: build.id, status: .building, finished: false)
        var stored = try await store.build(app: app, id: build.id)
        #expect(stored.status == .building)
        #expect(stored.finishedAt == nil)

        try await store.updateBuild(id: build.id, status: .testFailed, finished: true)
        stored = try await store.build(app: app, id: build.id)
        #expect(stored.status == .testFailed)
        let finishedAt = try #require(stored.finishedAt)
        #expect(finishedAt >= build.createdAt)
        #expect(try await store.builds(app: app).first?.finishedAt == finishedAt)
    }

    @Test
    func buildOfMissingAppIsRejected() async throws {
        let ghost = Fixture.app("ghost")
        await #expect(throws: StoreError.appNotFound(ghost)) {
            try await record(Fixture.first, app: ghost)
        }
        await #expect(throws: StoreError.appNotFound(ghost)) {
            try await store.build(app: ghost, id: 1)
        }
        #expect(try await store.rowCount("builds") == 0)
    }

    @Test
    func buildIsFoundOnlyUnderItsOwnApp() async throws {
        let build = try await record(Fixture.first)
        let other = Fixture.app("other")
        _ = try await store.createApp(other)
        await #expect(throws: StoreError.buildNotFound(other, build.id)) {
            try await store.build(app: other, id: build.id)
        }
        await #expect(throws: StoreError.buildNotFound(app, 9999)) {
            try await store.build(app: app, id: 9999)
        }
    }

    @Test
    func updatingAMissingBuildFails() async throws {
        await #expect {
            try await store.updateBuild(id: 9999, status: .failed, finished: true)
        } throws: { error in
            "\(error)".contains("no such build")
        }
        await #expect {
            try await store.appendBuildLog(id: 9999, "lost\n")
        } throws: { error in
            "\(error)".contains("no such build")
        }
    }
}
