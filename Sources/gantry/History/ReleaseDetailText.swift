import Foundation
import GantryClient
import GantryCore
import GantryTerminal

/// The lines of the detail pane for one release: what it is, who made it and how, the
/// commit, the build and its tests, the image, the config keys changed against the previous
/// release (values masked: they never leave gantryd), and the end of the build log.
enum ReleaseDetailText {
    /// What stands for every config value.
    static let mask = "•••••"

    /// The lines for `release`, with its `detail` when loaded (else `failure`, else a loading
    /// line), and at most `logLines` lines of the build log's end.
    static func lines(
        _ release: ReleaseSummary, detail: ReleaseDetail?, failure: String?, logLines: Int, now: Date
    ) -> [StyledLine] {
        var lines = [
            StyledLine("\(release.name)  ", HistoryStyle.label)
                .adding(ReleaseDisplay.oneLine(ReleaseDisplay.headline(release)))
                .adding("  " + release.status.rawValue, ReleaseRow.style(of: release.status))
                .adding(release.canary.map { "  " + $0.label } ?? "", ReleaseRow.style(of: release)),
            field("By", "\(release.createdBy) via \(release.origin.rawValue), \(Display.timestamp(release.createdAt, relativeTo: now))"),
        ]
        if let reason = release.failureReason {
            lines.append(StyledLine("Failure ", HistoryStyle.label).adding(ReleaseDisplay.oneLine(reason), HistoryStyle.error))
        }
        guard let detail else {
            lines.append(failure.map { StyledLine($0, HistoryStyle.error) } ?? StyledLine("Loading \(release.name)…", HistoryStyle.dim))
            return lines
        }
        lines.append(field("Commit", commit(release, detail.build)))
        lines.append(field("Build", build(detail.build)))
        lines.append(field("Tests", tests(detail.build)))
        if let phase = release.releasePhase { lines.append(field("Release", "command " + ReleaseDisplay.releasePhase(phase))) }
        lines.append(field("Image", release.imageDigest))
        lines.append(config(detail))
        if let canary = detail.release.canary ?? release.canary {
            lines.append(field("Canary", CanaryDisplay.state(canary) + (canary.analysis.map { "; \($0.summary)" } ?? "")))
            lines += CanaryDisplay.eventLines(canary.events).map { StyledLine("  " + $0, HistoryStyle.dim) }
        }
        if let log = detail.build?.log, logLines > 0 {
            let tail = log.split(separator: "\n", omittingEmptySubsequences: false)
                .map { TerminalText.plain($0) }
                .reversed().drop { $0.trimmingCharacters(in: .whitespaces).isEmpty }.reversed()
            lines.append(StyledLine("Build log (last lines)", HistoryStyle.label))
            lines += tail.suffix(logLines).map { StyledLine("  " + $0, HistoryStyle.dim) }
        }
        return lines
    }

    /// How many lines come before the log, for fitting the log's end into a pane.
    static func headerCount(_ release: ReleaseSummary, detail: ReleaseDetail?, failure: String?, now: Date) -> Int {
        lines(release, detail: detail, failure: failure, logLines: 0, now: now).count + 1
    }

    private static func field(_ label: String, _ value: String) -> StyledLine {
        StyledLine(label.padding(toLength: 8, withPad: " ", startingAt: 0), HistoryStyle.label).adding(value)
    }

    /// `5d6e7f8 Fix the login page — Alice`.
    private static func commit(_ release: ReleaseSummary, _ build: Build?) -> String {
        let id = (release.commit ?? build?.newCommit).map(\.short) ?? "unknown"
        guard let summary = build?.commitSummary else { return id }
        return "\(id) \(ReleaseDisplay.oneLine(summary.message)) — \(summary.author)"
    }

    /// `#4 python on heroku-22, built in 12.3 s`; for a release without a build (a rollback,
    /// a config change), that it reuses an earlier image.
    private static func build(_ build: Build?) -> String {
        guard let build else { return "none: this release reuses an earlier release's image" }
        var text = "#\(build.id) \(build.status.rawValue)"
        if let buildpack = build.buildpack { text += ", \(buildpack) buildpack" }
        if let seconds = build.buildSeconds { text += ", built in \(Display.seconds(seconds))" }
        return text
    }

    /// What the build's test stage came to.
    private static func tests(_ build: Build?) -> String {
        guard let build else { return "not run (no build)" }
        let took = build.testSeconds.map { " in \(Display.seconds($0))" } ?? ""
        switch build.status {
        case .built, .succeeded: return "passed" + took
        case .testFailed: return "failed" + took
        case .buildFailed: return "not run: the build failed"
        case .timedOut: return "timed out" + took
        case .failed: return "not run: Gantry failed"
        case .interrupted: return "interrupted: gantryd stopped"
        case .received, .building, .testing: return "running"
        }
    }

    /// `Config  + NEW=•••••  - OLD=•••••  ~ CHANGED=•••••`, against the previous release.
    private static func config(_ detail: ReleaseDetail) -> StyledLine {
        var line = StyledLine("Config  ", HistoryStyle.label)
        let changes = detail.configChanges
        guard let previous = detail.previous else { return line.adding("first release: \(keys(detail.release))") }
        guard !(changes.added + changes.removed + changes.changed).isEmpty else { return line.adding("unchanged since v\(previous)") }
        for (sign, keys, style) in [("+", changes.added, HistoryStyle.added), ("-", changes.removed, HistoryStyle.removed), ("~", changes.changed, HistoryStyle.changed)] {
            for key in keys { line = line.adding("\(sign) \(key)=\(mask)  ", style) }
        }
        return line
    }

    private static func keys(_ release: ReleaseSummary) -> String {
        release.configKeys.isEmpty ? "no config vars" : release.configKeys.map { "\($0)=\(mask)" }.joined(separator: " ")
    }
}
