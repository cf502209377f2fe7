import GantryCore

/// `gantry run` (see `Deployer+Runs`): outside the app's queue — a one-off may run for an
/// hour while the app deploys — on the release live when it starts.
extension Pipeline {
    /// Checks that `app` has a live release to run a command in.
    /// - Throws: `OperationError(.conflict)` when it has none.
    public func checkRun(_ app: AppName) async throws {
        _ = try await liveRelease(app)
    }

    /// Runs `request.command` attached (see `Deployer.runAttached`).
    /// - Throws: `OperationError` when there is no live release or the container cannot start.
    public func runAttached(
        _ app: AppName, _ request: RunRequest, input: AsyncStream<AttachedInput>, output: @escaping @Sendable (AttachedOutput) -> Void
    ) async throws -> ExitStatus {
        do {
            let live = try await livePlanForRuns(app)
            return try await deployer.runAttached(
                app, live: live, command: request.command, terminal: request.tty ? request.size ?? WindowSize(columns: 80, rows: 24) : nil,
                timeout: .seconds(request.timeoutSeconds ?? RunRequest.defaultTimeout), input: input, output: output)
        } catch {
            throw Self.runError(app, error)
        }
    }

    /// Starts `request.command` detached (see `Deployer.runDetached`).
    /// - Returns: the process's name, `run.N`.
    /// - Throws: `OperationError` when there is no live release (the deployer's plans say so)
    ///   or the container cannot start.
    public func runDetached(_ app: AppName, _ request: RunRequest) async throws -> String {
        do {
            let live = try await livePlanForRuns(app)
            return try await deployer.runDetached(
                app, live: live, command: request.command, timeout: .seconds(request.timeoutSeconds ?? RunRequest.defaultTimeout)).name
        } catch {
            throw Self.runError(app, error)
        }
    }

    /// The live release's plan for a one-off when another scheduler runs the formation (Swarm):
    /// the one-off still runs in runc on this host, from the release's image. `nil` when the
    /// deployer runs it: it knows the plan.
    private func livePlanForRuns(_ app: AppName) async throws(DeployError) -> Deployer.Plan? {
        guard !(scheduler is Deployer) else { return nil }
        do {
            let live = try await liveRelease(app)
            return try await plan(live, image: try await storedImage(of: live), manifests: nil)
        } catch {
            throw .noLiveRelease(app)
        }
    }

    private static func runError(_ app: AppName, _ error: DeployError) -> OperationError {
        switch error {
        case .noLiveRelease: OperationError(.conflict, error.description)
        default: OperationError(.failed, "running a one-off process of \(app) failed: \(error)")
        }
    }
}
