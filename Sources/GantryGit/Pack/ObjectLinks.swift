#if canImport(Glibc)
import Glibc
#endif

/// The objects a commit, tree or tag names, read from its raw content (gitformat-object):
/// a commit's `tree` and `parent` lines, a tag's `object` line, a tree's entries (submodule
/// entries, mode 160000, name commits of another repository and are left out).
package enum ObjectLinks {
    package enum Outcome: Equatable { case complete, stopped, malformed }

    /// Calls `body` with the 20 bytes of each id `content`, an object of `type`
    /// (`PackEntries.commit`, `.tree`, `.tag`), names, and whether it names a tree as a tree
    /// entry (a subdirectory), until `body` returns `false`.
    package static func forEach(
        ofType type: UInt8, in content: UnsafeRawBufferPointer, _ body: (_ id: UnsafeRawPointer, _ isSubtree: Bool) -> Bool
    ) -> Outcome {
        switch type {
        case PackEntries.tree: treeEntries(content, body)
        case PackEntries.commit: headerLinks(content, keys: ["tree", "parent"], body)
        case PackEntries.tag: headerLinks(content, keys: ["object"], body)
        default: .complete
        }
    }

    /// Tree entries: `MODE SP NAME NUL` and 20 bytes of id, one after another.
    private static func treeEntries(_ content: UnsafeRawBufferPointer, _ body: (UnsafeRawPointer, Bool) -> Bool) -> Outcome {
        guard let base = content.baseAddress else { return .complete }  // the empty tree
        var cursor = 0
        while cursor < content.count {
            var mode = 0
            while cursor < content.count, content[cursor] != 0x20 {
                let digit = Int(content[cursor]) - 0x30
                guard (0...7).contains(digit), mode < 0o1_000_000 else { return .malformed }
                mode = mode << 3 | digit
                cursor += 1
            }
            guard let end = UnsafeRawBufferPointer(rebasing: content[cursor...]).firstIndex(of: 0) else { return .malformed }
            cursor += end + 1
            guard cursor + 20 <= content.count else { return .malformed }
            if mode != 0o160000, !body(base + cursor, mode == 0o40000) { return .stopped }
            cursor += 20
        }
        return .complete
    }

    /// Header lines `KEY SP HEX40 LF` at the top of a commit or tag, in the order git writes
    /// them: every leading line whose key is one of `keys` is a link; the first other line
    /// ends them. A commit must start with its tree and a tag with its object.
    private static func headerLinks(
        _ content: UnsafeRawBufferPointer, keys: [StaticString], _ body: (UnsafeRawPointer, Bool) -> Bool
    ) -> Outcome {
        var id = (UInt64(0), UInt64(0), UInt32(0))
        var cursor = 0
        var links = 0
        lines: while true {
            for key in links == 0 ? keys.prefix(1) : keys[...] {
                let keyLength = key.utf8CodeUnitCount
                let end = cursor + keyLength + 1 + 40
                guard end < content.count, content[end] == 0x0a, content[cursor + keyLength] == 0x20,
                      memcmp(content.baseAddress! + cursor, key.utf8Start, keyLength) == 0
                else { continue }
                let parsed = withUnsafeMutableBytes(of: &id) { raw in
                    decodeHex(UnsafeRawBufferPointer(rebasing: content[cursor + keyLength + 1 ..< end]), into: raw)
                }
                guard parsed else { return .malformed }
                if !withUnsafeBytes(of: &id, { body($0.baseAddress!, false) }) { return .stopped }
                links += 1
                cursor = end + 1
                continue lines
            }
            break
        }
        return links > 0 ? .complete : .malformed
    }

    private static func decodeHex(_ hex: UnsafeRawBufferPointer, into bytes: UnsafeMutableRawBufferPointer) -> Bool {
        for index in 0..<20 {
            guard let high = nibble(hex[2 * index]), let low = nibble(hex[2 * index + 1]) else { return false }
            bytes[index] = high << 4 | low
        }
        return true
    }

    private static func nibble(_ character: UInt8) -> UInt8? {
        switch character {
        case 0x30...0x39: character - 0x30
        case 0x61...0x66: character - 0x61 + 10
        default: nil
        }
    }
}
