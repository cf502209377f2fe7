import NIOCore

/// Finds where a message body ends in the bytes after its head and passes the body on: as it
/// came (the usual case, no copy), without its chunk framing (to an HTTP/1.0 client), or in
/// chunks (a body that ends at the backend's close, to an HTTP/1.1 client).
package struct BodyFramer {
    package enum Framing {
        /// No body.
        case none
        /// `Content-Length`: this many bytes are left.
        case length(Int)
        /// `Transfer-Encoding: chunked`.
        case chunked(ChunkParser)
        /// The body ends when the sender closes the connection (responses only).
        case untilClose
    }

    /// How the body leaves the proxy.
    package enum Output {
        case verbatim
        /// Chunked in, only the data out.
        case dechunk
        /// Close-delimited in, chunked out.
        case rechunk
    }

    private(set) var framing: Framing
    let output: Output
    package private(set) var isComplete: Bool

    package init(_ framing: Framing, output: Output = .verbatim) {
        self.framing = framing
        self.output = output
        if case .none = framing { isComplete = true } else { isComplete = false }
    }

    /// Takes the body bytes at the front of `buffer`, passing what goes on to `emit`. Returns
    /// whether the body is complete; bytes left in `buffer` then belong to the next message.
    /// - Throws: `HeadError.malformed` for broken chunk framing.
    package mutating func consume(_ buffer: inout ByteBuffer, emit: (ByteBuffer) -> Void) throws(HeadError) -> Bool {
        guard !isComplete else { return true }
        switch framing {
        case .none:
            isComplete = true
        case .length(let left):
            let take = min(left, buffer.readableBytes)
            if take > 0 { emit(buffer.readSlice(length: take)!) }
            framing = .length(left - take)
            isComplete = left == take
        case .chunked(var parser):
            var ranges: [Range<Int>] = []
            let collect = output == .dechunk
            let (consumed, done) = try buffer.withUnsafeReadableBytes { (bytes) throws(HeadError) in
                try parser.scan(bytes, collectData: collect, dataRanges: &ranges)
            }
            framing = .chunked(parser)
            if output == .dechunk {
                for range in ranges where !range.isEmpty {
                    emit(buffer.getSlice(at: buffer.readerIndex + range.lowerBound, length: range.count)!)
                }
                buffer.moveReaderIndex(forwardBy: consumed)
            } else if consumed > 0 {
                emit(buffer.readSlice(length: consumed)!)
            }
            isComplete = done
        case .untilClose:
            guard buffer.readableBytes > 0 else { return false }
            let body = buffer.readSlice(length: buffer.readableBytes)!
            if output == .rechunk {
                emit(ByteBuffer(string: String(body.readableBytes, radix: 16) + "\r\n"))
                emit(body)
                emit(ByteBuffer(string: "\r\n"))
            } else {
                emit(body)
            }
        }
        return isComplete
    }

    /// The sender closed the connection: whether that completes the body (it does only for a
    /// close-delimited one, which then gets its last chunk when re-chunked).
    package mutating func finishAtClose(emit: (ByteBuffer) -> Void) -> Bool {
        guard !isComplete, case .untilClose = framing else { return isComplete }
        if output == .rechunk { emit(ByteBuffer(string: "0\r\n\r\n")) }
        isComplete = true
        return true
    }
}

/// The chunked transfer coding (RFC 9112 §7.1), read byte by byte across reads.
package struct ChunkParser {
    private enum State {
        case size, sizeExtension, sizeLF, data, dataCR, dataLF, trailerStart, trailerLine, trailerLF, endLF, done
    }

    private var state = State.size
    private var size: UInt64 = 0
    private var digits = 0
    private var remaining = 0
    private var lineBytes = 0
    private var trailerBytes = 0

    package init() {}

    /// Scans `bytes`; returns how many belong to the body and whether it ended. With
    /// `collectData`, the ranges of chunk data are appended to `dataRanges`.
    package mutating func scan(
        _ bytes: UnsafeRawBufferPointer, collectData: Bool, dataRanges: inout [Range<Int>]
    ) throws(HeadError) -> (Int, Bool) {
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            switch state {
            case .size:
                if let value = Self.hexValue(byte) {
                    digits += 1
                    guard digits <= 15 else { throw .malformed("a chunk size is too large") }
                    size = size << 4 | UInt64(value)
                } else if digits == 0 {
                    throw .malformed("a chunk size is missing")
                } else if byte == UInt8(ascii: ";") || byte == .space || byte == .tab {
                    state = .sizeExtension
                } else if byte == .cr {
                    state = .sizeLF
                } else {
                    throw .malformed("a bad chunk size")
                }
            case .sizeExtension:
                lineBytes += 1
                if byte == .cr {
                    state = .sizeLF
                } else if (byte < 0x20 && byte != .tab) || byte == 0x7F || lineBytes > 4096 {
                    throw .malformed("a bad chunk extension")
                }
            case .sizeLF:
                guard byte == .lf else { throw .malformed("a chunk size line does not end with CRLF") }
                if size == 0 {
                    state = .trailerStart
                } else {
                    remaining = Int(size)
                    state = .data
                }
                size = 0
                digits = 0
                lineBytes = 0
            case .data:
                let take = min(remaining, bytes.count - index)
                if collectData { dataRanges.append(index..<index + take) }
                index += take
                remaining -= take
                if remaining == 0 { state = .dataCR }
                continue
            case .dataCR:
                guard byte == .cr else { throw .malformed("chunk data longer than its size") }
                state = .dataLF
            case .dataLF:
                guard byte == .lf else { throw .malformed("chunk data does not end with CRLF") }
                state = .size
            case .trailerStart:
                state = byte == .cr ? .endLF : .trailerLine
                try countTrailer(byte)
            case .trailerLine:
                try countTrailer(byte)
                if byte == .cr { state = .trailerLF }
            case .trailerLF:
                guard byte == .lf else { throw .malformed("a trailer line does not end with CRLF") }
                state = .trailerStart
            case .endLF:
                guard byte == .lf else { throw .malformed("the chunked body does not end with CRLF") }
                state = .done
                return (index + 1, true)
            case .done:
                return (index, true)
            }
            index += 1
        }
        return (bytes.count, state == .done)
    }

    private mutating func countTrailer(_ byte: UInt8) throws(HeadError) {
        trailerBytes += 1
        guard trailerBytes <= 16384, byte != .lf, byte != 0 else { throw .malformed("bad chunked trailers") }
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
