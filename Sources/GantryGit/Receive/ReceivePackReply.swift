import Foundation
import Synchronization

/// The answer stream of one receive-pack: progress lines for the pusher's terminal
/// (side-band 2, shown as `remote:`), then the report-status (side-band 1, or bare when the
/// client did not ask for side-band-64k). Thread-safe; every write goes to `emit` in order.
public final class ReceivePackReply: Sendable {
    private let sideband: Bool
    /// Takes encoded bytes (and whether they may be dropped); says whether it kept them.
    private let emit: @Sendable (_ bytes: [UInt8], _ droppable: Bool) -> Bool
    private let lastWrite = Mutex(ContinuousClock.now)
    /// Progress lines dropped since the last one that went out.
    private let dropped = Mutex(0)

    /// - Parameters:
    ///   - sideband: whether the client chose side-band-64k.
    ///   - emit: receives the encoded bytes, in order.
    public init(sideband: Bool, emit: @escaping @Sendable ([UInt8]) -> Void) {
        self.sideband = sideband
        self.emit = { bytes, _ in
            emit(bytes)
            return true
        }
    }

    /// A reply into `buffer`, which holds a bounded amount of progress for a slow client: a
    /// line that does not fit is dropped, and the next line that does is preceded by
    /// `(N progress lines dropped: …)`. The report always goes out.
    public init(sideband: Bool, buffer: ReplyBuffer) {
        self.sideband = sideband
        emit = { bytes, droppable in buffer.write(bytes, droppable: droppable) }
    }

    /// A step, printed Heroku-style as `-----> text`.
    public func step(_ text: String) { progress("-----> " + text) }

    /// A detail line under a step, indented seven spaces.
    public func detail(_ text: String) { progress("       " + text) }

    /// One raw progress line (a newline is added when missing). Dropped without side-band,
    /// where git has no channel for it.
    public func progress(_ line: String) {
        guard sideband else { return }
        sendProgress(Array((line.hasSuffix("\n") ? line : line + "\n").utf8))
    }

    /// Sends `line` (none when empty), after the notice of lines dropped before it.
    private func sendProgress(_ line: [UInt8], droppable: Bool = true) {
        let missed = dropped.withLock { $0 }
        if missed > 0 {
            let notice = "       (\(missed) progress lines dropped: the client was not reading them fast enough)\n"
            guard send(Sideband.progress.encode(Array(notice.utf8)), droppable: droppable) else {
                dropped.withLock { $0 += 1 }
                return
            }
            dropped.withLock { $0 -= missed }
        }
        if !line.isEmpty, !send(Sideband.progress.encode(line), droppable: droppable) { dropped.withLock { $0 += 1 } }
    }

    /// An empty data packet, when nothing was written for `interval`: keeps proxies and the
    /// client from timing out while a long stage runs (git's receive-pack does the same).
    func keepalive(ifIdleFor interval: Duration) {
        guard sideband, ContinuousClock.now - lastWrite.withLock({ $0 }) >= interval else { return }
        send(Sideband.data.encode([]), droppable: true)
    }

    /// The final report: `unpack …`, an `ok`/`ng` line per command, then flushes.
    func report(unpackError: String?, results: [(RefCommand, RefResult)]) {
        var status = PktLine.encode(line: unpackError.map { "unpack " + $0.replacingOccurrences(of: "\n", with: " ") } ?? "unpack ok")
        for (command, result) in results {
            switch result {
            case .ok: status += PktLine.encode(line: "ok " + command.name)
            case .rejected(let reason): status += PktLine.encode(line: "ng \(command.name) \(reason)")
            }
        }
        status += PktLine.flushBytes
        if sideband, dropped.withLock({ $0 }) > 0 { sendProgress([], droppable: false) }
        send(sideband ? Sideband.data.encode(status) + PktLine.flushBytes : status, droppable: false)
    }

    @discardableResult
    private func send(_ bytes: [UInt8], droppable: Bool) -> Bool {
        lastWrite.withLock {
            $0 = .now
            return emit(bytes, droppable)
        }
    }
}
