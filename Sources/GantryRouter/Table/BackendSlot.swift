import NIOCore
import Synchronization

/// A backend as the router uses it: its address resolved once and a count of the requests it is
/// serving right now, which ``RouteTable/drain(backendID:timeout:)`` waits on.
///
/// The slot outlives its place in the table: a request that picked it keeps it until the
/// response ends, and the table keeps removed slots that are still busy so a drain can find them.
final class BackendSlot: Sendable {
    let backend: Backend
    /// The socket address when `backend.host` is an IP literal (the usual case), else `nil`.
    let address: SocketAddress?

    private let inFlight = Atomic<Int>(0)
    private let hasWaiters = Atomic<Bool>(false)
    private let waiters = Mutex<Waiters>(Waiters())

    private struct Waiters {
        var nextToken = 0
        var pending: [Int: CheckedContinuation<Void, Never>] = [:]
        var cancelled: Set<Int> = []
    }

    init(_ backend: Backend) {
        self.backend = backend
        self.address = try? SocketAddress(ipAddress: backend.host, port: backend.port)
    }

    /// Requests running on this backend now.
    var activeRequests: Int { inFlight.load(ordering: .sequentiallyConsistent) }

    /// Counts a request that picked this backend. Called under the table's lock.
    func begin() {
        inFlight.wrappingAdd(1, ordering: .relaxed)
    }

    /// Counts a request as finished; wakes drains waiting for zero.
    func end() {
        let now = inFlight.wrappingSubtract(1, ordering: .sequentiallyConsistent).newValue
        precondition(now >= 0, "request count of backend \(backend.id) went negative")
        if now == 0, hasWaiters.load(ordering: .sequentiallyConsistent) {
            resumeWaitersIfIdle()
        }
    }

    /// Suspends until no request is running on this backend or the task is cancelled.
    func waitUntilIdle() async {
        let token = waiters.withLock { state in
            defer { state.nextToken += 1 }
            return state.nextToken
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = waiters.withLock { state -> Bool in
                    if state.cancelled.remove(token) != nil { return true }
                    state.pending[token] = continuation
                    hasWaiters.store(true, ordering: .sequentiallyConsistent)
                    return false
                }
                if resumeNow {
                    continuation.resume()
                } else if inFlight.load(ordering: .sequentiallyConsistent) == 0 {
                    resumeWaitersIfIdle()
                }
            }
        } onCancel: {
            let continuation = waiters.withLock { state in
                if let continuation = state.pending.removeValue(forKey: token) { return Optional(continuation) }
                state.cancelled.insert(token)
                return nil
            }
            continuation?.resume()
        }
    }

    private func resumeWaitersIfIdle() {
        let ready = waiters.withLock { state -> [CheckedContinuation<Void, Never>] in
            guard inFlight.load(ordering: .sequentiallyConsistent) == 0 else { return [] }
            let all = Array(state.pending.values)
            state.pending.removeAll()
            hasWaiters.store(false, ordering: .sequentiallyConsistent)
            return all
        }
        for continuation in ready { continuation.resume() }
    }
}
