import Foundation

/// A fresh directory under the system's temp directory, removed by `remove()`.
struct ScratchDirectory: Sendable {
    /// Its absolute path, symlinks resolved.
    let path: String

    /// Creates `TMPDIR/PREFIX-UUID`.
    /// - Throws: what `FileManager` throws.
    init(prefix: String) throws {
        let base = FileManager.default.temporaryDirectory.resolvingSymlinksInPath()
        path = base.appendingPathComponent("\(prefix)-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    /// `path/relative`, created as a directory.
    /// - Throws: what `FileManager` throws.
    func directory(_ relative: String) throws -> String {
        let result = path + "/" + relative
        try FileManager.default.createDirectory(atPath: result, withIntermediateDirectories: true)
        return result
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }
}

/// Deterministic bytes that do not compress (SplitMix64), so packs have real size.
struct NoiseGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// `count` random bytes.
    mutating func bytes(_ count: Int) -> Data {
        var data = Data(capacity: count + 8)
        while data.count < count {
            withUnsafeBytes(of: next().littleEndian) { data.append(contentsOf: $0) }
        }
        return data.prefix(count)
    }

    /// `count` random characters of base64 text, in lines of 76.
    mutating func text(_ count: Int) -> String {
        let encoded = bytes(count * 3 / 4 + 3).base64EncodedString(options: [.lineLength76Characters, .endLineWithLineFeed])
        return String(encoded.prefix(count)) + "\n"
    }
}
