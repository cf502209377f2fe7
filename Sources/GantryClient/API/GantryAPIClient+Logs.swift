import GantryCore

extension GantryAPIClient {
    /// The app's logs: the last `lines` lines (process output and deploy events, merged by
    /// time, `TIMESTAMP SOURCE: text`), of one process or type when `process` is given; with
    /// `follow`, new lines too, until the calling task is cancelled or the server goes away.
    /// Text goes to `output` as it arrives.
    /// - Throws: `ClientError`; `.rejected` (404) no such app, (400) a bad `lines` or `process`.
    public func logs(
        app: String, lines: Int? = nil, process: String? = nil, follow: Bool = false,
        output: @escaping @Sendable ([UInt8]) -> Void
    ) async throws(ClientError) {
        var query: [String] = []
        if let lines { query.append("lines=\(lines)") }
        if let process { query.append("ps=\(Self.pathSegment(process))") }
        if follow { query.append("follow=1") }
        let path = "/apps/\(Self.pathSegment(app))/logs" + (query.isEmpty ? "" : "?" + query.joined(separator: "&"))
        let heartbeats = HeartbeatFilter()
        _ = try await send(.get, path) { bytes in output(heartbeats.filter(bytes)) }
    }
}

/// Drops the server's heartbeats from a log stream: log lines are never empty, so an empty
/// line (a newline at the start or right after another) is one.
final class HeartbeatFilter: @unchecked Sendable {
    // Touched only by the transfer's thread, one chunk at a time.
    private var atLineStart = true

    func filter(_ bytes: [UInt8]) -> [UInt8] {
        var kept: [UInt8] = []
        kept.reserveCapacity(bytes.count)
        for byte in bytes {
            if byte == UInt8(ascii: "\n") {
                if atLineStart { continue }
                atLineStart = true
            } else {
                atLineStart = false
            }
            kept.append(byte)
        }
        return kept
    }
}
