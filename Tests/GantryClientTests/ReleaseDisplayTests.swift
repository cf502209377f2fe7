import Foundation
import GantryCore
import Testing
@testable import GantryClient

@Suite("Release display")
struct ReleaseDisplayTests {
    static let now = Date(timeIntervalSince1970: 1_700_000_000)

    static func release(
        _ version: Int, _ description: String, by author: String = "alice", minutesAgo: Double,
        status: ReleaseStatus = .superseded, reason: String? = nil
    ) -> ReleaseSummary {
        ReleaseSummary(
            id: Int64(version + 100), app: try! AppName("hello"), version: version, buildID: Int64(version),
            imageTag: "hello:\(version)", imageDigest: "sha256:" + String(repeating: "4b", count: 32),
            commit: try! ObjectID(String(repeating: "5d6e7f80", count: 5)), configKeys: ["DATABASE_URL", "DEBUG"],
            processTypes: ["web": "gunicorn app:app", "worker": "python worker.py"], description: description,
            createdBy: author, createdAt: now - minutesAgo * 60, status: status, failureReason: reason)
    }

    @Test func tableIsNewestFirstWithStatusUnlessSuperseded() {
        let releases = [
            Self.release(13, "Deploy 9a8b7c6", minutesAgo: 1, status: .pending),
            Self.release(12, "Deploy 5d6e7f8", minutesAgo: 3, status: .live),
            Self.release(11, "Deploy 1a2b3c4", by: "bob", minutesAgo: 60, status: .failed,
                         reason: "health check: GET / answered 500\nlast log lines:\nTraceback"),
            Self.release(10, "Set DATABASE_URL, DEBUG config vars", minutesAgo: 2 * 1440),
        ]
        #expect(ReleaseDisplay.table(app: "hello", releases: releases, relativeTo: Self.now) == """
            === hello Releases - Current: v12
            v13  Deploy 9a8b7c6                       alice  1 minute ago   pending
            v12  Deploy 5d6e7f8                       alice  3 minutes ago  live
            v11  Deploy 1a2b3c4                       bob    1 hour ago     failed (health check: GET / answered 500)
            v10  Set DATABASE_URL, DEBUG config vars  alice  2 days ago
            """)
    }

    @Test func tableWithoutALiveReleaseNamesNoCurrentOne() {
        let table = ReleaseDisplay.table(
            app: "hello", releases: [Self.release(1, "Deploy 5d6e7f8", minutesAgo: 3, status: .failed)], relativeTo: Self.now)
        #expect(table == "=== hello Releases\nv1  Deploy 5d6e7f8  alice  3 minutes ago  failed")
    }

    @Test func longAndMultilineCellsAreShortened() {
        let long = String(repeating: "x", count: 100)
        let release = Self.release(2, "Deploy\tfix \(long)\nsecond line", minutesAgo: 3, status: .failed, reason: long)
        let line = ReleaseDisplay.table(app: "hello", releases: [release], relativeTo: Self.now)
            .split(separator: "\n")[1]
        #expect(line.hasPrefix("v2  Deploy fix xxx"))
        #expect(!line.contains("second line"))
        #expect(line.contains("…  alice  3 minutes ago  failed (xxx"))
        #expect(line.hasSuffix("x…)"))
        #expect(ReleaseDisplay.shortened(long).count == ReleaseDisplay.maximumCellLength)
    }

    @Test func infoShowsEveryFieldAndConfigKeysOnly() throws {
        let release = Self.release(11, "Deploy 5d6e7f8", minutesAgo: 3, status: .failed, reason: "web.1 crashed at boot\nmore")
        var build = Build(
            id: 11, app: try AppName("hello"), ref: try RefName("refs/heads/main"), oldCommit: .zero, newCommit: release.commit!,
            status: .built, createdAt: Self.now, buildpack: "python", buildSeconds: 2.46, testSeconds: 0.5)
        build.commitSummary = CommitSummary(message: "fix login", author: "Alice Liddell")
        let detail = ReleaseDetail(
            release: release, build: build, previous: 10, configChanges: ConfigDiff(added: ["DEBUG"], removed: ["OLD"], changed: ["DATABASE_URL"]))
        #expect(ReleaseDisplay.info(detail, relativeTo: Self.now) == """
            === hello v11
            Status:      failed
            Description: Deploy 5d6e7f8
            By:          alice (push)
            Created:     2023-11-14T22:10:20Z (3 minutes ago)
            Failure:     web.1 crashed at boot
            Commit:      5d6e7f805d6e7f805d6e7f805d6e7f805d6e7f80
            Message:     fix login
            Author:      Alice Liddell
            Build:       11 (`gantry builds:info hello 11`)
            Buildpack:   python
            Durations:   build 2.5 s, tests 0.5 s
            Image:       hello:11
            Digest:      sha256:4b4b4b4b4b4b4b4b4b4b4b4b4b4b4b4b4b4b4b4b4b4b4b4b4b4b4b4b4b4b4b4b
            Config keys: DATABASE_URL, DEBUG
            Config diff: +DEBUG -OLD ~DATABASE_URL (vs v10)

            === Process types
            web:    gunicorn app:app
            worker: python worker.py
            """)
    }

    @Test func infoOfAReleaseWithoutBuildCommitOrConfig() {
        var release = Self.release(3, "Rollback to v1", minutesAgo: 3, status: .live)
        release.buildID = nil
        release.commit = nil
        release.configKeys = []
        release.processTypes = [:]
        let info = ReleaseDisplay.info(ReleaseDetail(release: release, build: nil, previous: nil, configChanges: ConfigDiff()), relativeTo: Self.now)
        #expect(info.contains("Commit:      unknown\nImage:"))
        #expect(info.contains("Config keys: none"))
        #expect(!info.contains("Build:") && !info.contains("Process types"))
    }

    @Test func jsonListsConfigKeys() throws {
        let json = try Display.json([Self.release(12, "Deploy 5d6e7f8", minutesAgo: 3, status: .live)])
        #expect(json.contains(#""configKeys" : ["#))
        #expect(json.contains(#""status" : "live""#))
    }
}
