internal import CZlib

/// Reads the objects of a pack by their index position: inflates the entry and, for a delta,
/// applies it to its base's content (gitformat-pack, "Deltified representation"). A base's
/// content is kept until the last delta made from it has been read, so reading the objects
/// in pack order resolves every delta once, however deep its chain.
///
/// Not thread-safe: one reader per thread.
package final class PackObjectReader {
    private let pack: MappedFile
    private let entries: [PackEntries.Entry]
    /// How many deltas made from each position are still to be read.
    private var dependents: [Int32]
    private var kept: [Int: [UInt8]] = [:]
    private var stream = z_stream()
    /// The largest commit, tree or tag read (git has no limit; a tree of 2 GiB has some 50
    /// million entries).
    static let largestObject = Int(Int32.max)

    /// A reader of the objects of `pack` whose type is in `types`; deltas of other types
    /// are never read, so their bases are not kept for them.
    package init(pack: MappedFile, entries: PackEntries, types: Set<UInt8>) throws(ReceiveError) {
        self.pack = pack
        self.entries = entries.entries
        dependents = [Int32](repeating: 0, count: entries.entries.count)
        for entry in entries.entries where entry.base >= 0 && types.contains(entry.type) {
            dependents[entry.base] += 1
        }
        let status = ZLIB_VERSION.withCString { inflateInit_(&stream, $0, Int32(MemoryLayout<z_stream>.size)) }
        guard status == Z_OK else { throw .unpack("zlib cannot start (\(status))") }
    }

    deinit { inflateEnd(&stream) }

    /// The content of the object at `position`.
    /// - Throws: `ReceiveError.unpack` when an entry does not inflate to its size or a delta
    ///   does not apply to its base.
    package func content(at position: Int) throws(ReceiveError) -> [UInt8] {
        // Down the chain to a whole object or a kept base, then back up applying deltas.
        var chain: [Int] = []
        var current = position
        while entries[current].base >= 0 && kept[current] == nil {
            chain.append(current)
            current = entries[current].base
        }
        var content: [UInt8]
        if let base = kept[current] { content = base } else { content = try inflate(entries[current]) }
        for delta in chain.reversed() {
            let base = entries[delta].base
            content = try Self.apply(try inflate(entries[delta]), to: content, at: delta)
            release(base)
            if dependents[delta] > 0 { kept[delta] = content }
        }
        if chain.isEmpty, dependents[position] > 0 { kept[position] = content }
        return content
    }

    private func release(_ base: Int) {
        dependents[base] -= 1
        if dependents[base] <= 0 { kept[base] = nil }
    }

    private func inflate(_ entry: PackEntries.Entry) throws(ReceiveError) -> [UInt8] {
        guard entry.size <= Self.largestObject else { throw .unpack("pack entry at offset \(entry.dataOffset) is too large to check") }
        let input = pack.bytes.count - entry.dataOffset
        // deflate gives at most 1,032 bytes for each byte it reads: a size that the rest of the
        // pack cannot inflate to is refused before a buffer of that size is allocated.
        guard entry.size / 1032 <= input else { throw .unpack("pack entry at offset \(entry.dataOffset) does not inflate to its size") }
        var output = [UInt8](repeating: 0, count: max(entry.size, 1))
        let status = output.withUnsafeMutableBytes { buffer -> Int32 in
            inflateReset(&stream)
            stream.next_in = UnsafeMutablePointer(mutating: pack.bytes.baseAddress!.assumingMemoryBound(to: UInt8.self) + entry.dataOffset)
            stream.avail_in = UInt32(clamping: input)
            stream.next_out = buffer.baseAddress!.assumingMemoryBound(to: UInt8.self)
            stream.avail_out = UInt32(entry.size)
            return CZlib.inflate(&stream, Z_FINISH)
        }
        guard status == Z_STREAM_END, Int(stream.total_out) == entry.size else {
            throw .unpack("pack entry at offset \(entry.dataOffset) does not inflate to its size")
        }
        output.removeLast(output.count - entry.size)
        return output
    }

    /// Applies a git delta: two sizes (source, result), then instructions that copy a range
    /// of the base or insert literal bytes.
    package static func apply(_ delta: [UInt8], to base: [UInt8], at position: Int) throws(ReceiveError) -> [UInt8] {
        let invalid = ReceiveError.unpack("the delta of pack entry \(position) does not apply to its base")
        var cursor = 0
        func size() throws(ReceiveError) -> Int {
            var value = 0, shift = 0, byte: UInt8 = 0x80
            while byte & 0x80 != 0 {
                guard cursor < delta.count, shift < 57 else { throw invalid }
                byte = delta[cursor]
                cursor += 1
                value |= Int(byte & 0x7f) << shift
                shift += 7
            }
            return value
        }
        guard try size() == base.count else { throw invalid }
        let resultSize = try size()
        guard resultSize <= largestObject else { throw invalid }
        var result: [UInt8] = []
        result.reserveCapacity(resultSize)
        while cursor < delta.count {
            let instruction = delta[cursor]
            cursor += 1
            if instruction & 0x80 != 0 {
                var offset = 0, length = 0
                for bit in 0..<7 where instruction & (1 << bit) != 0 {
                    guard cursor < delta.count else { throw invalid }
                    if bit < 4 { offset |= Int(delta[cursor]) << (8 * bit) } else { length |= Int(delta[cursor]) << (8 * (bit - 4)) }
                    cursor += 1
                }
                if length == 0 { length = 0x10000 }
                guard offset + length <= base.count else { throw invalid }
                result += base[offset ..< offset + length]
            } else if instruction != 0 {
                let length = Int(instruction)
                guard cursor + length <= delta.count else { throw invalid }
                result += delta[cursor ..< cursor + length]
                cursor += length
            } else {
                throw invalid
            }
        }
        guard result.count == resultSize else { throw invalid }
        return result
    }
}
