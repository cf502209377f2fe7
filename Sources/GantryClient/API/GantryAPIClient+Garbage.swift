import GantryCore

extension GantryAPIClient {
    /// Reclaims what nothing on the server refers to any more (images, blobs, unpacked layers,
    /// build leftovers, caches and logs of destroyed apps); with `dryRun`, only lists it.
    /// - Throws: `ClientError`.
    public func collectGarbage(dryRun: Bool) async throws(ClientError) -> GarbageReport {
        try await decode(send(.post, dryRun ? "/gc?dry_run=1" : "/gc"))
    }
}
