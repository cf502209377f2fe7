import Crypto

/// A content digest as OCI writes it: `sha256:` followed by 64 lowercase hex digits.
/// Encoded in JSON as that string.
public struct Digest: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    /// The 64 hex digits, without the algorithm; also the blob's file name.
    public let hex: String

    /// Parses `sha256:HEX`.
    /// - Throws: `ImageError.invalidDigest` for anything else (other algorithms included).
    public init(_ string: String) throws(ImageError) {
        guard string.hasPrefix("sha256:") else { throw .invalidDigest(string) }
        let hex = String(string.dropFirst(7))
        guard Self.isHex(hex) else { throw .invalidDigest(string) }
        self.hex = hex
    }

    /// Parses the 64 hex digits alone, as in a blob's file name.
    /// - Returns: `nil` when `hex` is not 64 lowercase hex digits.
    public init?(hex: String) {
        guard Self.isHex(hex) else { return nil }
        self.hex = hex
    }

    /// The digest of a finished SHA-256 hash.
    init(_ digest: SHA256.Digest) {
        var hex = ""
        hex.reserveCapacity(64)
        for byte in digest {
            hex.append(Self.hexDigits[Int(byte >> 4)])
            hex.append(Self.hexDigits[Int(byte & 0x0f)])
        }
        self.hex = hex
    }

    /// The SHA-256 digest of `bytes`.
    public static func of(_ bytes: some Sequence<UInt8>) -> Digest {
        Digest(SHA256.hash(data: Array(bytes)))
    }

    /// `sha256:HEX`.
    public var description: String { "sha256:" + hex }

    /// The first 12 hex digits, for messages (`sha256:4be1c0ffee12`).
    public var short: String { "sha256:" + hex.prefix(12) }

    /// Orders digests by their hex digits.
    public static func < (lhs: Digest, rhs: Digest) -> Bool { lhs.hex < rhs.hex }

    /// Decodes `sha256:HEX` from a JSON string.
    public init(from decoder: any Decoder) throws {
        let string = try decoder.singleValueContainer().decode(String.self)
        do {
            self = try Digest(string)
        } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: error.description))
        }
    }

    /// Encodes `sha256:HEX` as a JSON string.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    private static let hexDigits = Array("0123456789abcdef")

    private static func isHex(_ string: String) -> Bool {
        string.utf8.count == 64 && string.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }
}
