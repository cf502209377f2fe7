#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A terminal taken over for a full-screen view: raw mode, the alternate screen, no cursor.
///
/// `FullScreen.run` puts the terminal back exactly as it was on every way out: when the body
/// returns or throws, on `exit()` (an `atexit` hook), on SIGINT, SIGTERM, SIGHUP and SIGQUIT,
/// and on a crash (SIGSEGV, SIGBUS, SIGILL, SIGTRAP, SIGFPE, SIGABRT) — after which the signal
/// does what it did before.
public enum FullScreen {
    /// Whether `fd` is a terminal.
    public static func isTerminal(_ fd: Int32) -> Bool { isatty(fd) == 1 }

    /// Runs `body` with the terminal of `input` and `output` in full-screen raw mode.
    /// One at a time per process.
    /// - Throws: `TerminalError` when `input` is not a terminal; what `body` throws.
    public static func run<Value>(
        input: Int32 = STDIN_FILENO, output: Int32 = STDOUT_FILENO,
        _ body: (TerminalScreen) async throws -> Value
    ) async throws -> Value {
        var saved = termios()
        guard tcgetattr(input, &saved) == 0 else { throw TerminalError(call: "tcgetattr", errno: errno) }
        TerminalRestore.arm(input: input, output: output, saved: saved)
        defer { TerminalRestore.disarm() }
        var raw = saved
        cfmakeraw(&raw)
        guard tcsetattr(input, TCSANOW, &raw) == 0 else { throw TerminalError(call: "tcsetattr", errno: errno) }
        let screen = TerminalScreen(output: output)
        screen.write(FrameWriter.enterFullScreen)
        return try await body(screen)
    }
}

/// The output side of a `FullScreen` terminal.
public struct TerminalScreen: Sendable {
    /// The terminal's file descriptor.
    public let output: Int32

    /// The terminal's current size; 80 × 24 when it does not say.
    public var size: TerminalSize { TerminalSize.of(output) ?? .classic }

    /// Draws `frame`, whole, in one write.
    public func draw(_ frame: Frame) {
        write(FrameWriter.render(frame))
    }

    /// Writes `text` entirely (retrying short writes and interruptions); gives up silently when
    /// the terminal is gone.
    func write(_ text: String) {
        var bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeMutableBytes { buffer in
                #if canImport(Glibc)
                Glibc.write(output, buffer.baseAddress! + offset, buffer.count - offset)
                #else
                Darwin.write(output, buffer.baseAddress! + offset, buffer.count - offset)
                #endif
            }
            if written > 0 {
                offset += written
            } else if written < 0, errno == EINTR || errno == EAGAIN {
                continue
            } else {
                return
            }
        }
    }
}
