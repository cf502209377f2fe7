/// One line of a service's or container's output.
public struct LogLine: Hashable, Sendable {
    /// Which stream the process wrote it to.
    public enum Stream: String, Hashable, Sendable {
        case stdout, stderr
    }

    /// Its stream.
    public var stream: Stream
    /// The engine's timestamp (RFC 3339 with nanoseconds), when asked for with `timestamps=1`.
    public var timestamp: String?
    /// The line, without its newline.
    public var text: String

    /// Creates a line.
    public init(stream: Stream, timestamp: String?, text: String) {
        self.stream = stream
        self.timestamp = timestamp
        self.text = text
    }
}

/// The Engine's multiplexed stream format (`application/vnd.docker.multiplexed-stream`, used
/// for the logs of a container without a TTY): frames of an 8-byte header — stream (1 stdin,
/// 2 stdout, 0 or 1 stdout for stdin's echo, 2 stderr), three zero bytes, the payload's length
/// as a big-endian UInt32 — then the payload. A line may be split across frames.
public enum LogFrames {
    /// Why a body is not a multiplexed stream.
    public struct Malformed: Error, Hashable, Sendable {
        /// Where the bad header starts.
        public let offset: Int
        /// What is wrong.
        public let detail: String
    }

    /// Splits `bytes` into its frames' payloads, in order.
    /// - Throws: `Malformed` for an unknown stream byte, non-zero padding, or a frame cut short.
    public static func demultiplex(_ bytes: [UInt8]) throws(Malformed) -> [(LogLine.Stream, [UInt8])] {
        var frames: [(LogLine.Stream, [UInt8])] = []
        var offset = 0
        while offset < bytes.count {
            guard bytes.count - offset >= 8 else {
                throw Malformed(offset: offset, detail: "\(bytes.count - offset) bytes left, a header has 8")
            }
            let stream: LogLine.Stream
            switch bytes[offset] {
            case 0, 1: stream = .stdout
            case 2: stream = .stderr
            default: throw Malformed(offset: offset, detail: "unknown stream \(bytes[offset])")
            }
            guard bytes[offset + 1] == 0, bytes[offset + 2] == 0, bytes[offset + 3] == 0 else {
                throw Malformed(offset: offset, detail: "header padding is not zero")
            }
            let length = bytes[(offset + 4)..<(offset + 8)].reduce(0) { $0 << 8 | Int($1) }
            let start = offset + 8
            guard bytes.count - start >= length else {
                throw Malformed(offset: offset, detail: "frame of \(length) bytes cut short at \(bytes.count - start)")
            }
            frames.append((stream, Array(bytes[start..<(start + length)])))
            offset = start + length
        }
        return frames
    }

    /// The lines of a multiplexed body, each stream's bytes joined before splitting so that a
    /// line split across frames comes out whole; with `timestamps`, each line's leading
    /// timestamp is split off.
    /// - Throws: `Malformed` as `demultiplex` does.
    public static func lines(_ bytes: [UInt8], timestamps: Bool) throws(Malformed) -> [LogLine] {
        var lines: [LogLine] = []
        var pending: [LogLine.Stream: [UInt8]] = [:]
        func flush(_ stream: LogLine.Stream, _ line: ArraySlice<UInt8>) {
            var text = String(decoding: line, as: UTF8.self)
            if text.hasSuffix("\r") { text.removeLast() }
            var timestamp: String?
            if timestamps, let space = text.firstIndex(of: " ") {
                timestamp = String(text[..<space])
                text = String(text[text.index(after: space)...])
            }
            lines.append(LogLine(stream: stream, timestamp: timestamp, text: text))
        }
        for (stream, payload) in try demultiplex(bytes) {
            var buffer = pending[stream, default: []] + payload
            while let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                flush(stream, buffer[..<newline])
                buffer.removeSubrange(...newline)
            }
            pending[stream] = buffer
        }
        for stream in [LogLine.Stream.stdout, .stderr] where !(pending[stream] ?? []).isEmpty {
            flush(stream, pending[stream]![...])
        }
        return lines
    }
}
