import Glibc

/// The stack: the base root file system every app image is built on and runs on, made by
/// `make stack` (`stack/build`) into a directory holding
///
/// ```
/// rootfs/      the unpacked root file system, used directly as the lowest overlay layer
/// layer.tar    the same tree as a deterministic tar: the stack's layer blob
/// stack.json   {"name": "bookworm-2026.11", "digest": "sha256:…", "size": N, …}
/// ```
public struct Stack: Hashable, Sendable {
    /// The directory `make stack` wrote.
    public var directory: String
    /// The stack's name, e.g. `bookworm-2026.11`.
    public var name: String
    /// The digest of `layer.tar`.
    public var digest: Digest
    /// The size of `layer.tar` in bytes.
    public var size: Int

    /// The unpacked root file system: the lowest layer of every container.
    public var rootfs: String { directory + "/rootfs" }
    /// The stack's layer as a tar file.
    public var layerArchive: String { directory + "/layer.tar" }
    /// The tag the stack's image has in the store: `stack:NAME`.
    public var tag: String { "stack:" + name }
    /// The stack's layer (uncompressed: its diffID is its digest).
    public var layer: Layer { Layer(digest: digest, size: size) }

    /// A stack as described; `load(from:)` reads one from disk.
    public init(directory: String, name: String, digest: Digest, size: Int) {
        self.directory = directory
        self.name = name
        self.digest = digest
        self.size = size
    }

    private struct Description: Decodable {
        var name: String
        var digest: Digest
        var size: Int
    }

    /// Reads the stack in `directory`: `stack.json`, and checks that `rootfs/` is a directory
    /// and `layer.tar` has the recorded size (its digest is checked when it is imported).
    /// - Throws: `ImageError.stackMissing` when there is no `stack.json`; `.invalidStack`
    ///   when the stack is incomplete or its description unreadable.
    public static func load(from directory: String) throws(ImageError) -> Stack {
        let directory = directory.count > 1 && directory.hasSuffix("/") ? String(directory.dropLast()) : directory
        let descriptionPath = directory + "/stack.json"
        guard FileSystem.exists(descriptionPath) else { throw .stackMissing(directory: directory) }
        let description: Description
        do {
            description = try CanonicalJSON.decode(Description.self, from: FileSystem.readFile(descriptionPath), path: descriptionPath, root: directory)
        } catch {
            throw .invalidStack(directory: directory, reason: "stack.json is not {\"name\", \"digest\", \"size\"}")
        }
        let stack = Stack(directory: directory, name: description.name, digest: description.digest, size: description.size)
        guard Tag.isValid(stack.tag) else {
            throw .invalidStack(directory: directory, reason: "\"\(stack.name)\" is not a valid stack name")
        }
        guard FileSystem.isDirectory(stack.rootfs) else {
            throw .invalidStack(directory: directory, reason: "rootfs/ is missing")
        }
        guard let info = try FileSystem.status(stack.layerArchive), info.st_mode & S_IFMT == S_IFREG else {
            throw .invalidStack(directory: directory, reason: "layer.tar is missing")
        }
        guard Int(info.st_size) == stack.size else {
            throw .invalidStack(directory: directory, reason: "layer.tar is \(info.st_size) bytes, stack.json says \(stack.size)")
        }
        return stack
    }
}
