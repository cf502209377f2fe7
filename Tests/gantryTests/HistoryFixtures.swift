import Foundation
import GantryCore
import GantryTerminal
@testable import gantry

/// Releases and details as gantryd would answer, for driving `HistoryModel`.
enum HistoryFixtures {
    static let now = Date(timeIntervalSince1970: 1_700_000_000)
    static let classic = TerminalSize.classic

    /// Release `version` made `minutesAgo` before `now`; v`newest` is live, the rest superseded.
    static func release(_ version: Int, newest: Int, description: String? = nil, by author: String = "alice") -> ReleaseSummary {
        ReleaseSummary(
            id: Int64(version), app: try! AppName("hello"), version: version, buildID: Int64(version),
            imageTag: "hello:\(version)", imageDigest: "sha256:" + String(repeating: "4b", count: 32),
            commit: try! ObjectID(String(repeating: "5d6e7f80", count: 5)), configKeys: ["DEBUG"],
            processTypes: ["web": "gunicorn app:app"], description: description ?? "Deploy 5d6e7f8",
            createdBy: author, origin: .push, createdAt: now - Double(newest - version + 1) * 60,
            status: version == newest ? .live : .superseded)
    }

    /// The page gantryd answers for `before` and `limit` when the app has `count` releases.
    static func page(before: Int?, limit: Int, count: Int) -> [ReleaseSummary] {
        let start = min(count, (before ?? count + 1) - 1)
        guard start >= 1 else { return [] }
        return (max(1, start - limit + 1)...start).reversed().map { release($0, newest: count) }
    }

    /// The detail of `release`: a built, tested push with a log, DEBUG added.
    static func detail(_ release: ReleaseSummary) -> ReleaseDetail {
        let build = Build(
            id: Int64(release.version), app: release.app, ref: try! RefName("refs/heads/main"), oldCommit: .zero,
            newCommit: release.commit!, status: .built, createdAt: release.createdAt, finishedAt: release.createdAt,
            log: (1...40).map { "-----> log line \($0)" }.joined(separator: "\n") + "\n",
            buildpack: "python", imageDigest: release.imageDigest, buildSeconds: 12.34, testSeconds: 3.21,
            commitSummary: CommitSummary(message: "Fix the login page", author: "Alice Liddell"))
        return ReleaseDetail(
            release: release, build: build, previous: release.version > 1 ? release.version - 1 : nil,
            configChanges: ConfigDiff(added: ["DEBUG"], changed: ["DATABASE_URL"]))
    }
}

extension HistoryModel {
    /// Carries out `effects` the way `HistorySession` does, against an app with `count`
    /// releases, answering at once, until nothing more is asked; rollbacks are not answered.
    mutating func settle(_ effects: [Effect], count: Int) {
        var pending = effects
        while !pending.isEmpty {
            let effect = pending.removeFirst()
            switch effect {
            case .loadPage(let before, let limit):
                pending += pageLoaded(before: before, limit: limit, HistoryFixtures.page(before: before, limit: limit, count: count))
            case .loadDetail(let version):
                pending += detailLoaded(HistoryFixtures.detail(HistoryFixtures.release(version, newest: count)))
            case .rollback, .quit:
                break
            }
        }
    }

    /// A model of `count` releases at `size`, first page and first detail loaded.
    static func loaded(count: Int, size: TerminalSize = HistoryFixtures.classic) -> HistoryModel {
        var model = HistoryModel(app: "hello", size: size)
        model.settle(model.start(), count: count)
        return model
    }

    /// Presses `keys` in order, settling each answer.
    mutating func type(_ keys: [Key], count: Int) {
        for key in keys { settle(press(key), count: count) }
    }
}
