import Foundation
import GantryCore
import GRDB

/// Release commands (`ReleasePhase`): one row per release whose Procfile has one, kept with
/// the release.
extension Store {
    /// Records that release `releaseID`'s release command started.
    /// - Throws: `StoreError.database` when SQLite fails or there is no such release.
    public func startReleasePhase(releaseID: Int64, at now: Date = Date()) async throws(StoreError) {
        try await write("record the start of release \(releaseID)'s release command") { db in
            try db.execute(
                sql: "INSERT OR REPLACE INTO release_phases (release_id, status, started_at) VALUES (?, 'running', ?)",
                arguments: [releaseID, StoredTime.text(now)])
        }
    }

    /// Records how release `releaseID`'s release command ended, with its kept output.
    /// - Throws: `StoreError.database` when SQLite fails.
    public func finishReleasePhase(releaseID: Int64, _ phase: ReleasePhase) async throws(StoreError) {
        try await write("record how release \(releaseID)'s release command ended") { db in
            try db.execute(
                sql: "UPDATE release_phases SET status = ?, outcome = ?, seconds = ?, output = ?, dropped_lines = ? WHERE release_id = ?",
                arguments: [
                    phase.status.rawValue, phase.outcome, phase.seconds, (phase.output ?? []).joined(separator: "\n"), phase.droppedLines,
                    releaseID,
                ])
        }
    }

    /// `releases` with their release commands: with their output, or without (listings).
    static func withReleasePhases(_ releases: [Release], output: Bool, in db: Database) throws -> [Release] {
        guard !releases.isEmpty else { return releases }
        var phases: [Int64: ReleasePhase] = [:]
        // The ids are integers from the database, never text from a user.
        let rows = try Row.fetchCursor(
            db,
            sql: """
                SELECT release_id, status, outcome, seconds, dropped_lines\(output ? ", output" : "")
                FROM release_phases WHERE release_id IN (\(releases.map { String($0.id) }.joined(separator: ",")))
                """)
        while let row = try rows.next() {
            let status = ReleasePhase.Status(rawValue: row["status"]) ?? .interrupted
            var lines: [String]?
            if output {
                let text: String = row["output"]
                lines = text.isEmpty ? [] : text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            }
            phases[row["release_id"]] = ReleasePhase(
                status: status, outcome: row["outcome"], seconds: row["seconds"], output: lines, droppedLines: row["dropped_lines"])
        }
        return releases.map { release in
            var release = release
            release.releasePhase = phases[release.id]
            return release
        }
    }
}
