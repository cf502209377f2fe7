import Foundation

/// Packs written byte by byte, for objects no git would write: a delta whose result is
/// 10 GiB, a chain of deltas deeper than git allows. Entries are zlib streams of stored
/// (uncompressed) blocks, which every inflater reads.
public struct CraftedPack {
    private var bytes: [UInt8] = []
    private var count = 0
    /// Each entry's offset, in order.
    public private(set) var offsets: [Int] = []

    public init() {}

    /// A whole object of `type` (1 commit, 2 tree, 3 blob, 4 tag).
    public mutating func add(type: UInt8, _ content: [UInt8]) {
        offsets.append(bytes.count + 12)
        bytes += Self.header(type: type, size: content.count) + Self.zlibStored(content)
        count += 1
    }

    /// An `OFS_DELTA` against entry `base` (an index into `offsets`).
    public mutating func addDelta(base: Int, _ delta: [UInt8]) {
        let offset = bytes.count + 12
        offsets.append(offset)
        var distance = offset - offsets[base]
        var encoded = [UInt8(distance & 0x7f)]
        distance >>= 7
        while distance > 0 {
            distance -= 1
            encoded.insert(UInt8(0x80 | (distance & 0x7f)), at: 0)
            distance >>= 7
        }
        bytes += Self.header(type: 6, size: delta.count) + encoded + Self.zlibStored(delta)
        count += 1
    }

    /// The pack: header, entries, SHA-1 trailer.
    public func packed() async throws -> [UInt8] {
        let header = Array("PACK".utf8) + [0, 0, 0, 2] + [24, 16, 8, 0].map { UInt8((count >> Int($0)) & 0xff) }
        let body = header + bytes
        return body + (try await Self.sha1(body))
    }

    /// A delta's header: the base's size, then the result's, as base-128 varints.
    public static func deltaHeader(baseSize: Int, resultSize: Int) -> [UInt8] { varint(baseSize) + varint(resultSize) }

    static func varint(_ value: Int) -> [UInt8] {
        var value = value
        var out: [UInt8] = []
        repeat {
            var byte = UInt8(value & 0x7f)
            value >>= 7
            if value > 0 { byte |= 0x80 }
            out.append(byte)
        } while value > 0
        return out
    }

    private static func header(type: UInt8, size: Int) -> [UInt8] {
        var size = size
        var out = [UInt8(type << 4) | UInt8(size & 0x0f)]
        size >>= 4
        while size > 0 {
            out[out.count - 1] |= 0x80
            out.append(UInt8(size & 0x7f))
            size >>= 7
        }
        return out
    }

    private static func zlibStored(_ data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [0x78, 0x01]
        var offset = 0
        repeat {
            let length = min(65_535, data.count - offset)
            let final: UInt8 = offset + length == data.count ? 1 : 0
            out += [final, UInt8(length & 0xff), UInt8(length >> 8), UInt8(~length & 0xff), UInt8((~length >> 8) & 0xff)]
            out += data[offset ..< offset + length]
            offset += length
        } while offset < data.count
        var a: UInt32 = 1, b: UInt32 = 0
        for byte in data {
            a = (a + UInt32(byte)) % 65_521
            b = (b + a) % 65_521
        }
        let adler = b << 16 | a
        return out + [24, 16, 8, 0].map { UInt8((adler >> UInt32($0)) & 0xff) }
    }

    private static func sha1(_ data: [UInt8]) async throws -> [UInt8] {
        let text = try await Shell.run("/usr/bin/sha1sum", [], input: data, errors: .inherited).output
        let hex = Array(text.prefix(40).utf8)
        return stride(from: 0, to: 40, by: 2).map { UInt8(String(decoding: hex[$0 ..< $0 + 2], as: UTF8.self), radix: 16)! }
    }
}

extension CraftedPack {
    /// A 64 KiB blob and a 160 KiB delta that copies it 160,000 times: 10 GiB if applied
    /// (each `0x80` instruction copies 0x10000 bytes from offset 0 of the base).
    public static func deltaBomb() -> CraftedPack {
        var pack = CraftedPack()
        pack.add(type: 3, [UInt8](repeating: 0x61, count: 1 << 16))
        pack.addDelta(base: 0, deltaHeader(baseSize: 1 << 16, resultSize: 160_000 << 16) + [UInt8](repeating: 0x80, count: 160_000))
        return pack
    }
}
