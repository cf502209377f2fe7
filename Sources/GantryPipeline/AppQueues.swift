import GantryCore

/// One queue per app: pipeline runs of an app (pushes, later webhook deliveries) happen one
/// after another, in arrival order; different apps run in parallel.
actor AppQueues {
    private var tails: [AppName: Task<Void, Never>] = [:]

    func serialized<T: Sendable>(_ app: AppName, _ body: @escaping @Sendable () async -> T) async -> T {
        let previous = tails[app]
        let task = Task<T, Never> {
            await previous?.value
            return await body()
        }
        tails[app] = Task { _ = await task.value }
        return await task.value
    }
}
