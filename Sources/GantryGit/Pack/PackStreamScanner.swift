internal import CZlib

/// Reads a pack as it streams in, beside libgit2's indexer, and refuses it as soon as an
/// object would break `PackLimits`: a delta's result size and its base size are the first
/// bytes of its data, so the cost of every delta is known without applying it. Each entry is
/// inflated once into a small scratch buffer (to find where it ends), nothing is kept but
/// each entry's offset, type and chain depth.
///
/// Not thread-safe: one scanner per push, fed from one queue.
package final class PackStreamScanner {
    private enum Phase { case header, entryHeader, entryData, trailer }

    private let limits: PackLimits
    private var phase = Phase.header
    /// Header bytes gathered (the pack's, or the current entry's).
    private var pending: [UInt8] = []
    /// The offset in the pack of the next byte fed.
    private var offset = 0
    private var entriesLeft = 0
    /// The total of the declared sizes of whole objects and delta results so far.
    private(set) var inflatedBytes = 0

    // The entry being read.
    private var entryOffset = 0
    private var entrySize = 0
    private var baseOffset: Int?  // OFS_DELTA's base
    private var isDelta = false
    private var deltaHead: [UInt8] = []
    private var resultSize: Int?

    // Entries read: offsets ascending, each with its type (0: unknown, a REF_DELTA's) and depth.
    private var offsets: [Int] = []
    private var kinds: [(type: UInt8, depth: Int32)] = []

    private var stream = z_stream()
    private var scratch = [UInt8](repeating: 0, count: 64 << 10)

    package init(limits: PackLimits) throws(ReceiveError) {
        self.limits = limits
        let status = ZLIB_VERSION.withCString { inflateInit_(&stream, $0, Int32(MemoryLayout<z_stream>.size)) }
        guard status == Z_OK else { throw .unpack("zlib cannot start (\(status))") }
    }

    deinit { inflateEnd(&stream) }

    /// Reads the next bytes of the pack.
    /// - Throws: `ReceiveError.packTooLarge` naming the bound an object breaks;
    ///   `ReceiveError.unpack` for bytes that are not a pack.
    package func feed(_ bytes: UnsafeRawBufferPointer) throws(ReceiveError) {
        var cursor = 0
        while cursor < bytes.count {
            switch phase {
            case .header:
                let take = min(12 - pending.count, bytes.count - cursor)
                pending += bytes[cursor ..< cursor + take]
                cursor += take
                guard pending.count == 12 else { continue }
                guard pending[0..<4].elementsEqual("PACK".utf8), pending[7] == 2 || pending[7] == 3 else {
                    throw .unpack("the data is not a git pack (version 2 or 3)")
                }
                entriesLeft = pending[8..<12].reduce(0) { $0 << 8 | Int($1) }
                pending.removeAll()
                phase = entriesLeft > 0 ? .entryHeader : .trailer
            case .entryHeader:
                if pending.isEmpty { entryOffset = offset + cursor }
                pending.append(bytes[cursor])
                cursor += 1
                if try parseEntryHeader() {
                    pending.removeAll()
                    inflateReset(&stream)
                    phase = .entryData
                }
            case .entryData:
                cursor += try inflate(UnsafeRawBufferPointer(rebasing: bytes[cursor...]))
            case .trailer:
                cursor = bytes.count  // the checksum, which the indexer checks
            }
        }
        offset += bytes.count
    }

    /// Parses `pending` as an entry header; `false` while it is incomplete.
    private func parseEntryHeader() throws(ReceiveError) -> Bool {
        var cursor = 0
        func next() -> UInt8? {
            guard cursor < pending.count else { return nil }
            defer { cursor += 1 }
            return pending[cursor]
        }
        guard pending.count <= 40 else { throw .unpack("pack entry at offset \(entryOffset) has a malformed header") }
        guard var byte = next() else { return false }
        let type = (byte >> 4) & 7
        var size = Int(byte & 0x0f), shift = 4
        while byte & 0x80 != 0 {
            guard let more = next() else { return false }
            byte = more
            guard shift < 57 else { throw .unpack("pack entry at offset \(entryOffset) has an oversized length") }
            size |= Int(byte & 0x7f) << shift
            shift += 7
        }
        baseOffset = nil
        switch type {
        case PackEntries.commit, PackEntries.tree, PackEntries.blob, PackEntries.tag:
            isDelta = false
        case 6:  // OFS_DELTA
            guard var byte = next() else { return false }
            var distance = Int(byte & 0x7f)
            while byte & 0x80 != 0 {
                guard let more = next() else { return false }
                byte = more
                guard distance < Int.max >> 8 else { throw .unpack("pack entry at offset \(entryOffset) has an oversized base distance") }
                distance = ((distance + 1) << 7) | Int(byte & 0x7f)
            }
            baseOffset = entryOffset - distance
            isDelta = true
        case 7:  // REF_DELTA
            guard pending.count >= cursor + 20 else { return false }
            isDelta = true
        default:
            throw .unpack("pack entry at offset \(entryOffset) has the unknown type \(type)")
        }
        entrySize = size
        deltaHead.removeAll(keepingCapacity: true)
        resultSize = nil
        if !isDelta { try admit(type: type, size: size) }
        return true
    }

    /// Inflates what `input` holds of the current entry's data.
    /// - Returns: how many bytes of `input` it took.
    private func inflate(_ input: UnsafeRawBufferPointer) throws(ReceiveError) -> Int {
        stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress!.assumingMemoryBound(to: UInt8.self))
        stream.avail_in = UInt32(clamping: input.count)
        let given = Int(stream.avail_in)
        var status: Int32 = Z_OK
        repeat {
            let produced: Int
            (status, produced) = stream.inflate(into: &scratch)
            guard status == Z_OK || status == Z_STREAM_END || (status == Z_BUF_ERROR && stream.avail_in == 0) else {
                throw .unpack("pack entry at offset \(entryOffset) is corrupt (zlib \(status))")
            }
            guard Int(stream.total_out) <= entrySize else {
                throw .unpack("pack entry at offset \(entryOffset) inflates past its declared size")
            }
            if isDelta && resultSize == nil {
                deltaHead += scratch[0 ..< min(produced, 20 - deltaHead.count)]
                try readDeltaHead(final: status == Z_STREAM_END)
            }
        } while status == Z_OK && (stream.avail_in > 0 || stream.avail_out == 0)
        let taken = given - Int(stream.avail_in)
        if status == Z_STREAM_END {
            guard Int(stream.total_out) == entrySize else {
                throw .unpack("pack entry at offset \(entryOffset) does not inflate to its size")
            }
            entriesLeft -= 1
            phase = entriesLeft > 0 ? .entryHeader : .trailer
        }
        return taken
    }

    /// Reads the delta's base and result sizes once enough of it is inflated, and admits it.
    private func readDeltaHead(final: Bool) throws(ReceiveError) {
        var cursor = 0
        func size() -> Int? {
            var value = 0, shift = 0
            while cursor < deltaHead.count, shift < 57 {
                let byte = deltaHead[cursor]
                cursor += 1
                value |= Int(byte & 0x7f) << shift
                shift += 7
                if byte & 0x80 == 0 { return value }
            }
            return nil
        }
        guard size() != nil, let result = size() else {
            if final || deltaHead.count >= 20 { throw .unpack("the delta of pack entry at offset \(entryOffset) has a malformed header") }
            return
        }
        resultSize = result
        var type: UInt8 = 0
        var depth: Int32 = 1
        if let baseOffset, let found = PackEntries.binarySearch(offsets, baseOffset) {
            type = kinds[found].type
            depth = kinds[found].depth + 1
        } else if baseOffset != nil {
            throw .unpack("pack entry at offset \(entryOffset) names a delta base that is not an entry")
        }
        guard Int(depth) <= limits.deltaDepth else {
            throw .packTooLarge("pack entry at offset \(entryOffset) is at the end of a delta chain deeper than \(limits.deltaDepth) (git never writes deeper ones)")
        }
        guard result <= limits.deltaResultBytes else {
            throw .packTooLarge("pack entry at offset \(entryOffset) is a delta whose result is \(Self.format(result)), over the limit of \(Self.format(limits.deltaResultBytes)) per delta")
        }
        try admit(type: type, size: result, depth: depth)
    }

    /// Counts an object of `type` (0: unknown) and inflated `size` against the limits and
    /// records it.
    private func admit(type: UInt8, size: Int, depth: Int32 = 0) throws(ReceiveError) {
        if [PackEntries.commit, PackEntries.tree, PackEntries.tag].contains(type), size > limits.linkingObjectBytes {
            throw .packTooLarge("pack entry at offset \(entryOffset) is a commit, tree or tag of \(Self.format(size)), over the limit of \(Self.format(limits.linkingObjectBytes))")
        }
        inflatedBytes += size
        guard inflatedBytes <= limits.inflatedBytes else {
            throw .packTooLarge("the pack inflates to more than \(Self.format(limits.inflatedBytes)), the limit for a push (8 times gantryd --max-push-bytes)")
        }
        offsets.append(entryOffset)
        kinds.append((type, depth))
    }

    static func format(_ bytes: Int) -> String { ReceivePack.formatBytes(bytes) }
}
