import Synchronization

/// A cap on the connections a port holds at once. Each admitted connection holds a
/// `ConnectionSlot` until it closes (or, over SSH, authenticates).
final class ConnectionLimit: Sendable {
    /// The most slots held at once.
    let capacity: Int
    private let held = Mutex(0)

    init(capacity: Int) {
        precondition(capacity > 0, "a connection limit must admit at least one connection")
        self.capacity = capacity
    }

    /// Slots held now.
    var count: Int { held.withLock { $0 } }

    /// A slot, or `nil` when all are held: the caller closes the connection at once.
    func acquire() -> ConnectionSlot? {
        let admitted = held.withLock { count in
            guard count < capacity else { return false }
            count += 1
            return true
        }
        return admitted ? ConnectionSlot(limit: self) : nil
    }

    fileprivate func giveBack() { held.withLock { $0 -= 1 } }
}

/// One admitted connection's place under a `ConnectionLimit`; `release()` gives it back once,
/// however often it is called.
final class ConnectionSlot: Sendable {
    private let limit: ConnectionLimit
    private let released = Mutex(false)

    fileprivate init(limit: ConnectionLimit) { self.limit = limit }

    func release() {
        guard released.withLock({ released in defer { released = true }; return !released }) else { return }
        limit.giveBack()
    }

    deinit { release() }
}
