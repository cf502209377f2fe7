#if canImport(Glibc)
import Glibc
#endif

/// A pack's `.idx` file (version 2, the only one libgit2 and git write): the sorted object
/// ids of the pack with the offset of each one's entry in the `.pack`.
///
/// Layout (gitformat-pack): magic `\377tOc`, version 2, a fan-out table of 256 counts, the
/// ids, a CRC-32 each, a 4-byte offset each (high bit set: an index into a table of 8-byte
/// offsets that follows), then two checksums.
package struct PackIndex: Sendable {
    private let file: MappedFile
    /// How many objects the pack holds.
    package let count: Int
    private let idsStart = 8 + 256 * 4
    private var offsetsStart: Int { idsStart + count * 24 }
    private var largeOffsetsStart: Int { offsetsStart + count * 4 }

    /// Reads the index at `path`.
    /// - Throws: `ReceiveError.unpack` when it is not a version 2 pack index.
    package init(path: String) throws(ReceiveError) {
        try self.init(file: MappedFile(path: path), name: path)
    }

    /// Reads the index in `file`, called `name` in errors.
    /// - Throws: `ReceiveError.unpack` when it is not a version 2 pack index.
    package init(file: MappedFile, name path: String) throws(ReceiveError) {
        self.file = file
        let bytes = file.bytes
        guard bytes.count >= 8 + 256 * 4 + 40,
              bytes.loadBigEndianUInt32(at: 0) == 0xff74_4f63, bytes.loadBigEndianUInt32(at: 4) == 2
        else { throw .unpack("\(path) is not a version 2 pack index") }
        count = Int(bytes.loadBigEndianUInt32(at: 8 + 255 * 4))
        guard bytes.count >= 8 + 256 * 4 + count * 28 + 40 else { throw .unpack("\(path) is truncated") }
        // Each fan-out count is at most the next: `position(of:)` searches between two of them.
        for first in 0..<255 where bytes.loadBigEndianUInt32(at: 8 + first * 4) > bytes.loadBigEndianUInt32(at: 8 + first * 4 + 4) {
            throw .unpack("\(path) has a fan-out table that is not sorted")
        }
    }

    /// The 20 bytes of the id at `position` (0 ..< count, in id order).
    package func id(at position: Int) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: file.bytes[idsStart + position * 20 ..< idsStart + position * 20 + 20])
    }

    /// Where the entry of the object at `position` starts in the `.pack`; -1 (no entry's
    /// offset) when it names an 8-byte offset past the index's table of them.
    package func offset(at position: Int) -> Int {
        let small = file.bytes.loadBigEndianUInt32(at: offsetsStart + position * 4)
        guard small & 0x8000_0000 != 0 else { return Int(small) }
        let large = largeOffsetsStart + Int(small & 0x7fff_ffff) * 8
        guard large + 8 <= file.bytes.count - 40 else { return -1 }
        return Int(file.bytes.loadBigEndianUInt32(at: large)) << 32 | Int(file.bytes.loadBigEndianUInt32(at: large + 4))
    }

    /// The position of the object whose id is the 20 bytes at `id`, or `nil` when the pack
    /// does not hold it.
    package func position(of id: UnsafeRawPointer) -> Int? {
        let first = Int(id.load(as: UInt8.self))
        var low = first == 0 ? 0 : Int(file.bytes.loadBigEndianUInt32(at: 8 + (first - 1) * 4))
        var high = Int(file.bytes.loadBigEndianUInt32(at: 8 + first * 4))
        let ids = file.bytes.baseAddress! + idsStart
        while low < high {
            let middle = (low + high) / 2
            let order = memcmp(ids + middle * 20, id, 20)
            if order == 0 { return middle }
            if order < 0 { low = middle + 1 } else { high = middle }
        }
        return nil
    }
}

extension UnsafeRawBufferPointer {
    func loadBigEndianUInt32(at offset: Int) -> UInt32 {
        UInt32(bigEndian: loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }
}
