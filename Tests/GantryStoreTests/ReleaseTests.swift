import Foundation
import GantryCore
@testable import GantryStore
import Testing

extension Fixture {
    /// A config var value no output may ever show.
    static let secret = "postgres://admin:hunter2-SECRET@db/hello"

    /// Records a pending release of `app` with the fixture's image, config and processes.
    static func release(
        _ store: Store, app: AppName, buildID: Int64? = nil, digest: Character = "c",
        commit: ObjectID? = Fixture.first, config: [String: String] = ["DATABASE_URL": secret, "DEBUG": "1"],
        processTypes: [String: String] = ["web": "gunicorn app:app", "worker": "python worker.py"],
        description: String = "Deploy aaaaaaa"
    ) async throws -> Release {
        try await store.createRelease(
            app: app, buildID: buildID, imageTag: "\(app):\(digest)", imageDigest: Fixture.digest(digest),
            commit: commit, config: config, processTypes: processTypes, description: description,
            createdBy: "alice")
    }
}

@Suite("Releases")
struct ReleaseTests {
    let store: Store
    let app = Fixture.app("hello")

    init() async throws {
        store = try await blocking { try Store.temporary() }
        _ = try await store.createApp(app)
    }

    private func release(app: AppName? = nil, digest: Character = "c") async throws -> Release {
        try await Fixture.release(store, app: app ?? self.app, digest: digest)
    }

    /// The versions of `app`'s releases in each status.
    private func statuses(app: AppName? = nil) async throws -> [ReleaseStatus: [Int]] {
        let releases = try await store.releases(app: app ?? self.app, limit: 1000)
        return Dictionary(grouping: releases, by: \.status).mapValues { $0.map(\.version).sorted() }
    }

    @Test
    func createdReleaseIsPendingAndReadsBackIdentically() async throws {
        let build = try await store.recordBuild(
            app: app, ref: Fixture.main, oldCommit: .zero, newCommit: Fixture.first, status: .built)
        let release = try await Fixture.release(store, app: app, buildID: build.id)
        #expect(release.app == app)
        #expect(release.version == 1 && release.name == "v1")
        #expect(release.buildID == build.id)
        #expect(release.imageTag == "hello:c")
        #expect(release.imageDigest == Fixture.digest("c"))
        #expect(release.commit == Fixture.first)
        #expect(release.config == ["DATABASE_URL": Fixture.secret, "DEBUG": "1"])
        #expect(release.configKeys == ["DATABASE_URL", "DEBUG"])
        #expect(release.processTypes == ["web": "gunicorn app:app", "worker": "python worker.py"])
        #expect(release.description == "Deploy aaaaaaa")
        #expect(release.createdBy == "alice" && release.origin == .push)
        #expect(release.status == .pending && release.failureReason == nil)
        #expect(try await store.release(app: app, version: 1) == release)
        #expect(try await store.releases(app: app) == [release])
        #expect(try await store.currentRelease(app: app) == nil)
    }

    @Test(arguments: ReleaseOrigin.allCases)
    func everyOriginIsStoredAndReadBack(origin: ReleaseOrigin) async throws {
        let release = try await store.createRelease(
            app: app, buildID: nil, imageTag: "hello:c", imageDigest: Fixture.digest("c"), commit: nil, config: [:],
            processTypes: [:], description: "Rollback to v1", createdBy: "bob", origin: origin)
        #expect(try await store.release(app: app, version: release.version).origin == origin)
    }

    @Test
    func aBuildKeepsItsCommitSummary() async throws {
        let summary = CommitSummary(message: "fix login", author: "Alice Liddell")
        let build = try await store.recordBuild(
            app: app, ref: Fixture.main, oldCommit: .zero, newCommit: Fixture.first, status: .building, commit: summary)
        #expect(build.commitSummary == summary)
        #expect(try await store.build(app: app, id: build.id).commitSummary == summary)
    }

    @Test
    func optionalFieldsAndEmptySnapshotsRoundTrip() async throws {
        let release = try await Fixture.release(store, app: app, commit: nil, config: [:], processTypes: [:])
        #expect(release.buildID == nil && release.commit == nil)
        #expect(release.config.isEmpty && release.processTypes.isEmpty)
        #expect(try await store.release(app: app, version: 1) == release)
    }

    @Test
    func aPushedImagesReferenceIsStoredAndReadBack() async throws {
        let reference = "127.0.0.1:5000/hello@" + Fixture.digest("c")
        let pushed = try await store.createRelease(
            app: app, buildID: nil, imageTag: "hello:c", imageDigest: Fixture.digest("c"), imageReference: reference, commit: nil,
            config: [:], processTypes: [:], description: "Deploy aaaaaaa", createdBy: "bob")
        #expect(pushed.imageReference == reference && pushed.summary.imageReference == reference)
        #expect(try await store.release(app: app, version: pushed.version).imageReference == reference)
        #expect(try await release().imageReference == nil)
    }

    @Test
    func aReferenceThatNamesNoDigestIsRefused() async throws {
        await #expect(throws: StoreError.self) {
            try await store.createRelease(
                app: app, buildID: nil, imageTag: "hello:c", imageDigest: Fixture.digest("c"), imageReference: "127.0.0.1:5000/hello:v1",
                commit: nil, config: [:], processTypes: [:], description: "Deploy aaaaaaa", createdBy: "bob")
        }
        #expect(try await store.releases(app: app).isEmpty)
    }

    @Test
    func versionsIncrementPerApp() async throws {
        let other = Fixture.app("other")
        _ = try await store.createApp(other)
        #expect(try await release().version == 1)
        #expect(try await release().version == 2)
        #expect(try await release(app: other).version == 1)
        #expect(try await release().version == 3)
        #expect(try await release(app: other).version == 2)
        #expect(try await store.releases(app: app).map(\.version) == [3, 2, 1])
        #expect(try await store.releases(app: other).map(\.version) == [2, 1])
    }

    @Test
    func concurrentCreatesGetDistinctConsecutiveVersions() async throws {
        let store = self.store, app = self.app
        let versions = try await withThrowingTaskGroup(of: Int.self) { group in
            for index in 0..<40 {
                group.addTask { try await Fixture.release(store, app: app, description: "Deploy \(index)").version }
            }
            return try await group.reduce(into: [Int]()) { $0.append($1) }
        }
        #expect(versions.sorted() == Array(1...40))
        #expect(Set(try await store.releases(app: app, limit: 100).map(\.id)).count == 40)
    }

    @Test
    func markReleaseLiveSupersedesTheLiveOne() async throws {
        let v1 = try await release(), v2 = try await release(), v3 = try await release()
        #expect(try await store.markReleaseLive(id: v1.id) == nil)
        #expect(try await store.currentRelease(app: app)?.version == 1)

        let superseded = try #require(try await store.markReleaseLive(id: v2.id))
        #expect(superseded.version == 1 && superseded.status == .superseded)
        #expect(try await store.currentRelease(app: app)?.id == v2.id)
        #expect(try await statuses() == [.superseded: [1], .live: [2], .pending: [3]])

        // Again: the live release stays live, nothing else changes.
        #expect(try await store.markReleaseLive(id: v2.id) == nil)
        #expect(try await statuses() == [.superseded: [1], .live: [2], .pending: [3]])

        try await store.markReleaseLive(id: v3.id)
        #expect(try await statuses() == [.superseded: [1, 2], .live: [3]])
        var expected = v3
        expected.status = .live
        #expect(try await store.currentRelease(app: app) == expected)
    }

    @Test
    func liveReleasesOfOtherAppsAreUntouched() async throws {
        let other = Fixture.app("other")
        _ = try await store.createApp(other)
        let theirs = try await release(app: other)
        try await store.markReleaseLive(id: theirs.id)
        try await store.markReleaseLive(id: try await release().id)
        try await store.markReleaseLive(id: try await release().id)
        #expect(try await statuses(app: other) == [.live: [1]])
        #expect(try await statuses() == [.superseded: [1], .live: [2]])
    }

    @Test
    func supersededAndFailedReleasesCannotBecomeLive() async throws {
        let v1 = try await release(), v2 = try await release(), v3 = try await release()
        try await store.markReleaseLive(id: v1.id)
        try await store.markReleaseLive(id: v2.id)
        try await store.markReleaseFailed(id: v3.id, reason: "web.1 never answered on its PORT")
        await #expect(throws: StoreError.releaseStatusConflict(app, version: 1, status: .superseded, requested: .live)) {
            try await store.markReleaseLive(id: v1.id)
        }
        await #expect(throws: StoreError.releaseStatusConflict(app, version: 3, status: .failed, requested: .live)) {
            try await store.markReleaseLive(id: v3.id)
        }
        #expect(try await statuses() == [.superseded: [1], .live: [2], .failed: [3]])
    }

    @Test
    func failedReleasesNeverBecomeCurrent() async throws {
        #expect(try await store.currentRelease(app: app) == nil)
        let v1 = try await release()
        try await store.markReleaseFailed(id: v1.id, reason: "health check: GET / answered 500")
        #expect(try await store.currentRelease(app: app) == nil)
        #expect(try await store.liveReleases().isEmpty)

        let v2 = try await release()
        try await store.markReleaseLive(id: v2.id)
        let v3 = try await release()
        try await store.markReleaseFailed(id: v3.id, reason: "first reason")
        try await store.markReleaseFailed(id: v3.id, reason: "web.1 crashed at boot")
        #expect(try await store.currentRelease(app: app)?.version == 2)

        let failed = try await store.release(app: app, version: 3)
        #expect(failed.status == .failed && failed.failureReason == "web.1 crashed at boot")
        #expect(try await store.release(app: app, version: 1).failureReason == "health check: GET / answered 500")
        #expect(try await store.release(app: app, version: 2).failureReason == nil)
    }

    @Test
    func liveAndSupersededReleasesCannotFail() async throws {
        let v1 = try await release(), v2 = try await release()
        try await store.markReleaseLive(id: v1.id)
        try await store.markReleaseLive(id: v2.id)
        await #expect(throws: StoreError.releaseStatusConflict(app, version: 2, status: .live, requested: .failed)) {
            try await store.markReleaseFailed(id: v2.id, reason: "too late")
        }
        await #expect(throws: StoreError.releaseStatusConflict(app, version: 1, status: .superseded, requested: .failed)) {
            try await store.markReleaseFailed(id: v1.id, reason: "too late")
        }
        #expect(try await statuses() == [.superseded: [1], .live: [2]])
        #expect(try await store.release(app: app, version: 2).failureReason == nil)
    }

    @Test
    func theSchemaAllowsOneLiveReleasePerApp() async throws {
        let v1 = try await release(), v2 = try await release()
        try await store.markReleaseLive(id: v1.id)
        // Neither an update nor an insert by hand makes a second live release.
        await #expect {
            try await store.execute(sql: "UPDATE releases SET status = 'live' WHERE id = \(v2.id)")
        } throws: { error in
            "\(error)".contains("UNIQUE constraint failed: releases.app_id")
        }
        await #expect {
            try await store.execute(sql: """
                INSERT INTO releases (app_id, version, image_tag, image_digest, config_json, process_types_json,
                    description, created_by, created_at, status)
                SELECT app_id, 99, image_tag, image_digest, config_json, process_types_json,
                    'by hand', 'mallory', created_at, 'live' FROM releases WHERE id = \(v1.id)
                """)
        } throws: { error in
            "\(error)".contains("UNIQUE constraint failed: releases.app_id")
        }
        #expect(try await statuses() == [.live: [1], .pending: [2]])
        // Other apps have their own live release; other statuses are not limited.
        let other = Fixture.app("other")
        _ = try await store.createApp(other)
        try await store.markReleaseLive(id: try await release(app: other).id)
        try await store.execute(sql: "UPDATE releases SET status = 'superseded' WHERE id = \(v2.id)")
        #expect(try await store.liveReleases().map(\.app) == [app, other])
    }

    @Test
    func concurrentFlipsLeaveExactlyOneLiveRelease() async throws {
        let store = self.store, app = self.app
        var ids: [Int64] = []
        for _ in 0..<20 { ids.append(try await release().id) }
        try await store.markReleaseLive(id: ids[0])
        let flips = ids.dropFirst()

        // Readers run while the flips commit: every snapshot has exactly one live release.
        let done = ManagedAtomicFlag()
        let reader = Task {
            var counts: [Int] = []
            while !done.isSet {
                counts.append(try await store.strings(sql: "SELECT COUNT(*) FROM releases WHERE status = 'live'")
                    .compactMap { $0.flatMap(Int.init) }.first ?? -1)
            }
            return counts
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for id in flips { group.addTask { try await store.markReleaseLive(id: id) } }
            try await group.waitForAll()
        }
        done.set()
        let counts = try await reader.value
        #expect(!counts.isEmpty && counts.allSatisfy { $0 == 1 })

        let final = try await statuses()
        #expect(final[.live]?.count == 1)
        #expect(final[.superseded]?.count == 19)
        #expect(try await store.currentRelease(app: app)?.version == final[.live]?.first)
    }

    @Test
    func pagesGoNewestFirst() async throws {
        for _ in 0..<25 { _ = try await release() }
        let other = Fixture.app("other")
        _ = try await store.createApp(other)
        _ = try await release(app: other)

        var pages: [[Int]] = []
        var before: Int? = nil
        while true {
            let page = try await store.releases(app: app, limit: 10, before: before).map(\.version)
            if page.isEmpty { break }
            pages.append(page)
            before = page.last
        }
        #expect(pages == [Array((16...25).reversed()), Array((6...15).reversed()), Array((1...5).reversed())])
        #expect(try await store.releases(app: app, limit: 3, before: 1).isEmpty)
        #expect(try await store.releases(app: app, limit: 3, before: 1000).map(\.version) == [25, 24, 23])
        #expect(try await store.releases(app: app, limit: 0).isEmpty)
        #expect(try await store.releases(app: app).count == 25)
    }

    @Test
    func releaseIsFoundOnlyUnderItsOwnApp() async throws {
        _ = try await release()
        let other = Fixture.app("other")
        _ = try await store.createApp(other)
        await #expect(throws: StoreError.releaseNotFound(other, version: 1)) {
            try await store.release(app: other, version: 1)
        }
        await #expect(throws: StoreError.releaseNotFound(app, version: 2)) {
            try await store.release(app: app, version: 2)
        }
        let ghost = Fixture.app("ghost")
        await #expect(throws: StoreError.appNotFound(ghost)) { try await store.release(app: ghost, version: 1) }
        await #expect(throws: StoreError.appNotFound(ghost)) { try await store.releases(app: ghost) }
        await #expect(throws: StoreError.appNotFound(ghost)) { try await store.currentRelease(app: ghost) }
        await #expect(throws: StoreError.appNotFound(ghost)) { try await Fixture.release(store, app: ghost) }
    }

    @Test
    func missingReleaseIDsFail() async throws {
        await #expect {
            try await store.markReleaseLive(id: 9999)
        } throws: { error in
            "\(error)".contains("cannot make live release 9999: no such release")
        }
        await #expect {
            try await store.markReleaseFailed(id: 9999, reason: "gone")
        } throws: { error in
            "\(error)".contains("cannot mark failed release 9999: no such release")
        }
    }

    @Test
    func liveReleasesListsEveryAppsCurrentRelease() async throws {
        let apps = ["zeta", "alpha", "mid"].map(Fixture.app)
        for name in apps { _ = try await store.createApp(name) }
        try await store.markReleaseLive(id: try await release(app: apps[0]).id)
        try await store.markReleaseLive(id: try await release(app: apps[0], digest: "d").id)
        try await store.markReleaseLive(id: try await release(app: apps[1]).id)
        _ = try await release(app: apps[2])
        _ = try await release()

        let live = try await store.liveReleases()
        #expect(live.map(\.app.rawValue) == ["alpha", "zeta"])
        #expect(live.map(\.version) == [1, 2])
        #expect(live[1].imageDigest == Fixture.digest("d"))
        #expect(live.allSatisfy { $0.status == .live && $0.config["DATABASE_URL"] == Fixture.secret })
        #expect(live[1] == (try await store.currentRelease(app: apps[0])))
    }

    @Test
    func buildMustBelongToTheApp() async throws {
        let other = Fixture.app("other")
        _ = try await store.createApp(other)
        let theirs = try await store.recordBuild(
            app: other, ref: Fixture.main, oldCommit: .zero, newCommit: Fixture.first, status: .built)
        await #expect(throws: StoreError.buildNotFound(app, theirs.id)) {
            try await Fixture.release(store, app: app, buildID: theirs.id)
        }
        await #expect(throws: StoreError.buildNotFound(app, 9999)) {
            try await Fixture.release(store, app: app, buildID: 9999)
        }
        #expect(try await store.rowCount("releases") == 0)
    }

    @Test
    func deletingABuildKeepsItsReleases() async throws {
        let build = try await store.recordBuild(
            app: app, ref: Fixture.main, oldCommit: .zero, newCommit: Fixture.first, status: .built)
        let release = try await Fixture.release(store, app: app, buildID: build.id)
        try await store.execute(sql: "DELETE FROM builds WHERE id = \(build.id)")
        var expected = release
        expected.buildID = nil
        #expect(try await store.release(app: app, version: 1) == expected)
    }

    @Test
    func deletingAnAppRemovesItsReleasesAndFormationOnly() async throws {
        let doomed = Fixture.app("doomed")
        _ = try await store.createApp(doomed)
        var doomedIDs: [Int64] = []
        for _ in 0..<3 { doomedIDs.append(try await release(app: doomed).id) }
        try await store.markReleaseLive(id: doomedIDs[1])
        try await store.setFormation(app: doomed, ["web": 2])
        let kept = try await release()
        try await store.markReleaseLive(id: kept.id)
        try await store.setFormation(app: app, ["web": 1, "worker": 3])

        try await store.deleteApp(doomed)
        #expect(try await store.rowCount("releases") == 1)
        #expect(try await store.rowCount("formation") == 2)
        #expect(try await store.liveReleases().map(\.app) == [app])
        #expect(try await store.formation(app: app) == ["web": 1, "worker": 3])

        // A new app of the same name starts at v1 with no formation; release ids are not reused.
        _ = try await store.createApp(doomed)
        #expect(try await store.releases(app: doomed).isEmpty)
        #expect(try await store.formation(app: doomed).isEmpty)
        let next = try await release(app: doomed)
        #expect(next.version == 1)
        #expect(next.id > kept.id && !doomedIDs.contains(next.id))
    }

    @Test
    func createReleaseRejectsInvalidSnapshotsAndWritesNothing() async throws {
        await #expect(throws: StoreError.invalidConfig(.key(InvalidConfigKey(key: "1ABC", problem: .characters)))) {
            try await Fixture.release(store, app: app, config: ["1ABC": "x"])
        }
        await #expect(throws: StoreError.invalidFormation(.processType("web.1"))) {
            try await Fixture.release(store, app: app, processTypes: ["web.1": "gunicorn"])
        }
        for digest in ["sha256:abc", "sha512:" + String(repeating: "a", count: 64), Fixture.digest("A")] {
            await #expect {
                try await store.createRelease(
                    app: app, buildID: nil, imageTag: "hello:1", imageDigest: digest, commit: nil, config: [:],
                    processTypes: [:], description: "Deploy", createdBy: "alice")
            } throws: { error in
                "\(error)".contains("CHECK constraint failed")
            }
        }
        await #expect {
            try await store.createRelease(
                app: app, buildID: nil, imageTag: "", imageDigest: Fixture.digest("c"), commit: nil, config: [:],
                processTypes: [:], description: "Deploy", createdBy: "alice")
        } throws: { error in
            "\(error)".contains("CHECK constraint failed")
        }
        #expect(try await store.rowCount("releases") == 0)
        #expect(try await release().version == 1)
    }

    @Test
    func schemaRejectsMalformedReleaseRows() async throws {
        let v1 = try await release()
        let assignments = [
            "commit_id = 'abc'", "commit_id = '\(String(repeating: "A", count: 40))'",
            "status = 'deployed'", "status = 'failed'", "failure_reason = 'why'",
            "config_json = 'not json'", "config_json = '[1]'", "process_types_json = '\"web\"'",
            "version = 0", "image_digest = NULL", "description = NULL", "created_by = NULL",
        ]
        for assignment in assignments {
            await #expect {
                try await store.execute(sql: "UPDATE releases SET \(assignment) WHERE id = \(v1.id)")
            } throws: { error in
                let message = "\(error)"
                return message.contains("constraint failed") || message.contains("malformed JSON")
            }
        }
        #expect(try await store.release(app: app, version: 1) == v1)
        // The reason goes with the status.
        try await store.execute(sql: "UPDATE releases SET status = 'failed', failure_reason = 'why' WHERE id = \(v1.id)")
        #expect(try await store.release(app: app, version: 1).failureReason == "why")
    }

    @Test
    func schemaAcceptsEveryReleaseStatus() async throws {
        // Fails when ReleaseStatus gains a case without a migration widening the CHECK constraint.
        let v1 = try await release()
        for status in ReleaseStatus.allCases {
            let reason = status == .failed ? "'why'" : "NULL"
            try await store.execute(sql: "UPDATE releases SET status = '\(status.rawValue)', failure_reason = \(reason) WHERE id = \(v1.id)")
            #expect(try await store.release(app: app, version: 1).status == status)
        }
    }

    @Test
    func configValuesAreStoredForTheDeployer() async throws {
        let config = ["DATABASE_URL": Fixture.secret, "QUOTE": #"it's "quoted" \ back/slash"#, "EMPTY": "", "NL": "a\nb"]
        let release = try await Fixture.release(store, app: app, config: config)
        #expect(release.config == config)
        #expect(try await store.release(app: app, version: 1).config == config)
        // The snapshot is the value given, not the app's config vars at the time.
        #expect(try await store.config(app: app).isEmpty)
    }
}

/// A flag set once, read from other tasks.
final class ManagedAtomicFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    var isSet: Bool { lock.withLock { value } }
    func set() { lock.withLock { value = true } }
}
