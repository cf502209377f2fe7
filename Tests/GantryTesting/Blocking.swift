import Foundation

/// Runs blocking work (a subprocess, a blocking read or wait, 100,000 syscalls, a large tar)
/// on a thread of its own, so that a test doing it leaves Swift's cooperative pool — two
/// threads on a 2-core machine — to the tests that run beside it and wait on timers.
///
/// Not `DispatchQueue.global()`: on Linux, Swift's global executor runs on that same queue
/// (its threads are the pool's "com.apple.root.default-qos"), so work sent there holds one of
/// the two threads all the same.
public func blocking<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread.detachNewThread { continuation.resume(with: Result { try work() }) }
    }
}
