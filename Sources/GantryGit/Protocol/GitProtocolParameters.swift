/// The `Git-Protocol` HTTP header (or SSH `GIT_PROTOCOL` variable) by which a client asks for
/// a protocol version (gitprotocol-v2, "HTTP Transport"): colon-separated `key` or `key=value`
/// parameters such as `version=2`. It reaches git's upload-pack as `GIT_PROTOCOL`, so only a
/// value of a safe charset and length gets through; anything else is ignored (protocol v0).
public struct GitProtocolParameters: Sendable, Equatable {
    /// The value as it may be handed to git.
    public let value: String

    /// The most characters accepted: git sends `version=2`, a few parameters at most.
    public static let maxLength = 256

    /// - Returns: `nil` for a value that is empty, too long, or has a parameter that is not
    ///   `key` or `key=value` of letters, digits, `.`, `_` and `-`.
    public init?(header: String) {
        guard !header.isEmpty, header.utf8.count <= Self.maxLength else { return nil }
        for parameter in header.split(separator: ":", omittingEmptySubsequences: false) {
            let parts = parameter.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.allSatisfy({ !$0.isEmpty && $0.utf8.allSatisfy(Self.isSafe) }) else { return nil }
        }
        value = header
    }

    /// The protocol version asked for: the last `version=N`, or 0.
    public var version: Int {
        value.split(separator: ":").compactMap { parameter -> Int? in
            guard parameter.hasPrefix("version=") else { return nil }
            return Int(parameter.dropFirst("version=".count))
        }.last ?? 0
    }

    private static func isSafe(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"): true
        case UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "-"): true
        default: false
        }
    }
}
