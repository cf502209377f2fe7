/// The escape sequences a full-screen view uses, and the bytes of a whole `Frame`.
public enum FrameWriter {
    static let escape = "\u{1b}["
    /// Alternate screen on, cursor hidden, autowrap off, screen cleared.
    public static let enterFullScreen = "\u{1b}[?1049h\u{1b}[?25l\u{1b}[?7l\u{1b}[2J"
    /// Attributes reset, autowrap on, cursor shown, back to the main screen: what
    /// `TerminalSession` writes on every way out.
    public static let leaveFullScreen: StaticString = "\u{1b}[0m\u{1b}[?7h\u{1b}[?25h\u{1b}[?1049l"

    /// `frame` as one write: every row from its first column, styles switched only where
    /// they change, attributes reset at the end. Wide characters' right halves are skipped
    /// (the terminal advances two columns).
    public static func render(_ frame: Frame) -> String {
        var output = ""
        output.reserveCapacity(frame.width * frame.height + 16 * frame.height)
        for row in 0..<frame.height {
            output += "\(escape)\(row + 1);1H"
            var current: TextStyle? = nil
            for column in 0..<frame.width {
                let cell = frame[row, column]
                if cell.text.isEmpty { continue }
                if cell.style != current {
                    output += sgr(cell.style)
                    current = cell.style
                }
                output += cell.text
            }
        }
        return output + "\(escape)0m"
    }

    /// `Esc [ 0 ; … m` for `style`: a reset, then its attributes and colour.
    static func sgr(_ style: TextStyle) -> String {
        var codes = ["0"]
        if style.bold { codes.append("1") }
        if style.dim { codes.append("2") }
        if style.inverse { codes.append("7") }
        if let color = style.foreground { codes.append(String(30 + Int(color.rawValue))) }
        return escape + codes.joined(separator: ";") + "m"
    }
}
