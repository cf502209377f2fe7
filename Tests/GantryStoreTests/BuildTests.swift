import Foundation
import GantryCore
@testable import GantryStore
import Testing

@Suite("Builds")
struct BuildTests {
    let store: Store
    let app = Fixture.app("hello")

    init() async throws {
        store = try await blocking { try Store.temporary() }
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

    @Test
    func appendsOfEmptyTextStoreNothing() async throws {
        let build = try await record(Fixture.first)
        try await store.appendBuildLog(id: build.id, "")
        #expect(try await store.rowCount("build_log_chunks") == 0)
        #expect(try await store.build(app: app, id: build.id).log == "")
    }

    @Test
    func manyAppendsReadBackInOrder() async throws {
        // Each append is a row: 2,000 of them take well under a second, and read back whole.
        let build = try await record(Fixture.first)
        var expected = ""
        for line in 0..<2000 {
            let text = "       line \(line) \(String(repeating: "x", count: line % 200))\n"
            try await store.appendBuildLog(id: build.id, text)
            expected += text
        }
        #expect(try await store.build(app: app, id: build.id).log == expected)
        #expect(try await store.rowCount("build_log_chunks") == 2000)
    }

    @Test
    func recordStagesWritesOnlyWhatItIsGiven() async throws {
        let build = try await record(Fixture.first)
        let other = try await record(Fixture.second)
        try await store.recordStages(id: build.id, buildpack: "python", stack: "bookworm")
        try await store.recordStages(id: build.id, imageDigest: Fixture.digest("c"), buildSeconds: 4.75)
        try await store.recordStages(id: build.id, testSeconds: 0)
        try await store.recordStages(id: build.id)

        var expected = build
        expected.buildpack = "python"
        expected.stack = "bookworm"
        expected.imageDigest = Fixture.digest("c")
        expected.buildSeconds = 4.75
        expected.testSeconds = 0
        #expect(try await store.build(app: app, id: build.id) == expected)
        expected.log = nil
        #expect(try await store.builds(app: app).last == expected)
        #expect(try await store.build(app: app, id: other.id) == other)

        // A later value replaces an earlier one; nil leaves it.
        try await store.recordStages(id: build.id, buildpack: "procfile", buildSeconds: 1.5)
        let stored = try await store.build(app: app, id: build.id)
        #expect(stored.buildpack == "procfile" && stored.stack == "bookworm" && stored.buildSeconds == 1.5)
    }

    @Test
    func recordStagesRejectsMalformedValuesAndWritesNothing() async throws {
        let build = try await record(Fixture.first)
        let malformed: [(String?, String?)] = [
            ("python", "sha256:abc"),
            ("python", "SHA256:" + String(repeating: "a", count: 64)),
            ("python", Fixture.digest("g")),
            ("", nil),
        ]
        for (buildpack, digest) in malformed {
            await #expect {
                try await store.recordStages(id: build.id, buildpack: buildpack, imageDigest: digest, buildSeconds: 1)
            } throws: { error in
                "\(error)".contains("CHECK constraint failed")
            }
        }
        #expect(try await store.build(app: app, id: build.id) == build)
    }

    @Test
    func finishBuildSetsStatusFinishTimeAndReason() async throws {
        let failed = try await record(Fixture.first)
        try await store.updateBuild(id: failed.id, status: .testing, finished: false)
        try await store.finishBuild(id: failed.id, status: .testFailed, failureReason: "`pytest` exited with status 1")
        var stored = try await store.build(app: app, id: failed.id)
        #expect(stored.status == .testFailed)
        #expect(stored.failureReason == "`pytest` exited with status 1")
        let finishedAt = try #require(stored.finishedAt)
        #expect(finishedAt >= failed.createdAt)

        let built = try await record(Fixture.second)
        try await store.recordStages(id: built.id, buildpack: "python", imageDigest: Fixture.digest("d"))
        try await store.finishBuild(id: built.id, status: .built, failureReason: nil)
        stored = try await store.build(app: app, id: built.id)
        #expect(stored.status == .built && stored.finishedAt != nil && stored.failureReason == nil)
        #expect(stored.imageDigest == Fixture.digest("d"))

        // Finishing again replaces the reason, including with none.
        try await store.finishBuild(id: failed.id, status: .failed, failureReason: nil)
        stored = try await store.build(app: app, id: failed.id)
        #expect(stored.status == .failed && stored.failureReason == nil)
    }

    @Test
    func stageUpdatesOfAMissingBuildFail() async throws {
        await #expect {
            try await store.finishBuild(id: 9999, status: .timedOut, failureReason: "compile took over 15 minutes")
        } throws: { error in
            "\(error)".contains("cannot finish build 9999: no such build")
        }
        await #expect {
            try await store.recordStages(id: 9999, buildpack: "python")
        } throws: { error in
            "\(error)".contains("no such build")
        }
        await #expect {
            try await store.recordStages(id: 9999)
        } throws: { error in
            "\(error)".contains("no such build")
        }
        await #expect {
            try await store.appendBuildLog(id: 9999, "")
        } throws: { error in
            "\(error)".contains("no such build")
        }
    }

    @Test
    func storedBuildRoundTripsThroughTheAPIsJSON() async throws {
        let build = try await record(Fixture.first)
        try await store.recordStages(
            id: build.id, buildpack: "nodejs", stack: "bookworm", imageDigest: Fixture.digest("e"),
            buildSeconds: 12.5, testSeconds: 3.25)
        try await store.finishBuild(id: build.id, status: .testFailed, failureReason: "tests failed")
        let stored = try await store.build(app: app, id: build.id)
        let json = String(decoding: try API.encoder().encode(stored), as: UTF8.self)
        for key in ["buildpack", "stack", "imageDigest", "buildSeconds", "testSeconds", "failureReason"] {
            #expect(json.contains("\"\(key)\":"))
        }
        #expect(json.contains(#""status":"test_failed""#))
        #expect(try API.decoder().decode(Build.self, from: Data(json.utf8)) == Self.truncatingDates(stored))

        // A build no stage has touched leaves the keys out, and older JSON without them decodes.
        let fresh = String(decoding: try API.encoder().encode(build), as: UTF8.self)
        #expect(!fresh.contains("buildpack") && !fresh.contains("failureReason"))
        #expect(try API.decoder().decode(Build.self, from: Data(fresh.utf8)) == Self.truncatingDates(build))
    }

    /// `build` as the API's JSON carries it: ISO 8601 dates, in whole seconds.
    private static func truncatingDates(_ build: Build) -> Build {
        func truncated(_ date: Date) -> Date { Date(timeIntervalSince1970: date.timeIntervalSince1970.rounded(.down)) }
        var build = build
        build.createdAt = truncated(build.createdAt)
        build.finishedAt = build.finishedAt.map(truncated)
        return build
    }

    @Test
    func finishedStatuses() {
        let finished = BuildStatus.allCases.filter(\.isFinished)
        #expect(finished == [.built, .succeeded, .buildFailed, .testFailed, .timedOut, .failed, .interrupted])
        #expect(BuildStatus.allCases.map(\.rawValue) == [
            "received", "building", "testing", "built", "succeeded", "build_failed", "test_failed",
            "timed_out", "failed", "interrupted",
        ])
    }
}
