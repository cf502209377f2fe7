import Dispatch
import GantryCore

extension DispatchQueue {
    /// Runs `body` on this queue and waits for it without blocking the caller's thread:
    /// libgit2's blocking calls stay off Swift's cooperative pool and the NIO event loops, and
    /// run in the background (`Background`): pack indexing and exports are change work.
    /// - Parameter inBackground: `false` for a small, bounded step (a ref's lookup or update,
    ///   the pack's move into the repository), which runs as it is: moving the thread into the
    ///   idle cgroup waits for the kernel's cgroup lock, which runc holds while it removes a
    ///   container's cgroups (measured: 10 ms before a push's pack could move, right after its
    ///   tests' container ended).
    func await<T: Sendable, E: Error>(inBackground: Bool = true, _ body: @escaping @Sendable () throws(E) -> T) async throws(E) -> T {
        let changeWork = inBackground && Background.isChangeWork
        let result: Result<T, E> = await withCheckedContinuation { continuation in
            self.async { continuation.resume(returning: Result { () throws(E) -> T in try Background.run(if: changeWork, body) }) }
        }
        return try result.get()
    }
}
