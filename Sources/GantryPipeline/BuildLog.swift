import GantryGit
import GantryStore
import Logging
import Synchronization

/// A build's output: every line goes to the pusher at once (`remote:`) and into the build's
/// log in SQLite, appended in chunks as it arrives, so a gantryd killed mid-build keeps the
/// log so far.
///
/// A build prints what it likes (`yes` in a `setup.py` prints forever), so what it prints is
/// bounded: the first `headLimit` bytes are kept; past them, only the last `tailLimit` bytes
/// of each step are, and the lines in between are counted, not kept — they reach neither the
/// pusher nor the store. Gantry's own steps (`-----> …`) are always kept; each one first
/// writes out the held tail after a line saying how much was left out.
final class BuildLog: Sendable {
    /// The build output kept from the start: 512 KiB.
    static let headLimit = 512 << 10
    /// The build output kept at the end of each step once the head is full: 128 KiB.
    static let tailLimit = 128 << 10
    /// Kept lines are appended to the store once this many bytes wait…
    static let chunkSize = 64 << 10
    /// …or this long after the first of them arrived.
    static let flushInterval = Duration.seconds(1)

    private struct State {
        /// Bytes of build output kept so far.
        var kept = 0
        /// Lines kept but not yet in the store, and their bytes.
        var pending: [String] = []
        var pendingBytes = 0
        /// Past the head: the last lines of the current step, their bytes, and what was dropped.
        var tail: [String] = []
        var tailStart = 0
        var tailBytes = 0
        var omittedLines = 0
        var omittedBytes = 0
        var truncated = false
        var finished = false
    }

    /// The state, in a box of its own that the ticker can hold before `self` exists.
    private final class Box: Sendable { let state = Mutex(State()) }

    private let reply: ReceivePackReply
    private let box = Box()
    private let chunks: AsyncStream<String>.Continuation
    private let writer: Task<Void, Never>
    private let ticker: Task<Void, Never>

    init(reply: ReceivePackReply, store: Store, build id: Int64, logger: Logger) {
        self.reply = reply
        let (stream, chunks) = AsyncStream<String>.makeStream()
        self.chunks = chunks
        // One writer, so chunks land in order. One that cannot be saved (a full disk) stops the
        // saving, and the pusher is told why: the rest of the output reaches only them.
        writer = Task {
            var failed = false
            for await chunk in stream where !failed {
                do { try await store.appendBuildLog(id: id, chunk) } catch {
                    logger.error("cannot save the log of build \(id): \(error)")
                    reply.progress("-----> Cannot save the build log: \(error)")
                    failed = true
                }
            }
        }
        ticker = Task { [box] in
            while (try? await Task.sleep(for: Self.flushInterval)) != nil {
                if let chunk = box.state.withLock({ Self.takePending(&$0) }) { chunks.yield(chunk) }
            }
        }
    }

    /// A step: `-----> text`.
    func step(_ text: String) {
        let lines = box.state.withLock { state in Self.drainTail(&state) + [Self.keep("-----> " + text, in: &state)] }
        send(lines)
    }

    /// A line as the build printed it (buildpacks indent their own details).
    @Sendable func line(_ text: String) {
        let line: String? = box.state.withLock { state in
            guard !state.finished else { return nil }
            let bytes = text.utf8.count + 1
            if !state.truncated && state.kept + bytes <= Self.headLimit {
                state.kept += bytes
                return Self.keep(text, in: &state)
            }
            var notice: String?
            if !state.truncated {
                state.truncated = true
                notice = Self.keep("       … output over \(Self.headLimit >> 10) KiB: from here on, the last \(Self.tailLimit >> 10) KiB of each step are kept", in: &state)
            }
            state.tail.append(text)
            state.tailBytes += bytes
            while state.tailBytes > Self.tailLimit {
                let dropped = state.tail[state.tailStart].utf8.count + 1
                state.tailStart += 1
                state.tailBytes -= dropped
                state.omittedLines += 1
                state.omittedBytes += dropped
            }
            if state.tailStart > 4096 && state.tailStart * 2 > state.tail.count {
                state.tail.removeFirst(state.tailStart)
                state.tailStart = 0
            }
            return notice
        }
        if let line { send([line]) }
    }

    /// A line of test output, indented under its step.
    @Sendable func detail(_ text: String) { line("       " + text) }

    /// Writes out the held tail and what still waits, and waits until the store has it all.
    /// Lines that arrive later are dropped.
    func finish() async {
        let lines = box.state.withLock { state in
            let lines = Self.drainTail(&state)
            state.finished = true
            return lines
        }
        send(lines)
        if let chunk = box.state.withLock({ Self.takePending(&$0) }) { chunks.yield(chunk) }
        ticker.cancel()
        chunks.finish()
        await writer.value
    }

    private func send(_ lines: [String]) {
        for line in lines { reply.progress(line) }
        if let chunk = box.state.withLock({ $0.pendingBytes >= Self.chunkSize ? Self.takePending(&$0) : nil }) { chunks.yield(chunk) }
    }

    /// Adds `line` to what the store gets; returns it for the pusher.
    private static func keep(_ line: String, in state: inout State) -> String {
        state.pending.append(line)
        state.pendingBytes += line.utf8.count + 1
        return line
    }

    private static func takePending(_ state: inout State) -> String? {
        guard !state.pending.isEmpty else { return nil }
        let chunk = state.pending.joined(separator: "\n") + "\n"
        state.pending = []
        state.pendingBytes = 0
        return chunk
    }

    /// The held tail, after a line counting what was left out; kept, and cleared.
    private static func drainTail(_ state: inout State) -> [String] {
        guard state.omittedLines > 0 || state.tailStart < state.tail.count else { return [] }
        var lines: [String] = []
        if state.omittedLines > 0 {
            let kibibytes = (state.omittedBytes + 1023) >> 10
            lines.append(keep("       … \(state.omittedLines) lines (\(kibibytes) KiB) of output left out", in: &state))
        }
        for line in state.tail[state.tailStart...] { lines.append(keep(line, in: &state)) }
        state.tail = []
        state.tailStart = 0
        state.tailBytes = 0
        state.omittedLines = 0
        state.omittedBytes = 0
        return lines
    }
}
