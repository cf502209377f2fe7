#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A terminal's size in character cells.
public struct TerminalSize: Hashable, Sendable {
    /// Character cells across and down.
    public var columns: Int
    public var rows: Int

    /// A size of `columns` × `rows` cells.
    public init(columns: Int, rows: Int) {
        self.columns = columns
        self.rows = rows
    }

    /// The classic terminal: what a view must fit.
    public static let classic = TerminalSize(columns: 80, rows: 24)

    /// The size of the terminal on `fd` (TIOCGWINSZ); `nil` when `fd` is not a terminal or
    /// reports a zero size.
    public static func of(_ fd: Int32) -> TerminalSize? {
        var size = winsize()
        guard ioctl(fd, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0, size.ws_row > 0 else { return nil }
        return TerminalSize(columns: Int(size.ws_col), rows: Int(size.ws_row))
    }
}
