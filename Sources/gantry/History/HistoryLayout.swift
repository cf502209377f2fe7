import GantryTerminal

/// A rectangle of the screen.
struct ScreenArea: Hashable, Sendable {
    var row: Int
    var column: Int
    var width: Int
    var height: Int
}

/// Where `gantry history` puts things: a title bar on the first row, a key help or prompt on
/// the last, and between them the list above the detail (below 120 columns) or beside it.
/// With `fullDetail` (Enter) the detail takes the whole body.
struct HistoryLayout: Hashable, Sendable {
    /// From this width on, list and detail sit side by side.
    static let sideBySideColumns = 120
    /// Below this height the detail pane is left out: the list alone is more useful.
    static let detailMinimumRows = 10

    let size: TerminalSize
    let fullDetail: Bool

    var sideBySide: Bool { size.columns >= Self.sideBySideColumns }

    /// The rows between the title and the key help.
    var bodyRows: Int { max(1, size.rows - 2) }

    /// The list, as browsing shows it (also while the detail is full screen: paging works on
    /// what the list would show).
    var list: ScreenArea {
        if sideBySide {
            return ScreenArea(row: 1, column: 0, width: min(72, size.columns * 45 / 100), height: bodyRows)
        }
        let height = size.rows < Self.detailMinimumRows ? bodyRows : max(3, bodyRows * 2 / 5)
        return ScreenArea(row: 1, column: 0, width: size.columns, height: height)
    }

    /// The line between list and detail (narrow) or the column between them (wide), a
    /// space away from each.
    var divider: ScreenArea? {
        if fullDetail || (!sideBySide && size.rows < Self.detailMinimumRows) { return nil }
        let list = list
        return sideBySide
            ? ScreenArea(row: 1, column: list.width + 1, width: 1, height: bodyRows)
            : ScreenArea(row: 1 + list.height, column: 0, width: size.columns, height: 1)
    }

    /// The detail of the selected release; `nil` when the screen is too small for one.
    var detail: ScreenArea? {
        if fullDetail { return ScreenArea(row: 1, column: 0, width: size.columns, height: bodyRows) }
        guard let divider else { return nil }
        if sideBySide {
            return ScreenArea(row: 1, column: divider.column + 2, width: max(1, size.columns - divider.column - 2), height: bodyRows)
        }
        return ScreenArea(row: divider.row + 1, column: 0, width: size.columns, height: max(1, bodyRows - list.height - 1))
    }

    var listRows: Int { list.height }
    var detailRows: Int { detail?.height ?? 0 }
}
