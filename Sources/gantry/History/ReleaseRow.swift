import Foundation
import GantryClient
import GantryCore
import GantryTerminal

/// One row of the history list: `v12  Deploy 5d6e7f8  alice  3 minutes ago  live`, in
/// columns fitted to the rows shown and the list's width (author and age go first when it is
/// narrow; the description takes what is left).
struct ReleaseRow {
    /// The widths of the columns for `releases` in `width` columns.
    struct Columns {
        var version: Int
        var author: Int
        var age: Int
        var status: Int
        var description: Int
    }

    static let marker = "> "

    static func columns(for releases: [ReleaseSummary], width: Int, now: Date) -> Columns {
        let version = releases.map(\.name.count).max() ?? 2
        let status = releases.map { ReleaseDisplay.status($0).count }.max().map { min($0, 15) } ?? 0
        var author = min(12, releases.map(\.createdBy.count).max() ?? 0)
        var age = releases.map { RelativeTime.describe($0.createdAt, relativeTo: now).count }.max() ?? 0
        if width < 60 { author = 0 }
        if width < 45 { age = 0 }
        let gaps = [author, age, status].filter { $0 > 0 }.count * 2 + 2
        let description = max(4, width - marker.count - version - author - age - status - gaps)
        return Columns(version: version, author: author, age: age, status: status, description: description)
    }

    /// The row's cells, padded to `columns`.
    static func line(_ release: ReleaseSummary, columns: Columns, selected: Bool, now: Date) -> StyledLine {
        var line = StyledLine(selected ? marker : String(repeating: " ", count: marker.count))
        line = line.adding(cell(release.name, columns.version) + "  ", HistoryStyle.label)
        line = line.adding(cell(ReleaseDisplay.oneLine(ReleaseDisplay.headline(release)), columns.description) + "  ")
        if columns.author > 0 { line = line.adding(cell(release.createdBy, columns.author) + "  ", HistoryStyle.dim) }
        if columns.age > 0 { line = line.adding(cell(RelativeTime.describe(release.createdAt, relativeTo: now), columns.age) + "  ", HistoryStyle.dim) }
        if columns.status > 0 { line = line.adding(cell(ReleaseDisplay.status(release), columns.status), style(of: release)) }
        return line
    }

    /// The style of the release's status cell: a running canary yellow, an aborted one red,
    /// else as its status.
    static func style(of release: ReleaseSummary) -> TextStyle {
        switch release.canary?.state {
        case .running: TextStyle(foreground: .yellow, bold: true)
        case .aborted: TextStyle(foreground: .red)
        case .promoted, nil: style(of: release.status)
        }
    }

    /// Live green, failed red, pending yellow, superseded quiet.
    static func style(of status: ReleaseStatus) -> TextStyle {
        switch status {
        case .live: TextStyle(foreground: .green, bold: true)
        case .failed: TextStyle(foreground: .red)
        case .pending: TextStyle(foreground: .yellow)
        case .superseded: HistoryStyle.dim
        }
    }

    /// `text` cut to `width` display columns (with `…`) or padded to it.
    static func cell(_ text: String, _ width: Int) -> String {
        var result = ""
        var used = 0
        let total = DisplayWidth.of(text)
        for character in text {
            let columns = DisplayWidth.of(character)
            if total > width, used + columns > width - 1 {
                return result + "…" + String(repeating: " ", count: max(0, width - used - 1))
            }
            result.append(character)
            used += columns
        }
        return result + String(repeating: " ", count: max(0, width - used))
    }
}
