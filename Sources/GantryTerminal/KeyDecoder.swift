/// Turns the bytes a raw-mode terminal sends into `Key`s.
///
/// Escape sequences and UTF-8 characters may arrive split across reads; the decoder keeps an
/// incomplete one until the rest comes. A lone Esc cannot be told from the start of a
/// sequence by its bytes alone: `flush()` decides, once the input has been quiet for a
/// moment (`InputReader` waits `escapeDelay`), that what is pending was the Esc key.
///
/// ```
/// var decoder = KeyDecoder()
/// decoder.feed([0x1b, 0x5b])   // []: the start of a sequence
/// decoder.feed([0x41])         // [.up]
/// ```
public struct KeyDecoder: Sendable {
    /// Bytes received but not yet decoded: the start of an escape sequence or of a character.
    public private(set) var pending: [UInt8] = []

    /// The longest escape sequence kept while waiting for its end; longer ones are dropped.
    static let maximumSequenceLength = 32

    /// A decoder with nothing pending.
    public init() {}

    /// Decodes `bytes` after what is pending; an incomplete tail stays pending.
    public mutating func feed(_ bytes: some Sequence<UInt8>) -> [Key] {
        pending.append(contentsOf: bytes)
        var keys: [Key] = []
        var index = 0
        while index < pending.count {
            switch Self.decode(pending, at: index) {
            case .key(let key, let length):
                keys.append(key)
                index += length
            case .skip(let length):
                index += length
            case .incomplete:
                pending.removeFirst(index)
                return keys
            }
        }
        pending.removeAll(keepingCapacity: true)
        return keys
    }

    /// What is pending, decoded as if no more bytes will come: a lone Esc is the Esc key,
    /// `Esc X` is Esc then X, a cut UTF-8 character is dropped.
    public mutating func flush() -> [Key] {
        guard !pending.isEmpty else { return [] }
        let bytes = pending
        pending.removeAll()
        guard bytes.first == 0x1b else { return [] }
        return [.escape] + feed(bytes.dropFirst())
    }

    // MARK: - Decoding

    enum Step: Equatable {
        /// A key made of `length` bytes.
        case key(Key, length: Int)
        /// `length` bytes that mean no key (an unknown sequence, a stray byte).
        case skip(length: Int)
        /// The bytes from here on could start a key but need more.
        case incomplete
    }

    static func decode(_ bytes: [UInt8], at start: Int) -> Step {
        let byte = bytes[start]
        switch byte {
        case 0x1b: return escape(bytes, at: start)
        case 0x0d, 0x0a: return .key(.enter, length: 1)
        case 0x7f, 0x08: return .key(.backspace, length: 1)
        case 0x09: return .key(.tab, length: 1)
        case 0x03: return .key(.ctrlC, length: 1)
        case 0x04: return .key(.ctrlD, length: 1)
        case 0x00..<0x20: return .skip(length: 1)
        case 0x20..<0x7f: return .key(.character(Character(Unicode.Scalar(byte))), length: 1)
        default: return utf8(bytes, at: start)
        }
    }

    /// `Esc`, `Esc [ … final` (CSI) or `Esc O x` (SS3); `Esc` before anything else is Esc and
    /// that key (Alt+key), reported as Esc alone followed by the key.
    private static func escape(_ bytes: [UInt8], at start: Int) -> Step {
        guard start + 1 < bytes.count else { return .incomplete }
        switch bytes[start + 1] {
        case UInt8(ascii: "["):
            return csi(bytes, at: start)
        case UInt8(ascii: "O"):
            guard start + 2 < bytes.count else { return .incomplete }
            return ss3(bytes[start + 2]).map { .key($0, length: 3) } ?? .skip(length: 3)
        default:
            return .key(.escape, length: 1)
        }
    }

    /// `Esc [` parameters (`0`–`?`), intermediates (space–`/`), one final byte (`@`–`~`).
    private static func csi(_ bytes: [UInt8], at start: Int) -> Step {
        var index = start + 2
        while index < bytes.count {
            let byte = bytes[index]
            if (0x40...0x7e).contains(byte) {
                let parameters = bytes[(start + 2)..<index]
                let length = index - start + 1
                return csiKey(final: byte, parameters: parameters).map { .key($0, length: length) } ?? .skip(length: length)
            }
            guard (0x20...0x3f).contains(byte) else {
                // Not a sequence after all: drop the `Esc [` and decode the rest afresh.
                return .skip(length: 2)
            }
            index += 1
            if index - start > maximumSequenceLength { return .skip(length: index - start) }
        }
        return .incomplete
    }

    private static func csiKey(final: UInt8, parameters: ArraySlice<UInt8>) -> Key? {
        // The first parameter, before any `;modifier` (`Esc [ 1 ; 5 A` is Ctrl+Up: Up).
        let first = parameters.split(separator: UInt8(ascii: ";"), omittingEmptySubsequences: false).first
            .map { String(decoding: $0, as: UTF8.self) } ?? ""
        switch final {
        case UInt8(ascii: "A"): return .up
        case UInt8(ascii: "B"): return .down
        case UInt8(ascii: "C"): return .right
        case UInt8(ascii: "D"): return .left
        case UInt8(ascii: "H"): return .home
        case UInt8(ascii: "F"): return .end
        case UInt8(ascii: "~"):
            switch first {
            case "1", "7": return .home
            case "4", "8": return .end
            case "5": return .pageUp
            case "6": return .pageDown
            default: return nil
            }
        default: return nil
        }
    }

    /// `Esc O x`: what terminals send for arrows, Home and End in application cursor mode;
    /// the same final bytes as their CSI forms.
    private static func ss3(_ byte: UInt8) -> Key? {
        byte == UInt8(ascii: "~") ? nil : csiKey(final: byte, parameters: [])
    }

    /// One UTF-8 character of 2 to 4 bytes; an invalid byte is skipped.
    private static func utf8(_ bytes: [UInt8], at start: Int) -> Step {
        let lead = bytes[start]
        let length: Int
        switch lead {
        case 0xc2...0xdf: length = 2
        case 0xe0...0xef: length = 3
        case 0xf0...0xf4: length = 4
        default: return .skip(length: 1)
        }
        for offset in 1..<length {
            guard start + offset < bytes.count else { return .incomplete }
            guard bytes[start + offset] & 0xc0 == 0x80 else { return .skip(length: offset) }
        }
        let text = String(decoding: bytes[start..<(start + length)], as: UTF8.self)
        guard let character = text.first, !text.unicodeScalars.contains("\u{FFFD}") else { return .skip(length: length) }
        return .key(.character(character), length: length)
    }
}
