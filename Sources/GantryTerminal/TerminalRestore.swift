#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What puts the terminal back as it was, reachable from a signal handler and `atexit`.
///
/// Signal handlers may only call async-signal-safe functions; this state is therefore plain
/// memory allocated before any handler is installed, and restoring is `write(2)` of a
/// constant string plus `tcsetattr(3)`.
enum TerminalRestore {
    struct State {
        /// 1 while the terminal is in full-screen raw mode.
        var active: sig_atomic_t = 0
        /// The terminal's input (whose settings were changed) and output (full screen).
        var input: Int32 = -1
        var output: Int32 = -1
        /// Its settings before raw mode.
        var saved = termios()
        /// 1 when the full screen is to be left too (`FullScreen`), 0 for raw mode alone (`RawTerminal`).
        var fullScreen: sig_atomic_t = 1
    }

    /// The signals after which the terminal is restored before the process goes on as it
    /// would have: the polite ones (Ctrl-C from `kill`, SIGTERM, a closed terminal) and the
    /// crashes (a Swift trap is SIGILL or SIGTRAP; `abort()` SIGABRT).
    static let signals: [Int32] = [SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGSEGV, SIGBUS, SIGILL, SIGTRAP, SIGFPE, SIGABRT]

    nonisolated(unsafe) static let state: UnsafeMutablePointer<State> = {
        let pointer = UnsafeMutablePointer<State>.allocate(capacity: 1)
        pointer.initialize(to: State())
        return pointer
    }()

    /// The actions installed before ours, by signal number, for chaining.
    nonisolated(unsafe) static let previous: UnsafeMutablePointer<sigaction> = {
        let pointer = UnsafeMutablePointer<sigaction>.allocate(capacity: 65)
        pointer.initialize(repeating: sigaction(), count: 65)
        return pointer
    }()

    nonisolated(unsafe) static var atexitRegistered = false

    /// Saves `saved` as the settings to restore on `input`, and installs the handlers and the
    /// `atexit` hook. Called by `FullScreen` only, before it changes anything.
    static func arm(input: Int32, output: Int32, saved: termios, fullScreen: Bool = true) {
        _ = state
        _ = previous
        state.pointee.input = input
        state.pointee.output = output
        state.pointee.saved = saved
        state.pointee.fullScreen = fullScreen ? 1 : 0
        state.pointee.active = 1
        if !atexitRegistered {
            atexitRegistered = true
            atexit { TerminalRestore.restore() }
        }
        for signal in signals {
            var action = sigaction()
            #if canImport(Glibc)
            action.__sigaction_handler.sa_sigaction = { signal, info, _ in TerminalRestore.handle(signal, info) }
            #else
            action.__sigaction_u.__sa_sigaction = { signal, info, _ in TerminalRestore.handle(signal, info) }
            #endif
            sigemptyset(&action.sa_mask)
            action.sa_flags = SA_SIGINFO
            sigaction(signal, &action, previous.advanced(by: Int(signal)))
        }
    }

    /// Restores the terminal (once) and puts back the signal actions that were there before.
    static func disarm() {
        restore()
        for signal in signals { sigaction(signal, previous.advanced(by: Int(signal)), nil) }
    }

    /// Leaves full screen and puts the saved settings back, if not done already.
    /// Async-signal-safe.
    static func restore() {
        guard state.pointee.active != 0 else { return }
        state.pointee.active = 0
        if state.pointee.fullScreen != 0 {
            let sequence = FrameWriter.leaveFullScreen
            _ = write(state.pointee.output, sequence.utf8Start, sequence.utf8CodeUnitCount)
        }
        _ = tcsetattr(state.pointee.input, TCSANOW, &state.pointee.saved)
    }

    /// The signals a faulting instruction raises: returning from their handler runs the
    /// instruction again, which faults again.
    static let faults: Set<Int32> = [SIGSEGV, SIGBUS, SIGILL, SIGTRAP, SIGFPE]

    /// A signal arrived: restore, then let the signal do what it did before us (the default
    /// ends the process; Swift's backtracer reports a crash). A fault the kernel raised is
    /// left to happen again on return, so the previous handler sees the real fault; any other
    /// signal is raised again, to be delivered once this handler returns.
    private static func handle(_ signal: Int32, _ info: UnsafeMutablePointer<siginfo_t>?) {
        restore()
        sigaction(signal, previous.advanced(by: Int(signal)), nil)
        let raisedByKernel = (info?.pointee.si_code ?? 0) > 0
        if !(faults.contains(signal) && raisedByKernel) { raise(signal) }
    }
}
