internal import CGit2
import GantryCore

extension ObjectID {
    /// The libgit2 form of this id.
    var gitOID: git_oid {
        var oid = git_oid()
        hex.withCString { _ = git_oid_fromstr(&oid, $0) }
        return oid
    }

    /// The id whose 20 raw bytes start at `bytes`.
    init(raw bytes: UnsafeRawPointer) {
        var oid = git_oid()
        git_oid_fromraw(&oid, bytes.assumingMemoryBound(to: UInt8.self))
        self.init(oid)
    }

    /// The id held by a libgit2 `git_oid`.
    init(_ oid: git_oid) {
        var copy = oid
        var buffer = [CChar](repeating: 0, count: 41)
        git_oid_tostr(&buffer, 41, &copy)
        // libgit2 always prints 40 lowercase hex digits.
        try! self.init(String(decoding: buffer.prefix(40).map { UInt8(bitPattern: $0) }, as: UTF8.self))
    }
}
