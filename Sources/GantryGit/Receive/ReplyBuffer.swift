import Synchronization

/// The bytes of a push's answer on their way to a client that may read slowly, or not at all:
/// the writer never waits (progress comes from the pipeline's synchronous callbacks), and at
/// most `limit` bytes of progress wait here. Progress beyond that is dropped and counted
/// (`ReceivePackReply` then tells the client how many lines it missed); the report-status is
/// never dropped. The reader takes everything waiting at once.
public final class ReplyBuffer: AsyncSequence, Sendable {
    public typealias Element = [UInt8]

    private struct State {
        var waiting: [UInt8] = []
        var finished = false
        var reader: CheckedContinuation<[UInt8]?, Never>?
    }

    /// The most bytes of droppable progress kept for the reader.
    public let limit: Int
    private let state = Mutex(State())

    /// - Parameter limit: the most progress bytes kept waiting; 1 MiB by default.
    public init(limit: Int = 1 << 20) {
        self.limit = limit
    }

    /// Bytes waiting for the reader now.
    public var waitingBytes: Int { state.withLock { $0.waiting.count } }

    /// Queues `bytes` for the reader.
    /// - Parameter droppable: progress, which may be dropped while `limit` bytes wait.
    /// - Returns: whether the bytes were queued.
    @discardableResult
    public func write(_ bytes: [UInt8], droppable: Bool) -> Bool {
        let (accepted, reader) = state.withLock { state -> (Bool, CheckedContinuation<[UInt8]?, Never>?) in
            guard !state.finished, !(droppable && state.waiting.count + bytes.count > limit) else { return (false, nil) }
            if let reader = state.reader {
                state.reader = nil
                return (true, reader)
            }
            state.waiting += bytes
            return (true, nil)
        }
        reader?.resume(returning: bytes)
        return accepted
    }

    /// Ends the stream once the waiting bytes are read.
    public func finish() {
        let reader = state.withLock { state -> CheckedContinuation<[UInt8]?, Never>? in
            state.finished = true
            defer { state.reader = nil }
            return state.waiting.isEmpty ? state.reader : nil
        }
        reader?.resume(returning: nil)
    }

    /// Everything waiting, or the next bytes written; `nil` once finished and read out.
    func next() async -> [UInt8]? {
        await withCheckedContinuation { continuation in
            let ready = state.withLock { state -> [UInt8]?? in
                if !state.waiting.isEmpty {
                    defer { state.waiting = [] }
                    return .some(state.waiting)
                }
                if state.finished { return .some(nil) }
                state.reader = continuation
                return .none
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        let buffer: ReplyBuffer
        public mutating func next() async -> [UInt8]? { await buffer.next() }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(buffer: self) }
}
