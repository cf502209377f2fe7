internal import CGit2
import GantryCore

extension Repository {
    /// Fetches from `url` with one refspec (`+refs/heads/main:refs/gantry/webhook/ID`), as
    /// `git fetch URL REFSPEC` does, through an anonymous remote: nothing is added to the
    /// repository's config. http(s), git:// and file:// URLs; no tags. Stopped once it has
    /// received more than `limits.maxBytes` (checked as data arrives) or run past
    /// `limits.timeout` (checked as data arrives, and by a `FetchWatchdog` for a silent peer).
    /// - Throws: `GitError` with libgit2's message (host unreachable, no such branch, …), or
    ///   naming the limit the fetch ran into.
    public func fetch(from url: CloneURL, refspec: String, limits: FetchLimits) throws(GitError) {
        var remote: OpaquePointer?
        try check(url.rawValue.withCString { git_remote_create_anonymous(&remote, handle, $0) }, "git_remote_create_anonymous")
        defer { git_remote_free(remote) }

        var options = git_fetch_options()
        try check(git_fetch_options_init(&options, UInt32(GIT_FETCH_OPTIONS_VERSION)), "git_fetch_options_init")
        options.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_NONE
        options.update_fetchhead = 0
        // Proxies (git config, https_proxy) only where the network needs them: HTTPS to the internet.
        options.proxy_opts.type = url.scheme == "https" ? GIT_PROXY_AUTO : GIT_PROXY_NONE
        let guardian: FetchGuard
        do throws(ReceiveError) { guardian = try FetchGuard(limits: limits) } catch {
            throw GitError(code: -1, function: "git_remote_fetch", message: error.description)
        }
        let unmanaged = Unmanaged.passRetained(guardian)
        defer { unmanaged.release() }
        options.callbacks.payload = unmanaged.toOpaque()
        // The pack goes through a backend that shows it to the guard's scanner first: libgit2
        // would otherwise resolve a delta of any size in memory.
        let scanning = try addScanningBackend(payload: unmanaged.toOpaque())
        defer { scanning.pointee.scan = nil }  // the guard goes when this call ends
        options.callbacks.transfer_progress = { stats, payload in
            let guardian = Unmanaged<FetchGuard>.fromOpaque(payload!).takeUnretainedValue()
            return guardian.mayContinue(receivedBytes: Int(stats?.pointee.received_bytes ?? 0)) ? 0 : -1
        }
        options.callbacks.sideband_progress = { _, _, payload in
            let guardian = Unmanaged<FetchGuard>.fromOpaque(payload!).takeUnretainedValue()
            return guardian.mayContinue(receivedBytes: 0) ? 0 : -1
        }
        let watchdog = FetchWatchdog(timeout: limits.timeout)
        let code = refspec.withCString { spec -> Int32 in
            var pointer: UnsafeMutablePointer<CChar>? = UnsafeMutablePointer(mutating: spec)
            return withUnsafeMutablePointer(to: &pointer) { strings in
                var array = git_strarray(strings: strings, count: 1)
                return git_remote_fetch(remote, &array, &options, "gantry webhook fetch")
            }
        }
        let overran = watchdog.finish()
        if let stopped = guardian.stopped { throw GitError(code: code, function: "git_remote_fetch", message: stopped) }
        if overran && code != 0 { throw GitError(code: code, function: "git_remote_fetch", message: FetchGuard.timedOut(limits)) }
        try check(code, "git_remote_fetch")
    }

    /// Puts a pack-writing backend ahead of the repository's own that feeds each pack's bytes
    /// to the `FetchGuard` at `payload` before they are indexed.
    /// - Throws: `GitError` when the object database cannot be opened.
    private func addScanningBackend(payload: UnsafeMutableRawPointer) throws(GitError) -> UnsafeMutablePointer<gantry_scanning_backend> {
        let odb = try objectDatabase()
        defer { git_odb_free(odb) }
        var target: OpaquePointer?
        try check((path + "objects").withCString { git_odb_open(&target, $0) }, "git_odb_open")
        let scan: gantry_pack_scan_cb = { data, size, payload in
            let guardian = Unmanaged<FetchGuard>.fromOpaque(payload!).takeUnretainedValue()
            return guardian.mayContinue(after: UnsafeRawBufferPointer(start: data, count: size)) ? 0 : -1
        }
        guard let backend = gantry_add_scanning_backend(odb, target, scan, payload) else {
            git_odb_free(target)
            throw GitError(code: -1, function: "git_odb_add_backend", message: "cannot add the pack-scanning backend")
        }
        return backend
    }

    /// Deletes the reference `ref` if it exists.
    /// - Throws: `GitError` when it exists and cannot be deleted.
    public func deleteReference(_ ref: RefName) throws(GitError) {
        let code = ref.rawValue.withCString { git_reference_remove(handle, $0) }
        if code == GIT_ENOTFOUND.rawValue { return }
        try check(code, "git_reference_remove")
    }
}
