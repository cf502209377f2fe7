import GantryCore
import GantryServer

/// Operations for a test server whose suite answers only its own routes: releases, config,
/// scaling, restarts and logs are refused (or empty).
protocol RefusingOperations: AppOperations {}

extension RefusingOperations {
    func rollback(_ app: AppName, to version: Int?, trigger: Trigger) async throws -> Release { throw OperationError(.conflict, "not here") }
    func changeConfig(_ app: AppName, _ change: ConfigChange, deploy: Bool, trigger: Trigger) async throws -> ConfigChangeResult {
        throw OperationError(.conflict, "not here")
    }
    func scale(_ app: AppName, _ formation: [String: Int]) async throws -> [AppProcess] { throw OperationError(.conflict, "not here") }
    func restart(_ app: AppName, type: String?) async throws -> [AppProcess] { throw OperationError(.conflict, "not here") }
    func logs(_ app: AppName, _ query: LogQuery) async -> AsyncStream<[LogLine]> { AsyncStream { $0.finish() } }
}
