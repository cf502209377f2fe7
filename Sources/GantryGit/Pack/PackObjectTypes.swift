/// The type of every object of a pack, read from the entries' headers alone — nothing is
/// inflated. A delta (`OFS_DELTA`, `REF_DELTA`) has the type of the object at the end of its
/// base chain.
struct PackObjectTypes: Sendable {
    static let commit: UInt8 = 1, tree: UInt8 = 2, blob: UInt8 = 3, tag: UInt8 = 4
    private static let offsetDelta: UInt8 = 6, referenceDelta: UInt8 = 7

    /// The type of each object, by its position in the index.
    let types: [UInt8]
    /// The index's positions in the order of the entries in the `.pack`.
    let positionsInPackOrder: [Int]

    /// Reads the entry headers of `pack` at the offsets `index` gives.
    /// - Throws: `ReceiveError.unpack` for an entry that is out of bounds, of an unknown type,
    ///   or whose base chain does not end (the indexer would have refused such a pack first).
    init(pack: MappedFile, index: PackIndex) throws(ReceiveError) {
        let offsets = (0..<index.count).map(index.offset(at:))
        let order = offsets.indices.sorted { offsets[$0] < offsets[$1] }
        let sortedOffsets = order.map { offsets[$0] }
        let bytes = pack.bytes
        var types = [UInt8](repeating: 0, count: index.count)
        var bases = [Int](repeating: -1, count: index.count)

        for position in 0..<index.count {
            var cursor = offsets[position]
            guard cursor >= 12, cursor < bytes.count else { throw .unpack("pack entry \(position) is out of bounds") }
            var byte = bytes[cursor]
            let type = (byte >> 4) & 7
            while byte & 0x80 != 0 {  // the rest of the size
                cursor += 1
                guard cursor < bytes.count else { throw .unpack("pack entry \(position) is truncated") }
                byte = bytes[cursor]
            }
            cursor += 1
            switch type {
            case Self.commit, Self.tree, Self.blob, Self.tag:
                types[position] = type
            case Self.offsetDelta:
                // The base's distance back: big-endian base-128 with an implicit +1 per byte.
                guard cursor < bytes.count else { throw .unpack("pack entry \(position) is truncated") }
                byte = bytes[cursor]
                var distance = Int(byte & 0x7f)
                while byte & 0x80 != 0 {
                    cursor += 1
                    guard cursor < bytes.count, distance < Int.max >> 8 else { throw .unpack("pack entry \(position) is truncated") }
                    byte = bytes[cursor]
                    distance = ((distance + 1) << 7) | Int(byte & 0x7f)
                }
                let baseOffset = offsets[position] - distance
                guard let found = Self.binarySearch(sortedOffsets, baseOffset) else {
                    throw .unpack("pack entry \(position) names a delta base that is not an entry")
                }
                bases[position] = order[found]
            case Self.referenceDelta:
                guard cursor + 20 <= bytes.count, let base = index.position(of: bytes.baseAddress! + cursor) else {
                    throw .unpack("pack entry \(position) names a delta base the pack does not hold")
                }
                bases[position] = base
            default:
                throw .unpack("pack entry \(position) has the unknown type \(type)")
            }
        }

        var chain: [Int] = []
        for position in 0..<index.count where types[position] == 0 {
            var current = position
            while types[current] == 0 {
                guard chain.count < index.count else { throw .unpack("pack entry \(position) has a delta chain that does not end") }
                chain.append(current)
                current = bases[current]
            }
            for link in chain { types[link] = types[current] }
            chain.removeAll(keepingCapacity: true)
        }
        self.types = types
        positionsInPackOrder = order
    }

    private static func binarySearch(_ sorted: [Int], _ value: Int) -> Int? {
        var low = 0, high = sorted.count
        while low < high {
            let middle = (low + high) / 2
            if sorted[middle] == value { return middle }
            if sorted[middle] < value { low = middle + 1 } else { high = middle }
        }
        return nil
    }
}
