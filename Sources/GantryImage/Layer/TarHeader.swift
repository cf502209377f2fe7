/// The header blocks of one tar entry: POSIX ustar, preceded by a PAX extended header (`x`)
/// when the name or link target is longer than 100 bytes or the size does not fit 11 octal
/// digits (8 GiB). Every field Gantry does not keep is fixed: mtime `LayerWriter.modificationTime`,
/// uid/gid 0, empty user and group names, device numbers 0.
struct TarHeader {
    enum Kind {
        case regularFile
        /// A later name of a file already in the archive; `linkName` is the first name.
        case hardLink
        case symbolicLink
        case directory

        var typeFlag: UInt8 {
            switch self {
            case .regularFile: UInt8(ascii: "0")
            case .hardLink: UInt8(ascii: "1")
            case .symbolicLink: UInt8(ascii: "2")
            case .directory: UInt8(ascii: "5")
            }
        }
    }

    static let blockSize = 512
    /// The largest size an 11-digit octal field holds: 8 GiB - 1.
    static let maxOctalSize = 0o77777777777

    /// The entry's path inside the archive; a directory's ends in `/`.
    var name: [UInt8]
    var kind: Kind
    /// Permission bits (`mode & 0o7777`).
    var mode: UInt32
    /// Bytes of content that follow (regular files only).
    var size: Int = 0
    /// A symlink's target, verbatim; a hard link's first name in the archive.
    var linkName: [UInt8] = []

    /// The header blocks: a multiple of 512 bytes.
    func encoded() -> [UInt8] {
        var records: [(key: String, value: [UInt8])] = []
        if name.count > 100 { records.append(("path", name)) }
        if linkName.count > 100 { records.append(("linkpath", linkName)) }
        if size > Self.maxOctalSize { records.append(("size", Array(String(size).utf8))) }
        var blocks: [UInt8] = []
        if !records.isEmpty {
            let body = records.flatMap(Self.paxRecord)
            blocks += Self.block(
                name: Self.paxHeaderName(for: name), typeFlag: UInt8(ascii: "x"), mode: 0o644,
                size: body.count, linkName: [])
            blocks += body
            blocks += Self.padding(after: body.count)
        }
        blocks += Self.block(
            name: Array(name.prefix(100)), typeFlag: kind.typeFlag, mode: mode,
            size: size > Self.maxOctalSize ? 0 : size, linkName: Array(linkName.prefix(100)))
        return blocks
    }

    /// Zero bytes that pad `count` bytes of content to a whole block.
    static func padding(after count: Int) -> [UInt8] {
        let remainder = count % blockSize
        return remainder == 0 ? [] : [UInt8](repeating: 0, count: blockSize - remainder)
    }

    /// One ustar header block.
    private static func block(name: [UInt8], typeFlag: UInt8, mode: UInt32, size: Int, linkName: [UInt8]) -> [UInt8] {
        var block = [UInt8](repeating: 0, count: blockSize)
        func put(_ bytes: [UInt8], at offset: Int) {
            block.replaceSubrange(offset..<offset + bytes.count, with: bytes)
        }
        put(name, at: 0)
        put(octal(Int(mode), width: 8), at: 100)
        put(octal(0, width: 8), at: 108)  // uid
        put(octal(0, width: 8), at: 116)  // gid
        put(octal(size, width: 12), at: 124)
        put(octal(LayerWriter.modificationTime, width: 12), at: 136)
        put([UInt8](repeating: UInt8(ascii: " "), count: 8), at: 148)  // checksum, computed below
        block[156] = typeFlag
        put(linkName, at: 157)
        put(Array("ustar\0".utf8) + Array("00".utf8), at: 257)
        // uname (265) and gname (297) stay empty.
        put(octal(0, width: 8), at: 329)  // devmajor
        put(octal(0, width: 8), at: 337)  // devminor
        let checksum = block.reduce(0) { $0 + Int($1) }
        put(octal(checksum, width: 7) + [UInt8(ascii: " ")], at: 148)
        return block
    }

    /// `value` in octal, zero-padded to `width - 1` digits, then NUL.
    private static func octal(_ value: Int, width: Int) -> [UInt8] {
        let digits = Array(String(value, radix: 8).utf8)
        precondition(digits.count < width, "\(value) does not fit a \(width)-byte tar field")
        return [UInt8](repeating: UInt8(ascii: "0"), count: width - 1 - digits.count) + digits + [0]
    }

    /// `LENGTH key=value\n`, where LENGTH counts the whole record, its own digits included.
    private static func paxRecord(_ record: (key: String, value: [UInt8])) -> [UInt8] {
        let rest = record.key.utf8.count + record.value.count + 3  // space, '=', newline
        var length = rest + 1
        while String(length).utf8.count + rest != length { length = String(length).utf8.count + rest }
        return Array("\(length) \(record.key)=".utf8) + record.value + [UInt8(ascii: "\n")]
    }

    /// `PaxHeaders/` and the start of the entry's last path component, as GNU tar names them.
    private static func paxHeaderName(for name: [UInt8]) -> [UInt8] {
        let trimmed = name.last == UInt8(ascii: "/") ? name.dropLast() : name[...]
        let base = trimmed.split(separator: UInt8(ascii: "/")).last.map(Array.init) ?? []
        return Array("PaxHeaders/".utf8) + base.prefix(100 - 11)
    }
}
