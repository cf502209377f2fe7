import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What a full-screen view hears from its terminal.
public enum TerminalEvent: Hashable, Sendable {
    /// A key was pressed.
    case key(Key)
    /// The terminal was resized (SIGWINCH) to this size.
    case resize(TerminalSize)
    /// The input closed: the terminal is gone.
    case endOfInput
}

/// Reads keys from a raw-mode terminal and hears resizes, on a thread of its own (the reads
/// block; Swift's cooperative threads must not), and hands each as a `TerminalEvent` to
/// `onEvent`. `stop()` ends the thread.
public final class TerminalInput: Sendable {
    /// How long a lone Esc waits for the rest of a sequence before it counts as the Esc key.
    public static let escapeDelay = 50  // milliseconds

    private let wakeWrite: Int32

    /// Starts reading `input`; resizes of `output` are reported with its new size.
    /// - Throws: `TerminalError` when the wake-up pipe cannot be made.
    public init(input: Int32 = STDIN_FILENO, output: Int32 = STDOUT_FILENO, onEvent: @escaping @Sendable (TerminalEvent) -> Void) throws(TerminalError) {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw TerminalError(call: "pipe", errno: errno) }
        let (wakeRead, wakeWrite) = (fds[0], fds[1])
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        _ = fcntl(wakeWrite, F_SETFL, fcntl(wakeWrite, F_GETFL) | O_NONBLOCK)
        self.wakeWrite = wakeWrite
        ResizeSignal.install(wakeFD: wakeWrite)
        let thread = Thread {
            Self.readLoop(input: input, output: output, wake: wakeRead, onEvent: onEvent)
            close(wakeRead)
        }
        thread.name = "gantry-terminal-input"
        thread.start()
    }

    /// Stops reading; no event follows once the thread has seen it.
    public func stop() {
        ResizeSignal.uninstall()
        var quit = UInt8(ascii: "q")
        _ = write(wakeWrite, &quit, 1)
    }

    deinit {
        close(wakeWrite)
    }

    private static func readLoop(input: Int32, output: Int32, wake: Int32, onEvent: @Sendable (TerminalEvent) -> Void) {
        var decoder = KeyDecoder()
        var buffer = [UInt8](repeating: 0, count: 4096)
        var fds = [pollfd(fd: input, events: Int16(POLLIN), revents: 0), pollfd(fd: wake, events: Int16(POLLIN), revents: 0)]
        while true {
            let timeout = decoder.pending.isEmpty ? -1 : Int32(escapeDelay)
            let ready = poll(&fds, 2, timeout)
            if ready < 0 {
                if errno == EINTR { continue }
                return onEvent(.endOfInput)
            }
            if ready == 0 {
                decoder.flush().forEach { onEvent(.key($0)) }
                continue
            }
            if fds[1].revents != 0 {
                let count = read(wake, &buffer, buffer.count)
                if count <= 0 || buffer[0..<count].contains(UInt8(ascii: "q")) { return }
                onEvent(.resize(TerminalSize.of(output) ?? .classic))
            }
            if fds[0].revents != 0 {
                let count = read(input, &buffer, buffer.count)
                if count < 0, errno == EINTR || errno == EAGAIN { continue }
                guard count > 0 else { return onEvent(.endOfInput) }
                decoder.feed(buffer[0..<count]).forEach { onEvent(.key($0)) }
            }
        }
    }
}

/// SIGWINCH, turned into a byte on a pipe that `TerminalInput` polls.
enum ResizeSignal {
    nonisolated(unsafe) static var wakeFD: Int32 = -1
    nonisolated(unsafe) static var previous = sigaction()

    static func install(wakeFD fd: Int32) {
        wakeFD = fd
        var action = sigaction()
        #if canImport(Glibc)
        action.__sigaction_handler.sa_handler = { _ in ResizeSignal.notify() }
        #else
        action.__sigaction_u.__sa_handler = { _ in ResizeSignal.notify() }
        #endif
        sigemptyset(&action.sa_mask)
        action.sa_flags = SA_RESTART
        sigaction(SIGWINCH, &action, &previous)
    }

    static func uninstall() {
        sigaction(SIGWINCH, &previous, nil)
        wakeFD = -1
    }

    /// Async-signal-safe: one `write(2)` to a non-blocking pipe, `errno` preserved.
    private static func notify() {
        let saved = errno
        var byte = UInt8(ascii: "w")
        if wakeFD >= 0 { _ = write(wakeFD, &byte, 1) }
        errno = saved
    }
}
