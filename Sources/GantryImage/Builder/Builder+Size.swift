extension Builder {
    /// Refuses a compiled app over `request.limits.maxAppBytes`, before its layer is written or
    /// its tests run. Reads no file (`LayerWriter.contentSize`): a 1 TB sparse file is refused
    /// as fast as a small one.
    /// - Throws: `BuildError.appTooLarge`; `.image` when the tree cannot be listed.
    func checkSize(of request: BuildRequest) throws(BuildError) {
        let limit = request.limits.maxAppBytes
        let size: Int
        do { size = try LayerWriter.contentSize(of: request.sourceDirectory, stoppingAbove: limit) } catch { throw .image(error) }
        if size > limit { throw .appTooLarge(size: size, limit: limit) }
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
