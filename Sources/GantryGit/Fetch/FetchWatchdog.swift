import Dispatch
import Glibc
import Synchronization

/// Ends a libgit2 fetch that outlives its deadline while it waits on a peer that sends nothing.
///
/// libgit2 1.5 has no socket timeouts (`GIT_OPT_SET_SERVER_TIMEOUT` came in 1.7), and its
/// callbacks run only as data arrives, so a clone URL that accepts the connection and then
/// stays silent would hold the fetch — and the app's deploy queue — until the kernel gives up
/// on the connection, which for a live peer is never. Past the deadline the watchdog sends
/// SIGURG to the fetching thread, and again every 200 ms until the fetch returns. Its handler
/// does nothing and is installed without `SA_RESTART`, so the `recv`, `connect` or `poll`
/// libgit2 is blocked in fails with `EINTR`, which libgit2 reports as an error.
///
/// Dispatch's worker threads block signals: the watched thread unblocks SIGURG for the fetch
/// and blocks it again in `finish()`. A signal never reaches the thread once the fetch has
/// returned: sending and `finish()` take one lock, and one sent just before is taken off the
/// thread's pending set, so the thread — a Dispatch worker that goes on to other work — is
/// left as it was.
///
/// `@unchecked Sendable`: the timer, the one non-Sendable part, is thread-safe (Dispatch) and
/// only scheduled and cancelled here; the state is behind its mutex.
final class FetchWatchdog: @unchecked Sendable {
    private struct State {
        var finished = false
        var fired = false
    }

    private static let handlerInstalled: Bool = {
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { _ in }  // nothing: interrupting is the point
        sigemptyset(&action.sa_mask)
        action.sa_flags = 0  // no SA_RESTART
        return sigaction(SIGURG, &action, nil) == 0
    }()

    private let state = Mutex(State())
    private let timer: any DispatchSourceTimer
    /// The watched thread's signal mask before the fetch.
    private let previousMask: sigset_t

    private static var interrupt: sigset_t {
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGURG)
        return set
    }

    /// Watches the calling thread until `finish()`, from `timeout` on.
    init(timeout: Duration) {
        _ = Self.handlerInstalled
        let thread = pthread_self()
        var interrupt = Self.interrupt
        var previous = sigset_t()
        pthread_sigmask(SIG_UNBLOCK, &interrupt, &previous)
        previousMask = previous
        timer = DispatchSource.makeTimerSource(queue: .global())
        let (seconds, attoseconds) = timeout.components
        let nanoseconds = Int(seconds) * 1_000_000_000 + Int(attoseconds / 1_000_000_000)
        timer.schedule(deadline: .now() + .nanoseconds(nanoseconds), repeating: .milliseconds(200))
        timer.setEventHandler { [weak self] in
            self?.state.withLock { state in
                guard !state.finished else { return }
                state.fired = true
                pthread_kill(thread, SIGURG)
            }
        }
        timer.resume()
    }

    /// Stops watching; called on the watched thread when the fetch returns.
    /// - Returns: whether the deadline passed (and the fetch may have been interrupted).
    func finish() -> Bool {
        timer.cancel()
        let fired = state.withLock { state in
            state.finished = true
            return state.fired
        }
        var mask = previousMask
        pthread_sigmask(SIG_SETMASK, &mask, nil)
        if fired && sigismember(&mask, SIGURG) == 1 {
            // Take a signal sent just before `finished` off the pending set, or it would
            // interrupt this thread's next fetch at once.
            var interrupt = Self.interrupt
            var now = timespec()
            while sigtimedwait(&interrupt, nil, &now) == SIGURG {}
        }
        return fired
    }
}
