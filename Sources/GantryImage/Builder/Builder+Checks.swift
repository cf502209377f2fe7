import GantryCore

extension Builder {
    /// Refuses a compiled app over `request.limits.maxAppBytes`, before its layer is written or
    /// its tests run. Reads no file (`LayerWriter.contentSize`): a 1 TB sparse file is refused
    /// as fast as a small one. Then takes from the tree what its layer will not hold
    /// (`LayerWriter.sanitize`: devices, setuid and world-write bits).
    /// - Throws: `BuildError.appTooLarge`; `.image` when the tree cannot be listed or changed.
    func checkCompiledApp(_ request: BuildRequest) throws(BuildError) {
        let limit = request.limits.maxAppBytes
        let size: Int
        do { size = try LayerWriter.contentSize(of: request.sourceDirectory, stoppingAbove: limit) } catch { throw .image(error) }
        if size > limit { throw .appTooLarge(size: size, limit: limit) }
        // The directory is the tests' /app and then the unpacked layer: no more than the layer.
        do { try LayerWriter.sanitize(request.sourceDirectory) } catch { throw .image(error) }
    }
}

extension Builder {
    /// Takes from the app's build cache, which outlives the build on the host, what no layer
    /// may hold either (devices, FIFOs, sockets, setuid, setgid and world-write bits): the
    /// cache is mounted `nosuid,nodev` in builds, and holds nothing to misuse outside them.
    /// - Throws: `BuildError.image` naming what cannot be changed.
    func sanitizeCache(_ cache: String) throws(BuildError) {
        do { try LayerWriter.sanitize(cache) } catch {
            guard case .tooDeep = error else { throw .image(error) }
            // A cache nested past any walk's depth: gone, so the next build starts clean.
            UntrustedTree.remove(cache)
            throw .other("the build cache \(error.description); it was emptied")
        }
    }
}

extension Builder {
    /// Refuses to start a build when the file system of the build caches (the data directory)
    /// has less than `minimumFreeBytes` available, rather than failing halfway through writing.
    /// - Throws: `BuildError.diskFull` with both figures; `.other` when `statvfs` fails.
    func checkFreeSpace() throws(BuildError) {
        let free: Int
        do { free = try FileSystem.availableBytes(at: cacheDirectory) } catch { throw .image(error) }
        if free < minimumFreeBytes { throw .diskFull(free: free, needed: minimumFreeBytes) }
    }
}

extension Builder {
    /// The data directory (which holds the caches) and its free space now, for `BuildError.noSpace`.
    func dataDirectoryPlace() -> String {
        let directory = NoSpace.dataDirectory(of: cacheDirectory)
        guard let free = try? FileSystem.availableBytes(at: cacheDirectory) else { return directory }
        return "\(directory), \(free / 1_000_000) MB free"
    }
}
