import GantryTerminal

/// One line of styled text, drawn clipped into a `Frame`.
struct StyledLine: Hashable, Sendable {
    var segments: [Segment]

    struct Segment: Hashable, Sendable {
        var text: String
        var style: TextStyle
    }

    init(_ segments: [Segment] = []) { self.segments = segments }

    init(_ text: String, _ style: TextStyle = .plain) { segments = [Segment(text: text, style: style)] }

    /// This line with `text` in `style` added at its end.
    func adding(_ text: String, _ style: TextStyle = .plain) -> StyledLine {
        StyledLine(segments + [Segment(text: text, style: style)])
    }

    /// The text without styles.
    var plain: String { segments.map(\.text).joined() }

    /// Draws the line at `row` of `frame`, from `area`'s first column, clipped to its width.
    func draw(in frame: inout Frame, row: Int, area: ScreenArea) {
        var column = area.column
        let end = area.column + area.width
        for segment in segments where column < end {
            column = frame.put(segment.text, row: row, column: column, limit: end - column, style: segment.style)
        }
    }
}

/// The styles `gantry history` uses.
enum HistoryStyle {
    static let title = TextStyle(bold: true, inverse: true)
    static let selected = TextStyle(inverse: true)
    static let label = TextStyle(bold: true)
    static let dim = TextStyle(dim: true)
    static let error = TextStyle(foreground: .red, bold: true)
    static let prompt = TextStyle(foreground: .yellow, bold: true)
    static let added = TextStyle(foreground: .green)
    static let removed = TextStyle(foreground: .red)
    static let changed = TextStyle(foreground: .yellow)
}
