/// Where each object of a pack is and what it is, read from the entries' headers alone —
/// nothing is inflated (gitformat-pack). A delta (`OFS_DELTA`, `REF_DELTA`) has the type of
/// the object at the end of its base chain.
package struct PackEntries: Sendable {
    package static let commit: UInt8 = 1, tree: UInt8 = 2, blob: UInt8 = 3, tag: UInt8 = 4
    private static let offsetDelta: UInt8 = 6, referenceDelta: UInt8 = 7

    package struct Entry: Sendable {
        /// The object's type (commit, tree, blob or tag), through any delta chain.
        package var type: UInt8 = 0
        /// The index position of the delta's base, or -1 for a whole object.
        package var base = -1
        /// Where the zlib stream starts in the `.pack`.
        package var dataOffset = 0
        /// The inflated size of that stream: the object's, or the delta's.
        package var size = 0
    }

    /// Each object's entry, by its position in the index.
    package let entries: [Entry]
    /// The index's positions in the order of the entries in the `.pack` (a base before the
    /// `OFS_DELTA`s made from it).
    package let positionsInPackOrder: [Int]

    /// Reads the entry headers of `pack` at the offsets `index` gives.
    /// - Throws: `ReceiveError.unpack` for an entry that is out of bounds, of an unknown type,
    ///   or whose base chain does not end (the indexer would have refused such a pack first).
    package init(pack: MappedFile, index: PackIndex) throws(ReceiveError) {
        let offsets = (0..<index.count).map(index.offset(at:))
        let order = offsets.indices.sorted { offsets[$0] < offsets[$1] }
        let sortedOffsets = order.map { offsets[$0] }
        let bytes = pack.bytes
        var entries = [Entry](repeating: Entry(), count: index.count)

        for position in 0..<index.count {
            var cursor = offsets[position]
            func next() throws(ReceiveError) -> UInt8 {
                guard cursor < bytes.count else { throw .unpack("pack entry \(position) is truncated") }
                defer { cursor += 1 }
                return bytes[cursor]
            }
            guard cursor >= 12 else { throw .unpack("pack entry \(position) is out of bounds") }
            var byte = try next()
            let type = (byte >> 4) & 7
            var size = Int(byte & 0x0f), shift = 4
            while byte & 0x80 != 0 {
                byte = try next()
                guard shift < 57 else { throw .unpack("pack entry \(position) has an oversized length") }
                size |= Int(byte & 0x7f) << shift
                shift += 7
            }
            entries[position].size = size
            switch type {
            case Self.commit, Self.tree, Self.blob, Self.tag:
                entries[position].type = type
            case Self.offsetDelta:
                // The base's distance back: big-endian base-128 with an implicit +1 per byte.
                byte = try next()
                var distance = Int(byte & 0x7f)
                while byte & 0x80 != 0 {
                    byte = try next()
                    guard distance < Int.max >> 8 else { throw .unpack("pack entry \(position) has an oversized base distance") }
                    distance = ((distance + 1) << 7) | Int(byte & 0x7f)
                }
                guard let found = Self.binarySearch(sortedOffsets, offsets[position] - distance) else {
                    throw .unpack("pack entry \(position) names a delta base that is not an entry")
                }
                entries[position].base = order[found]
            case Self.referenceDelta:
                guard cursor + 20 <= bytes.count, let base = index.position(of: bytes.baseAddress! + cursor) else {
                    throw .unpack("pack entry \(position) names a delta base the pack does not hold")
                }
                entries[position].base = base
                cursor += 20
            default:
                throw .unpack("pack entry \(position) has the unknown type \(type)")
            }
            entries[position].dataOffset = cursor
        }

        var chain: [Int] = []
        for position in 0..<index.count where entries[position].type == 0 {
            var current = position
            while entries[current].type == 0 {
                guard chain.count < index.count else { throw .unpack("pack entry \(position) has a delta chain that does not end") }
                chain.append(current)
                current = entries[current].base
            }
            for link in chain { entries[link].type = entries[current].type }
            chain.removeAll(keepingCapacity: true)
        }
        self.entries = entries
        positionsInPackOrder = order
    }

    /// The index of `value` in `sorted`, ascending.
    static func binarySearch(_ sorted: [Int], _ value: Int) -> Int? {
        var low = 0, high = sorted.count
        while low < high {
            let middle = (low + high) / 2
            if sorted[middle] == value { return middle }
            if sorted[middle] < value { low = middle + 1 } else { high = middle }
        }
        return nil
    }
}
