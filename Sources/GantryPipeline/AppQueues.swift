import GantryCore

/// One queue per app: pipeline runs of an app (pushes, webhook deliveries, rollbacks, config
/// changes, scalings) happen one after another, in arrival order, as change work
/// (`Background`); different apps run in parallel.
actor AppQueues {
    private var tails: [AppName: Task<Void, Never>] = [:]

    func serialized<T: Sendable, E: Error>(_ app: AppName, _ body: @Sendable () async throws(E) -> T) async throws(E) -> T {
        let previous = tails[app]
        let (done, finish) = AsyncStream.makeStream(of: Never.self)
        tails[app] = Task {
            await previous?.value
            for await _ in done {}
        }
        await previous?.value
        defer { finish.finish() }
        return try await Background.changeWork(body)
    }
}
