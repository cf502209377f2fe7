import Synchronization

/// A clock whose sleeps return at once and move its time forward: a policy with a 30 s
/// budget runs in the time its HTTP attempts take, and durations come out exact.
final class ImmediateClock: Clock {
    struct Instant: InstantProtocol {
        var offset: Duration

        func advanced(by duration: Duration) -> Instant { Instant(offset: offset + duration) }
        func duration(to other: Instant) -> Duration { other.offset - offset }
        static func < (lhs: Instant, rhs: Instant) -> Bool { lhs.offset < rhs.offset }
    }

    private let time = Mutex(Instant(offset: .zero))

    var now: Instant { time.withLock { $0 } }
    var minimumResolution: Duration { .zero }

    func sleep(until deadline: Instant, tolerance: Duration?) async throws {
        try Task.checkCancellation()
        time.withLock { $0 = max($0, deadline) }
        await Task.yield()
    }
}

/// A process's liveness as tests script it.
final class Liveness: Sendable {
    private let state = Mutex<(running: Bool, asked: Int)>((true, 0))

    /// Whether the "process" runs; counts the questions.
    func isRunning() -> Bool { state.withLock { $0.asked += 1; return $0.running } }
    /// The "process" exits.
    func die() { state.withLock { $0.running = false } }
    /// How often `isRunning()` was asked.
    var asked: Int { state.withLock { $0.asked } }
}
