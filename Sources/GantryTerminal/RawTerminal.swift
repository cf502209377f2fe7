#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The local terminal in raw mode for a remote program (`gantry run APP bash`): every key
/// goes through as bytes — Ctrl-C and Ctrl-D included, for the remote terminal to interpret —
/// with no local echo, line editing or output processing. The settings come back on every
/// way out: return, throw, a signal, `exit` (`TerminalRestore`, as `FullScreen`, but the
/// screen is left as it is).
public enum RawTerminal {
    /// Runs `body` with the terminal on `input` in raw mode; runs it as it is when `input` is
    /// not a terminal.
    public static func run<Value>(input: Int32 = STDIN_FILENO, output: Int32 = STDOUT_FILENO, _ body: () async throws -> Value) async rethrows -> Value {
        var saved = termios()
        guard isatty(input) == 1, tcgetattr(input, &saved) == 0 else { return try await body() }
        TerminalRestore.arm(input: input, output: output, saved: saved, fullScreen: false)
        defer { TerminalRestore.disarm() }
        var raw = saved
        cfmakeraw(&raw)
        _ = tcsetattr(input, TCSANOW, &raw)
        return try await body()
    }
}
