import Dispatch
import GantryCore

extension DispatchQueue {
    /// Runs `body` on this queue and waits for it without blocking the caller's thread:
    /// libgit2's blocking calls stay off Swift's cooperative pool and the NIO event loops, and
    /// run in the background (`Background`): pack indexing and exports are change work.
    func await<T: Sendable, E: Error>(_ body: @escaping @Sendable () throws(E) -> T) async throws(E) -> T {
        let changeWork = Background.isChangeWork
        let result: Result<T, E> = await withCheckedContinuation { continuation in
            self.async { continuation.resume(returning: Result { () throws(E) -> T in try Background.run(if: changeWork, body) }) }
        }
        return try result.get()
    }
}
