import GantryCore
@testable import GantryStore
import Testing

@Suite("Apps")
struct AppTests {
    @Test
    func createdAppReadsBackIdentically() async throws {
        let store = try await blocking { try Store.temporary() }
        let created = try await store.createApp(Fixture.app("hello"))
        #expect(created.name == Fixture.app("hello"))
        #expect(try await store.app(Fixture.app("hello")) == created)
    }

    @Test
    func rejectsDuplicateApp() async throws {
        let store = try await blocking { try Store.temporary() }
        _ = try await store.createApp(Fixture.app("hello"))
        await #expect(throws: StoreError.appExists(Fixture.app("hello"))) {
            try await store.createApp(Fixture.app("hello"))
        }
        #expect(try await store.apps().count == 1)
    }

    @Test
    func concurrentCreatesOfOneNameLetExactlyOneWin() async throws {
        let store = try await blocking { try Store.temporary() }
        let outcomes = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<10 {
                group.addTask {
                    do throws(StoreError) {
                        _ = try await store.createApp(Fixture.app("hello"))
                        return true
                    } catch {
                        #expect(error == .appExists(Fixture.app("hello")))
                        return false
                    }
                }
            }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(outcomes.filter { $0 }.count == 1)
    }

    @Test
    func listsAppsSortedByName() async throws {
        let store = try await blocking { try Store.temporary() }
        for name in ["zeta", "alpha", "mid-2", "mid-10"] {
            _ = try await store.createApp(Fixture.app(name))
        }
        #expect(try await store.apps().map(\.name.rawValue) == ["alpha", "mid-10", "mid-2", "zeta"])
    }

    @Test
    func missingAppIsNotFound() async throws {
        let store = try await blocking { try Store.temporary() }
        await #expect(throws: StoreError.appNotFound(Fixture.app("ghost"))) {
            try await store.app(Fixture.app("ghost"))
        }
        await #expect(throws: StoreError.appNotFound(Fixture.app("ghost"))) {
            try await store.deleteApp(Fixture.app("ghost"))
        }
    }

    @Test
    func deletingAnAppRemovesItsBuildsOnly() async throws {
        let store = try await blocking { try Store.temporary() }
        let doomed = Fixture.app("doomed")
        let kept = Fixture.app("kept")
        _ = try await store.createApp(doomed)
        _ = try await store.createApp(kept)
        var doomedIDs: [Int64] = []
        for commit in [Fixture.first, Fixture.second] {
            let id = try await store.recordBuild(
                app: doomed, ref: Fixture.main, oldCommit: .zero, newCommit: commit, status: .received).id
            try await store.appendBuildLog(id: id, "-----> doomed\n")
            doomedIDs.append(id)
        }
        let keptBuild = try await store.recordBuild(
            app: kept, ref: Fixture.main, oldCommit: .zero, newCommit: Fixture.first, status: .received)
        try await store.appendBuildLog(id: keptBuild.id, "-----> kept\n")

        try await store.deleteApp(doomed)

        #expect(try await store.apps().map(\.name) == [kept])
        #expect(try await store.rowCount("builds") == 1)
        #expect(try await store.rowCount("build_log_chunks") == 1)
        #expect(try await store.build(app: kept, id: keptBuild.id).log == "-----> kept\n")
        #expect(try await store.builds(app: kept).map(\.id) == [keptBuild.id])
        await #expect(throws: StoreError.appNotFound(doomed)) {
            try await store.builds(app: doomed)
        }
        // A new app of the same name starts empty, and build ids are never reused.
        _ = try await store.createApp(doomed)
        #expect(try await store.builds(app: doomed).isEmpty)
        let next = try await store.recordBuild(
            app: doomed, ref: Fixture.main, oldCommit: .zero, newCommit: Fixture.first, status: .received)
        #expect(next.id > keptBuild.id && !doomedIDs.contains(next.id))
    }
}
