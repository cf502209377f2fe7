/// Text from elsewhere (build logs, commit messages) made safe to draw.
public enum TerminalText {
    /// `text` without ANSI escape sequences (CSI `Esc [ … final`, OSC `Esc ] … BEL/ST`, and
    /// two-byte `Esc X`), and with a carriage return (not before a newline) keeping only what
    /// follows it on its line, as a terminal would have shown the line.
    public static func plain(_ text: some StringProtocol) -> String {
        var output = ""
        var scalars = Array(text.unicodeScalars)[...]
        while let scalar = scalars.popFirst() {
            switch scalar {
            case "\u{1b}":
                guard let kind = scalars.popFirst() else { break }
                if kind == "[" {
                    while let next = scalars.popFirst(), !(0x40...0x7e).contains(next.value) {}
                } else if kind == "]" {
                    while let next = scalars.popFirst(), next != "\u{7}" {
                        if next == "\u{1b}" { _ = scalars.popFirst(); break }
                    }
                }
            case "\r":
                guard scalars.first != "\n" else { break }
                if let newline = output.lastIndex(of: "\n") {
                    output.removeSubrange(output.index(after: newline)...)
                } else {
                    output.removeAll(keepingCapacity: true)
                }
            default:
                output.unicodeScalars.append(scalar)
            }
        }
        return output
    }
}
