/// One packet of git's pkt-line framing (gitprotocol-common): four hex digits giving the
/// length of the packet including themselves, then the payload; `0000` is a flush,
/// `0001` a delimiter, `0002` a response end.
public enum PktLine: Equatable, Sendable {
    case data([UInt8])
    case flush
    case delimiter
    case responseEnd

    /// The longest packet git allows, header included.
    public static let maximumLength = 65520
    /// The longest payload of a data packet.
    public static let maximumPayload = maximumLength - 4

    /// `0000`.
    public static let flushBytes: [UInt8] = Array("0000".utf8)

    /// The encoded form of a data packet.
    public static func encode(_ payload: some Collection<UInt8>) -> [UInt8] {
        precondition(payload.count <= maximumPayload, "pkt-line payload too long")
        var out = hexLength(payload.count + 4)
        out.append(contentsOf: payload)
        return out
    }

    /// The encoded form of a text line; a trailing LF is added as git does.
    public static func encode(line: String) -> [UInt8] {
        encode(Array((line.hasSuffix("\n") ? line : line + "\n").utf8))
    }

    /// The encoded form of this packet.
    public var bytes: [UInt8] {
        switch self {
        case .data(let payload): PktLine.encode(payload)
        case .flush: PktLine.flushBytes
        case .delimiter: Array("0001".utf8)
        case .responseEnd: Array("0002".utf8)
        }
    }

    /// The payload as text without its trailing LF, for data packets.
    public var text: String? {
        guard case .data(var payload) = self else { return nil }
        if payload.last == UInt8(ascii: "\n") { payload.removeLast() }
        return String(decoding: payload, as: UTF8.self)
    }

    private static func hexLength(_ length: Int) -> [UInt8] {
        let digits = Array("0123456789abcdef".utf8)
        return [12, 8, 4, 0].map { digits[(length >> $0) & 0xf] }
    }
}

/// Splits a byte stream into pkt-lines as the bytes arrive.
///
/// Feed it with `append(_:)`, then call `next()` until it returns `nil` (more bytes needed).
/// Bytes after the packets it has handed out stay in `remainder` (a pack follows the command
/// list in the same stream).
public struct PktLineDecoder: Sendable {
    private var buffer: [UInt8] = []
    private var start = 0

    public init() {}

    /// Adds bytes received from the peer.
    public mutating func append(_ bytes: some Collection<UInt8>) {
        if start > 0 && start == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            start = 0
        } else if start >= PktLine.maximumLength {
            // Packets handed out are dropped, so the buffer holds at most one packet and
            // the bytes just appended, however long the stream.
            buffer.removeFirst(start)
            start = 0
        }
        buffer.append(contentsOf: bytes)
    }

    /// The next complete packet, or `nil` when more bytes are needed.
    /// - Throws: `PktLineError` when the bytes are not pkt-line framing.
    public mutating func next() throws(PktLineError) -> PktLine? {
        guard buffer.count - start >= 4 else { return nil }
        var length = 0
        for byte in buffer[start..<start + 4] {
            guard let digit = Self.hexValue(byte) else {
                throw PktLineError(reason: "bad length header '\(Self.printable(buffer[start..<start + 4]))'")
            }
            length = length << 4 | digit
        }
        switch length {
        case 0, 1, 2:
            start += 4
            return [.flush, .delimiter, .responseEnd][length]
        case 3:
            throw PktLineError(reason: "length 3 is reserved")
        case let n where n > PktLine.maximumLength:
            throw PktLineError(reason: "packet of \(n) bytes is longer than \(PktLine.maximumLength)")
        default:
            guard buffer.count - start >= length else { return nil }
            let payload = Array(buffer[start + 4..<start + length])
            start += length
            return .data(payload)
        }
    }

    /// The bytes not yet handed out as packets.
    public var remainder: ArraySlice<UInt8> { buffer[start...] }

    private static func hexValue(_ byte: UInt8) -> Int? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): Int(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): Int(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): Int(byte - UInt8(ascii: "A") + 10)
        default: nil
        }
    }

    private static func printable(_ bytes: ArraySlice<UInt8>) -> String {
        String(bytes.map { (0x20..<0x7f).contains($0) ? Character(UnicodeScalar($0)) : "?" })
    }
}

/// Bytes that are not valid pkt-line framing.
public struct PktLineError: Error, Equatable, Sendable, CustomStringConvertible {
    public let reason: String
    public var description: String { "malformed pkt-line: \(reason)" }
}

/// git's side-band-64k multiplexing: every packet's first payload byte names a band —
/// 1 data (here: the report-status), 2 progress (shown as `remote:` lines), 3 fatal error.
public enum Sideband: UInt8, Sendable {
    case data = 1
    case progress = 2
    case error = 3

    /// The most data one side-band-64k packet carries.
    public static let maximumData = PktLine.maximumPayload - 1

    /// `bytes` as side-band packets on this band, split to fit.
    public func encode(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        var offset = 0
        repeat {
            let end = min(offset + Self.maximumData, bytes.count)
            out += PktLine.encode([rawValue] + bytes[offset..<end])
            offset = end
        } while offset < bytes.count
        return out
    }
}
