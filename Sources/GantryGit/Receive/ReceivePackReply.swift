import Foundation
import Synchronization

/// The answer stream of one receive-pack: progress lines for the pusher's terminal
/// (side-band 2, shown as `remote:`), then the report-status (side-band 1, or bare when the
/// client did not ask for side-band-64k). Thread-safe; every write goes to `emit` in order.
public final class ReceivePackReply: Sendable {
    private let sideband: Bool
    private let emit: @Sendable ([UInt8]) -> Void
    private let lastWrite = Mutex(ContinuousClock.now)

    /// - Parameters:
    ///   - sideband: whether the client chose side-band-64k.
    ///   - emit: receives the encoded bytes, in order.
    public init(sideband: Bool, emit: @escaping @Sendable ([UInt8]) -> Void) {
        self.sideband = sideband
        self.emit = emit
    }

    /// A step, printed Heroku-style as `-----> text`.
    public func step(_ text: String) { progress("-----> " + text) }

    /// A detail line under a step, indented seven spaces.
    public func detail(_ text: String) { progress("       " + text) }

    /// One raw progress line (a newline is added when missing). Dropped without side-band,
    /// where git has no channel for it.
    public func progress(_ line: String) {
        guard sideband else { return }
        send(Sideband.progress.encode(Array((line.hasSuffix("\n") ? line : line + "\n").utf8)))
    }

    /// An empty data packet, when nothing was written for `interval`: keeps proxies and the
    /// client from timing out while a long stage runs (git's receive-pack does the same).
    func keepalive(ifIdleFor interval: Duration) {
        guard sideband, ContinuousClock.now - lastWrite.withLock({ $0 }) >= interval else { return }
        send(Sideband.data.encode([]))
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
        send(sideband ? Sideband.data.encode(status) + PktLine.flushBytes : status)
    }

    private func send(_ bytes: [UInt8]) {
        lastWrite.withLock {
            $0 = .now
            emit(bytes)
        }
    }
}
