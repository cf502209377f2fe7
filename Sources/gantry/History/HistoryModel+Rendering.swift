import Foundation
import GantryClient
import GantryCore
import GantryTerminal

extension HistoryModel {
    /// The whole screen at the current size, ages relative to `now`.
    func render(now: Date) -> Frame {
        var frame = Frame(width: size.columns, height: size.rows)
        let layout = layout
        drawTitle(in: &frame)
        if mode != .detail { drawList(in: &frame, area: layout.list, now: now) }
        if let divider = layout.divider { drawDivider(in: &frame, area: divider, sideBySide: layout.sideBySide) }
        if let area = layout.detail { drawDetail(in: &frame, area: area, now: now) }
        drawFooter(in: &frame)
        return frame
    }

    /// The most build log lines the full-screen detail shows.
    static let fullDetailLogLines = 1_000

    /// How far the full-screen detail scrolls: until its last line is at the bottom.
    var maximumDetailScroll: Int {
        guard let release = selectedRelease else { return 0 }
        let lines = ReleaseDetailText.lines(
            release, detail: details[release.version], failure: detailFailures[release.version],
            logLines: Self.fullDetailLogLines, now: Date())
        return max(0, lines.count - HistoryLayout(size: size, fullDetail: true).detailRows)
    }

    /// `gantry history hello · current v12 · 100 loaded …` on an inverted bar.
    private func drawTitle(in frame: inout Frame) {
        frame.fill(row: 0, style: HistoryStyle.title)
        var title = " \(app) releases"
        if let live = releases.first(where: { $0.status == .live }) { title += " · current \(live.name)" }
        title += " · \(releases.count)\(reachedEnd ? "" : "+") loaded"
        if !filter.isEmpty { title += " · \(matches.count) match \"\(filter)\"" }
        if pageInFlight != nil { title += " · loading…" }
        frame.put(title, row: 0, column: 0, style: HistoryStyle.title)
    }

    private func drawList(in frame: inout Frame, area: ScreenArea, now: Date) {
        guard !matches.isEmpty else {
            let text: String
            if pageInFlight != nil { text = "Loading releases…" }
            else if releases.isEmpty { text = "\(app) has no releases yet: push to deploy one." }
            else { text = "No release matches \"\(filter)\"; Esc clears the filter." }
            StyledLine("  " + text, HistoryStyle.dim).draw(in: &frame, row: area.row, area: area)
            return
        }
        let shown = Array(matches[top..<min(matches.count, top + area.height)]).map { releases[$0] }
        let columns = ReleaseRow.columns(for: shown, width: area.width, now: now)
        for (offset, release) in shown.enumerated() {
            let row = area.row + offset
            let isSelected = top + offset == selected
            ReleaseRow.line(release, columns: columns, selected: isSelected, now: now).draw(in: &frame, row: row, area: area)
            if isSelected { frame.restyle(row: row, column: area.column, count: area.width) { $0.inverse = true } }
        }
    }

    private func drawDivider(in frame: inout Frame, area: ScreenArea, sideBySide: Bool) {
        if sideBySide {
            for row in area.row..<(area.row + area.height) { frame.put("│", row: row, column: area.column, style: HistoryStyle.dim) }
        } else {
            frame.put(String(repeating: "─", count: area.width), row: area.row, column: 0, style: HistoryStyle.dim)
            if let release = selectedRelease {
                frame.put(" \(release.name) ", row: area.row, column: 2, style: HistoryStyle.label)
            }
        }
    }

    private func drawDetail(in frame: inout Frame, area: ScreenArea, now: Date) {
        guard let release = selectedRelease else { return }
        let detail = details[release.version]
        let failure = detailFailures[release.version]
        let logLines = mode == .detail
            ? Self.fullDetailLogLines
            : area.height - ReleaseDetailText.headerCount(release, detail: detail, failure: failure, now: now)
        let lines = ReleaseDetailText.lines(release, detail: detail, failure: failure, logLines: logLines, now: now)
        let scroll = min(detailScroll, max(0, lines.count - area.height))
        for (offset, line) in lines.dropFirst(scroll).prefix(area.height).enumerated() {
            line.draw(in: &frame, row: area.row + offset, area: area)
        }
    }

    /// The key help, or the filter being typed, the rollback question, what just happened.
    private func drawFooter(in frame: inout Frame) {
        let row = size.rows - 1
        guard row > 0 else { return }
        let line: StyledLine
        switch mode {
        case .filtering:
            line = StyledLine("/", HistoryStyle.prompt).adding(filter + "▏").adding("   Enter keeps  Esc clears", HistoryStyle.dim)
        case .confirmingRollback(let version):
            line = StyledLine("Roll back \(app) to v\(version)? [y/N] ", HistoryStyle.prompt)
        case .rollingBack(let version):
            line = StyledLine("Rolling back \(app) to v\(version)…", HistoryStyle.prompt)
        case .detail:
            line = notice.map(Self.noticeLine) ?? StyledLine("↑↓ scroll  Esc back  r roll back  q quit", HistoryStyle.dim)
        case .browsing:
            line = notice.map(Self.noticeLine)
                ?? StyledLine("↑↓ move  Enter detail  / filter  r roll back  q quit" + (filter.isEmpty ? "" : "  Esc clears filter"), HistoryStyle.dim)
        }
        line.draw(in: &frame, row: row, area: ScreenArea(row: row, column: 0, width: size.columns, height: 1))
    }

    private static func noticeLine(_ notice: Notice) -> StyledLine {
        StyledLine(ReleaseDisplay.oneLine(notice.text), notice.isError ? HistoryStyle.error : HistoryStyle.label)
    }
}
