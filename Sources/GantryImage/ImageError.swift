import Glibc

/// Why the image store could not do what was asked. Every case reads as a sentence a user can
/// act on (`description`).
public enum ImageError: Error, Hashable, Sendable, CustomStringConvertible {
    /// A system call failed on `path`; `errno` is the C error number.
    case io(operation: String, path: String, errno: Int32)
    /// A file's content does not hash to the digest it was given under.
    case digestMismatch(path: String, expected: Digest, actual: Digest)
    /// A file is not the size its descriptor or `stack.json` says.
    case sizeMismatch(path: String, expected: Int, actual: Int)
    /// A string is not a `sha256:` digest with 64 lowercase hex digits.
    case invalidDigest(String)
    /// A tag is not a valid OCI reference name (`org.opencontainers.image.ref.name`).
    case invalidTag(String)
    /// A layer path prefix is absolute or climbs out with `..`.
    case invalidPrefix(String)
    /// A blob the operation needs is not in the store.
    case blobMissing(Digest)
    /// The image layout at `path` is damaged or not one Gantry can read.
    case corruptLayout(path: String, reason: String)
    /// `directory` holds no stack (no `stack.json`).
    case stackMissing(directory: String)
    /// `directory` holds a stack that cannot be used.
    case invalidStack(directory: String, reason: String)
    /// A file changed while it was being archived into a layer.
    case fileChanged(path: String)
    /// `tar -x` could not unpack a layer.
    case unpackFailed(digest: Digest, reason: String)
    /// A tree a build wrote nests directories deeper than `DirectoryEntry.maximumDepth`.
    case tooDeep(path: String)

    /// What went wrong and what to do about it, for logs and the push's output.
    public var description: String {
        switch self {
        case .tooDeep(let path):
            "\(path.prefix(120))… nests directories more than \(DirectoryEntry.maximumDepth) levels deep"
        case .io(let operation, let path, let errno):
            "cannot \(operation) \(path): \(String(cString: strerror(errno)))"
        case .digestMismatch(let path, let expected, let actual):
            "\(path) has digest \(actual), expected \(expected): the file is damaged or not the one named"
        case .sizeMismatch(let path, let expected, let actual):
            "\(path) is \(actual) bytes, expected \(expected): the file is damaged or not the one named"
        case .invalidDigest(let string):
            "\"\(string)\" is not a digest (expected sha256: and 64 lowercase hex digits)"
        case .invalidTag(let tag):
            "\"\(tag)\" is not a valid image tag (letters, digits and . _ - : @ + between them, / between parts)"
        case .invalidPrefix(let prefix):
            "\"\(prefix)\" is not a valid layer prefix (a relative path without . or .. parts)"
        case .blobMissing(let digest):
            "blob \(digest) is not in the image store: rebuild the image"
        case .corruptLayout(let path, let reason):
            "the image store at \(path) is damaged: \(reason)"
        case .stackMissing(let directory):
            "no stack at \(directory): run `make stack`"
        case .invalidStack(let directory, let reason):
            "the stack at \(directory) cannot be used (\(reason)): run `make stack` again"
        case .fileChanged(let path):
            "\(path) changed while it was being archived: nothing may write to a build directory being packed"
        case .unpackFailed(let digest, let reason):
            "cannot unpack layer \(digest): \(reason)"
        }
    }
}
