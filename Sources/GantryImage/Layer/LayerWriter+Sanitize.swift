import Glibc

extension LayerWriter {
    /// Makes the tree under `directory` what its layer will hold, in place: device files,
    /// FIFOs and sockets are deleted, and every mode loses what `mode(_:)` drops (setuid,
    /// setgid, world-write). The build directory becomes the app's unpacked layer as is
    /// (`LayerCache.adopt`) and the tests run on it, so it must hold no more than the layer.
    /// Run once the build container is gone: nothing else writes to the tree then.
    /// - Throws: `ImageError.io` naming the path that cannot be listed, changed or deleted.
    public static func sanitize(_ directory: String) throws(ImageError) {
        var info = stat()
        try FileSystem.check(lstat(directory, &info), "inspect", directory)
        if mode(info.st_mode) != UInt32(info.st_mode) & 0o7777 {
            try FileSystem.check(chmod(directory, mode_t(mode(info.st_mode))), "change the mode of", directory)
        }
        let root = try FileSystem.check(open(directory, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC), "open directory", directory)
        try sanitize(DirectoryEntry.stream(root, path: directory), path: directory, depth: 0)
    }

    private static func sanitize(_ stream: OpaquePointer, path: String, depth: Int) throws(ImageError) {
        defer { closedir(stream) }
        let directory = dirfd(stream)
        for entry in try DirectoryEntry.sorted(in: stream, path: path) {
            let childPath = path + "/" + String(decoding: entry.key, as: UTF8.self)
            switch entry.info.st_mode & S_IFMT {
            case S_IFDIR, S_IFREG:
                let kept = mode(entry.info.st_mode)
                if kept != UInt32(entry.info.st_mode) & 0o7777 {
                    try FileSystem.check(fchmodat(directory, entry.cName, mode_t(kept), 0), "change the mode of", childPath)
                }
                if entry.isDirectory {
                    try sanitize(DirectoryEntry.openDirectory(entry.cName, in: directory, path: childPath, depth: depth + 1), path: childPath, depth: depth + 1)
                }
            case S_IFLNK:
                continue
            default:  // devices, FIFOs, sockets: never part of a layer
                try FileSystem.check(unlinkat(directory, entry.cName, 0), "remove", childPath)
            }
        }
    }
}
