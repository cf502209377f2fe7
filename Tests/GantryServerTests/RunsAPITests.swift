import Foundation
import GantryClient
import GantryCore
import GantryServer
import Synchronization
import Testing

/// `gantry run`'s API and WebSocket against a fake runtime side: an attached process that
/// upper-cases its input.
@Suite struct RunsAPITests {
    /// One-off processes that echo their input upper-cased, write `err` to standard error and
    /// exit 7 at the end of their input; every other operation is refused.
    final class EchoOperations: RefusingOperations {
        let resizes = Mutex<[WindowSize]>([])

        func runAttached(
            _ app: AppName, _ request: RunRequest, input: AsyncStream<AttachedInput>, output: @escaping @Sendable (AttachedOutput) -> Void
        ) async throws -> GantryCore.ExitStatus {
            for await event in input {
                switch event {
                case .data(let bytes): output(.stdout(Array(String(decoding: bytes, as: UTF8.self).uppercased().utf8)))
                case .resize(let size): resizes.withLock { $0.append(size) }
                case .endOfInput:
                    output(.stderr(Array("err".utf8)))
                    return .exited(7)
                }
            }
            return .signaled(9)
        }

        func checkRun(_ app: AppName) async throws {}
        func runDetached(_ app: AppName, _ request: RunRequest) async throws -> String { "run.1" }
    }

    @Test func anAttachedRunRelaysInputOutputResizesAndTheExitStatus() async throws {
        let operations = EchoOperations()
        try await TestServer.with(operations: operations) { server in
            _ = try await server.client.createApp("alpha")
            let response = try await server.client.run(app: "alpha", RunRequest(command: ["cat"], tty: true, size: WindowSize(columns: 80, rows: 24)))
            let path = try #require(response.attach)
            #expect(path.hasPrefix("/api/v1/apps/alpha/runs/") && response.process == nil)
            let (input, feed) = AsyncStream.makeStream(of: AttachedInput.self)
            feed.yield(.data(Array("hello ".utf8)))
            feed.yield(.resize(WindowSize(columns: 120, rows: 40)))
            feed.yield(.data(Array("world".utf8)))
            feed.yield(.endOfInput)
            let output = Mutex<[AttachedOutput]>([])
            let outcome = try await server.client.attach(path, input: input) { chunk in output.withLock { $0.append(chunk) } }
            #expect(outcome.status == 7 && outcome.message.isEmpty)
            #expect(output.withLock { $0 } == [.stdout(Array("HELLO ".utf8)), .stdout(Array("WORLD".utf8)), .stderr(Array("err".utf8))])
            #expect(operations.resizes.withLock { $0 } == [WindowSize(columns: 120, rows: 40)])

            // The link was for one attach only.
            let (again, _) = AsyncStream.makeStream(of: AttachedInput.self)
            await #expect(throws: ClientError.self) { _ = try await server.client.attach(path, input: again) { _ in } }
            // Detached: a name, no link.
            #expect(try await server.client.run(app: "alpha", RunRequest(command: ["cat"], detach: true)) == RunResponse(process: "run.1"))
        }
    }

    @Test func refusesAnEmptyCommandAndABadTimeout() async throws {
        try await TestServer.with(operations: EchoOperations()) { server in
            _ = try await server.client.createApp("alpha")
            for (request, phrase) in [(RunRequest(command: []), "name a command"), (RunRequest(command: ["ls"], timeoutSeconds: 0), "timeout")] {
                do {
                    _ = try await server.client.run(app: "alpha", request)
                    Issue.record("\(request) was accepted")
                } catch let ClientError.rejected(status, message) {
                    #expect(status == 400 && message.contains(phrase), "\(message)")
                }
            }
        }
    }
}
