import Foundation

/// Just enough of git's pkt-line framing (gitprotocol-common) to speak receive-pack by hand.
/// Deliberately separate from GantryGit's codec: the tests must not share the server's bugs.
enum PktLine {
    /// `payload` framed: four hex digits of length (payload + 4), then the payload.
    static func encode(_ payload: String) -> [UInt8] {
        let bytes = Array(payload.utf8)
        let length = String(bytes.count + 4, radix: 16)
        return Array((String(repeating: "0", count: 4 - length.count) + length).utf8) + bytes
    }

    static let flush: [UInt8] = Array("0000".utf8)

    /// One frame read back: `nil` payload for a flush (`0000`) or delimiter packet.
    struct Frame {
        var payload: [UInt8]?
    }

    /// Splits `bytes` into frames.
    /// - Throws: `FixtureFailure` on a malformed length or truncated frame.
    static func decode(_ bytes: [UInt8]) throws -> [Frame] {
        var frames: [Frame] = []
        var index = 0
        while index < bytes.count {
            guard index + 4 <= bytes.count,
                  let length = Int(String(decoding: bytes[index..<index + 4], as: UTF8.self), radix: 16)
            else {
                throw FixtureFailure("bad pkt-line length at byte \(index): \(String(decoding: bytes[index...].prefix(40), as: UTF8.self).debugDescription)")
            }
            if length < 4 {
                frames.append(Frame(payload: nil))
                index += 4
                continue
            }
            guard index + length <= bytes.count else {
                throw FixtureFailure("pkt-line at byte \(index) claims \(length) bytes; only \(bytes.count - index) left")
            }
            frames.append(Frame(payload: Array(bytes[index + 4..<index + length])))
            index += length
        }
        return frames
    }

    /// The three side-band-64k channels of a receive-pack answer: band 1 (the report-status,
    /// itself pkt-lines), band 2 (progress, what git prints as `remote:`), band 3 (fatal error).
    struct Sideband {
        var data: [UInt8] = []
        var progress = ""
        var error = ""
    }

    /// Demultiplexes a side-band-64k answer.
    /// - Throws: `FixtureFailure` on malformed framing or an unknown band.
    static func demultiplex(_ bytes: [UInt8]) throws -> Sideband {
        var result = Sideband()
        for frame in try decode(bytes) {
            guard let payload = frame.payload, let band = payload.first else { continue }
            let rest = payload.dropFirst()
            switch band {
            case 1: result.data += rest
            case 2: result.progress += String(decoding: rest, as: UTF8.self)
            case 3: result.error += String(decoding: rest, as: UTF8.self)
            default: throw FixtureFailure("unknown side-band \(band) in \(String(decoding: payload.prefix(60), as: UTF8.self).debugDescription)")
            }
        }
        return result
    }

    /// The text lines of a report-status (`unpack ok`, `ok REF`, `ng REF REASON`).
    /// - Throws: `FixtureFailure` on malformed framing.
    static func reportLines(_ bytes: [UInt8]) throws -> [String] {
        try decode(bytes).compactMap { frame in
            frame.payload.map { String(decoding: $0, as: UTF8.self).trimmingCharacters(in: .newlines) }
        }
    }
}
