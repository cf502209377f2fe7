/// One key press, decoded from the bytes a terminal in raw mode sends.
///
/// Letters, digits and other printable text arrive as `.character`; what they mean (`j`, `/`,
/// `q`, `y`, …) is up to the view that reads them.
public enum Key: Hashable, Sendable {
    /// The arrow keys.
    case up, down, left, right
    /// Page Up, Page Down, Home, End.
    case pageUp, pageDown, home, end
    /// Enter (CR or LF), Esc (alone, not starting a sequence), Backspace (DEL or BS), Tab.
    case enter, escape, backspace, tab
    /// Ctrl-C (byte 0x03): raw mode turns off the terminal's own SIGINT for it.
    case ctrlC
    /// Ctrl-D (byte 0x04).
    case ctrlD
    /// Printable text: one character, possibly several bytes of UTF-8.
    case character(Character)
}
