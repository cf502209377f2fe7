import Foundation
import GantryCore
import GantryImage

/// `gantry run`: one-off processes of the live release, attached to a client or detached.
/// Each is `run.N` (the lowest N free for the app) in `gantry ps` while it runs; its container
/// is removed when it ends, times out, or its client leaves. A gantryd restart removes a
/// detached one (`restore` keeps only what a plan covers).
extension Deployer {
    /// Runs `command` in a new container of `app`'s live release attached to the caller (see
    /// `ContainerRuntime.runAttached`). `live`: that release's plan, when another scheduler
    /// runs the app's formation (the deployer knows only the plans it deployed).
    /// - Returns: how it ended.
    /// - Throws: `DeployError.noLiveRelease`, or `.runtime` when its container could not start.
    public func runAttached(
        _ app: AppName, live: Plan? = nil, command: [String], terminal: WindowSize?, timeout: Duration, input: AsyncStream<AttachedInput>,
        output: @escaping @Sendable (AttachedOutput) -> Void
    ) async throws(DeployError) -> ExitStatus {
        let (plan, process) = try reserveRun(app, live: live)
        defer { runs[app]?[process.index] = nil }
        let spec = spec(plan, type: process.type, index: process.index, arguments: Launcher.processArguments(for: Self.commandLine(command)))
        do { return try await runtime.runAttached(spec, terminal: terminal, timeout: timeout, input: input, output: output) } catch { throw .runtime(error) }
    }

    /// Starts `command` in a new container of `app`'s live release in the background, its
    /// output to the app's log as `run.N`; it is stopped after `timeout`.
    /// - Returns: the process (`run.N`).
    /// - Throws: `DeployError.noLiveRelease`, or `.runtime` when its container could not start.
    public func runDetached(_ app: AppName, live: Plan? = nil, command: [String], timeout: Duration) async throws(DeployError) -> AppProcess {
        let (plan, reserved) = try reserveRun(app, live: live)
        let spec = spec(plan, type: reserved.type, index: reserved.index, arguments: Launcher.processArguments(for: Self.commandLine(command)))
        do {
            try FileManager.default.createDirectory(atPath: logDirectory(app), withIntermediateDirectories: true)
            _ = try await runtime.start(spec, logFile: logFile(reserved))
        } catch {
            runs[app]?[reserved.index] = nil
            throw .runtime(error as? RuntimeError ?? RuntimeError(container: spec.id, reason: "cannot create its log directory: \(error.localizedDescription)"))
        }
        var process = reserved
        process.state = .up
        runs[app]?[reserved.index] = process
        event(app, "\(process.name) started: \(command.first ?? "")")
        Task { await self.watchRun(process, timeout: timeout) }
        return process
    }

    /// Waits for the detached run's exit or its time-out, then removes its container and
    /// takes it out of `gantry ps`.
    private func watchRun(_ process: AppProcess, timeout: Duration) async {
        let runtime = runtime
        let timedOut = await withTaskGroup(of: Bool.self) { group in
            group.addTask { await runtime.waitForExit(process.containerID); return false }
            group.addTask { (try? await Task.sleep(for: timeout)) != nil }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
        await runtime.stop(process.containerID, grace: stopGrace)
        if runs[process.app]?[process.index]?.containerID == process.containerID { runs[process.app]?[process.index] = nil }
        event(process.app, "\(process.name) \(timedOut ? "timed out; stopped" : "ended")")
    }

    /// The live plan of `app` and its next one-off process, recorded as starting.
    private func reserveRun(_ app: AppName, live: Plan?) throws(DeployError) -> (Plan, AppProcess) {
        guard let plan = live ?? plans[app] else { throw .noLiveRelease(app) }
        let taken = runs[app] ?? [:]
        let index = (1...).first { taken[$0] == nil }!
        let process = AppProcess(
            app: app, release: plan.release, type: Self.runType, index: index, endpoint: Endpoint(host: "-", port: 0), startedAt: Date(),
            restarts: 0, state: .up)
        runs[app, default: [:]][index] = process
        return (plan, process)
    }

    /// The process type of `gantry run`'s processes.
    public static let runType = "run"

    /// `arguments` as one shell command line, each argument quoted: bash runs it (as a
    /// Procfile line), so a missing command is bash's "command not found" and status 127.
    public static func commandLine(_ arguments: [String]) -> String {
        arguments.map { argument in
            argument.allSatisfy({ $0.isLetter && $0.isASCII || $0.isNumber && $0.isASCII || "-_./=:,+@%".contains($0) }) && !argument.isEmpty
                ? argument : "'" + argument.replacingOccurrences(of: "'", with: #"'\''"#) + "'"
        }.joined(separator: " ")
    }
}
