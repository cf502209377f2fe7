import Foundation
import GantryCore
import GantryTerminal

/// How `gantry releases` and `gantry releases:info` print releases. Config values never reach
/// the CLI: a `ReleaseSummary` carries the keys only.
public enum ReleaseDisplay {
    /// The most characters of a description or failure reason a listing shows.
    static let maximumCellLength = 60

    /// Heroku's layout, newest first, columns aligned, no trailing spaces:
    ///
    /// ```
    /// === hello Releases - Current: v12
    /// v12  Deploy 5d6e7f8  alice  3 minutes ago  live
    /// v11  Deploy 1a2b3c4  alice  1 hour ago     failed (health check: GET / answered 500)
    /// v10  Deploy 0f9e8d7  bob    2 days ago
    /// ```
    ///
    /// The status is shown unless it is `superseded`; a failure with the first line of its reason.
    public static func table(app: String, releases: [ReleaseSummary], relativeTo now: Date = Date()) -> String {
        let current = releases.first { $0.status == .live }.map { " - Current: \($0.name)" } ?? ""
        let rows = releases.map { release in
            [release.name, shortened(headline(release)), release.createdBy,
             RelativeTime.describe(release.createdAt, relativeTo: now), status(release)]
        }
        return "=== \(app) Releases\(current)\n" + aligned(rows)
    }

    /// The description, with the commit's message for a deploy: `Deploy 5d6e7f8 "fix login"`.
    public static func headline(_ release: ReleaseSummary) -> String {
        guard release.origin == .push || release.origin == .webhook, let message = release.commitMessage, !message.isEmpty else {
            return release.description
        }
        return "\(release.description) \"\(oneLine(message))\""
    }

    /// The status column: empty for `superseded`, `failed (REASON)` for a failure; for a
    /// release that ran as a canary, its label while it runs (`canary 10%`), once aborted
    /// (`canary aborted`) or once promoted (`live (canary)`, then `canary promoted`).
    public static func status(_ release: ReleaseSummary) -> String {
        if let canary = release.canary {
            guard canary.state == .promoted else { return canary.label }
            return release.status == .live ? "live (canary)" : canary.label
        }
        return switch release.status {
        case .superseded: ""
        case .live, .pending: release.status.rawValue
        case .failed: release.failureReason.map { "failed (\(shortened($0)))" } ?? "failed"
        }
    }

    /// `gantry releases:info`: every field, config keys without values, process types.
    public static func info(_ detail: ReleaseDetail, relativeTo now: Date = Date()) -> String {
        let release = detail.release
        var fields: [(label: String, value: String)] = [
            ("Status", release.status.rawValue),
            ("Description", release.description),
            ("By", "\(release.createdBy) (\(release.origin.rawValue))"),
            ("Created", Display.timestamp(release.createdAt, relativeTo: now)),
        ]
        if let reason = release.failureReason { fields.append(("Failure", oneLine(reason))) }
        if let phase = release.releasePhase { fields.append(("Release command", releasePhase(phase))) }
        fields.append(("Commit", release.commit?.hex ?? "unknown"))
        if let summary = detail.build?.commitSummary {
            fields.append(("Message", oneLine(summary.message)))
            fields.append(("Author", summary.author))
        }
        if let build = detail.build {
            fields.append(("Build", "\(build.id) (`gantry builds:info \(release.app) \(build.id)`)"))
            if let buildpack = build.buildpack { fields.append(("Buildpack", buildpack)) }
            let durations = [build.buildSeconds.map { "build \(Display.seconds($0))" }, build.testSeconds.map { "tests \(Display.seconds($0))" }]
                .compactMap { $0 }
            if !durations.isEmpty { fields.append(("Durations", durations.joined(separator: ", "))) }
        } else if let build = release.buildID {
            fields.append(("Build", "\(build)"))
        }
        fields.append(("Image", release.imageTag))
        fields.append(("Digest", release.imageDigest))
        fields.append(("Config keys", release.configKeys.isEmpty ? "none" : release.configKeys.joined(separator: ", ")))
        if let previous = detail.previous {
            fields.append(("Config diff", "\(configChanges(detail.configChanges)) (vs v\(previous))"))
        }
        var text = "=== \(release.app) \(release.name)\n" + TextTable.fields(fields)
        if !release.processTypes.isEmpty {
            let processes = release.processTypes.sorted { $0.key < $1.key }.map { (label: $0.key, value: $0.value) }
            text += "\n\n=== Process types\n" + TextTable.fields(processes)
        }
        if let canary = release.canary {
            text += "\n\n=== Canary\n" + CanaryDisplay.info(canary, relativeTo: now)
        }
        if let phase = release.releasePhase, let output = releasePhaseOutput(phase) {
            text += "\n\n=== Release command output\n" + output
        }
        return text
    }

    /// `succeeded (exit status 0) in 2.3 s`, `running`.
    public static func releasePhase(_ phase: ReleasePhase) -> String {
        var text = phase.status.rawValue
        if let outcome = phase.outcome, phase.status != .succeeded || outcome != "exit status 0" { text += " (\(oneLine(outcome)))" }
        if let seconds = phase.seconds { text += " in \(Display.seconds(seconds))" }
        return text
    }

    /// What `rollback` and `config:set` print after the release they made: its release
    /// command's outcome and output; `nil` when it has none.
    public static func releasePhaseReport(_ release: ReleaseSummary) -> String? {
        guard let phase = release.releasePhase else { return nil }
        let output = releasePhaseOutput(phase).map { "\n" + $0.split(separator: "\n", omittingEmptySubsequences: false).map { "  " + $0 }.joined(separator: "\n") }
        return "Release command \(releasePhase(phase))" + (output ?? "")
    }

    /// The kept lines of its output, and how many more it wrote; `nil` when there are none.
    public static func releasePhaseOutput(_ phase: ReleasePhase) -> String? {
        var lines = (phase.output ?? []).map { TerminalText.plain($0) }
        if phase.droppedLines > 0 { lines.append("… \(phase.droppedLines) more line\(phase.droppedLines == 1 ? "" : "s") not kept") }
        return lines.isEmpty ? nil : lines.joined(separator: "\n")
    }

    /// `+NEW -OLD ~CHANGED`, or `unchanged`.
    public static func configChanges(_ diff: ConfigDiff) -> String {
        guard !diff.isEmpty else { return "unchanged" }
        return (diff.added.map { "+" + $0 } + diff.removed.map { "-" + $0 } + diff.changed.map { "~" + $0 }).joined(separator: " ")
    }

    /// Rows with every column but the last padded to its widest cell, separated by two
    /// spaces; empty trailing cells leave no trailing spaces.
    static func aligned(_ rows: [[String]]) -> String {
        let columns = rows.map(\.count).max() ?? 0
        var widths = [Int](repeating: 0, count: columns)
        for row in rows {
            for (index, cell) in row.enumerated() { widths[index] = max(widths[index], cell.count) }
        }
        return rows.map { row in
            var line = row.enumerated().map { index, cell in
                index == row.count - 1 ? cell : cell.padding(to: widths[index])
            }.joined(separator: "  ")
            while line.last == " " { line.removeLast() }
            return line
        }.joined(separator: "\n")
    }

    /// The first line of `text`, control characters as spaces.
    public static func oneLine(_ text: String) -> String {
        let first = text.split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
        let scalars = first.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7f ? " " : Character($0) }
        return String(scalars).trimmingCharacters(in: .whitespaces)
    }

    /// `oneLine(text)`, cut to `maximumCellLength` characters with `…`.
    static func shortened(_ text: String) -> String {
        let line = oneLine(text)
        return line.count > maximumCellLength ? line.prefix(maximumCellLength - 1) + "…" : line
    }
}
