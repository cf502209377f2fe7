import Dispatch

/// Runs blocking work (100,000 syscalls, a large tar) on a Dispatch thread, so that a test
/// doing it leaves Swift's cooperative pool — two threads on a 2-core machine — to the tests
/// that run beside it and wait on timers.
public func blocking<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async { continuation.resume(with: Result { try work() }) }
    }
}
