/// The eight ANSI colours.
public enum TerminalColor: UInt8, Hashable, Sendable {
    case black = 0, red, green, yellow, blue, magenta, cyan, white
}

/// How a cell is drawn: colour and attributes.
public struct TextStyle: Hashable, Sendable {
    /// The text's colour; `nil` for the terminal's own.
    public var foreground: TerminalColor?
    /// Bold, faint and reverse video (SGR 1, 2, 7).
    public var bold: Bool
    public var dim: Bool
    public var inverse: Bool

    /// A style; the default is the terminal's own.
    public init(foreground: TerminalColor? = nil, bold: Bool = false, dim: Bool = false, inverse: Bool = false) {
        self.foreground = foreground
        self.bold = bold
        self.dim = dim
        self.inverse = inverse
    }

    /// The terminal's default colours, no attributes.
    public static let plain = TextStyle()
}

/// One screenful: `height` rows of `width` cells, drawn off screen and written whole by
/// `FrameWriter`. Text is clipped at the edge of the area it is put in, never wrapped; a wide
/// character that would straddle the edge becomes a space.
public struct Frame: Sendable, Equatable {
    /// One column of a row.
    public struct Cell: Hashable, Sendable {
        /// What the cell shows; empty for the right half of a wide character.
        public var text: String
        /// How it is drawn.
        public var style: TextStyle

        static let blank = Cell(text: " ", style: .plain)
    }

    /// Columns and rows.
    public let width: Int
    public let height: Int
    /// Row after row, `width` cells each.
    public private(set) var cells: [Cell]

    /// A blank frame of `width` × `height` cells (at least 1 × 1).
    public init(width: Int, height: Int) {
        self.width = max(1, width)
        self.height = max(1, height)
        cells = Array(repeating: .blank, count: self.width * self.height)
    }

    /// Row `row` as plain text, wide characters once, trailing spaces kept.
    public func line(_ row: Int) -> String {
        cells[(row * width)..<((row + 1) * width)].map(\.text).joined()
    }

    /// Every row as plain text, for tests and non-colour output.
    public var lines: [String] { (0..<height).map(line) }

    /// The cell at `row`, `column`.
    public subscript(row: Int, column: Int) -> Cell { cells[row * width + column] }

    /// Puts `text` at `row`, `column` in `style`, clipped to `limit` columns (default: to the
    /// right edge). Control characters show as spaces. Rows and columns outside the frame are
    /// ignored.
    /// - Returns: the column after the last one written.
    @discardableResult
    public mutating func put(_ text: some StringProtocol, row: Int, column: Int, limit: Int? = nil, style: TextStyle = .plain) -> Int {
        guard (0..<height).contains(row), column >= 0 else { return column }
        let end = min(width, limit.map { column + max(0, $0) } ?? width)
        var x = column
        for character in text {
            let shown = character.isNewline || character == "\t" ? " " : character
            let columns = DisplayWidth.of(shown)
            if columns == 0 {
                if character.unicodeScalars.first.map({ $0.value < 0x20 || $0.value == 0x7f }) == true, x < end {
                    set(row, x, Cell(text: " ", style: style))
                    x += 1
                }
                continue
            }
            guard x + columns <= end else {
                if x < end {
                    set(row, x, Cell(text: " ", style: style))
                    x += 1
                }
                break
            }
            set(row, x, Cell(text: String(shown), style: style), columns: columns)
            x += columns
        }
        return x
    }

    /// Paints `count` columns of `row` from `column` as spaces in `style` (a bar, a selection).
    public mutating func fill(row: Int, column: Int = 0, count: Int? = nil, style: TextStyle) {
        guard (0..<height).contains(row) else { return }
        let end = min(width, count.map { column + $0 } ?? width)
        for x in max(0, column)..<max(max(0, column), end) { set(row, x, Cell(text: " ", style: style)) }
    }

    /// Changes the style of `count` columns of `row` from `column`, keeping their text.
    public mutating func restyle(row: Int, column: Int = 0, count: Int? = nil, _ change: (inout TextStyle) -> Void) {
        guard (0..<height).contains(row) else { return }
        let end = min(width, count.map { column + $0 } ?? width)
        for x in max(0, column)..<max(max(0, column), end) { change(&cells[row * width + x].style) }
    }

    /// Puts `cell` at `row`, `column`, and its right half after it when it is `columns` wide.
    /// A wide character of which this overwrites one half loses the other half too.
    private mutating func set(_ row: Int, _ column: Int, _ cell: Cell, columns: Int = 1) {
        let base = row * width
        let covered = column..<(column + columns)
        for x in covered {
            if cells[base + x].text.isEmpty, x - 1 >= 0, !covered.contains(x - 1) {
                cells[base + x - 1].text = " "
            }
            if DisplayWidth.of(cells[base + x].text) == 2, x + 1 < width, !covered.contains(x + 1) {
                cells[base + x + 1].text = " "
            }
        }
        cells[base + column] = cell
        if columns == 2 { cells[base + column + 1] = Cell(text: "", style: cell.style) }
    }
}
