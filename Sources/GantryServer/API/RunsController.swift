import Dispatch
import GantryCore
import Hummingbird
import HummingbirdWebSocket
import NIOCore
import Synchronization

/// `/api/v1/apps/NAME/runs`: one-off processes (`gantry run`), with `deploy` access to the
/// app. The POST is audited as `run` with the command's name only — its arguments may hold
/// secrets (`gantry run APP -- psql postgres://user:password@…`), so they are never recorded.
///
/// Attached, the POST answers with a one-time attach path (`RunTickets`); the WebSocket
/// upgrade to it, by the same caller, starts the process and carries `RunFrame`s. Checking
/// everything in the POST gives the client a plain error (a refused upgrade is a bare 400).
struct RunsController: Sendable {
    typealias Context = GantryRequestContext
    let lifecycle: AppLifecycle
    let tickets: RunTickets

    func addRoutes(to routes: APIRoutes) {
        routes.post("apps/:name/runs", .app(.deploy), audit: "run", use: create)
    }

    /// The WebSocket route, on the router that decides upgrades (behind the same
    /// authentication): `GET /api/v1/apps/NAME/runs/TICKET/attach`.
    func addAttachRoute(to group: RouterGroup<Context>) {
        group.ws("apps/:name/runs/:ticket/attach") { _, context in
            let caller = try context.requireCaller()
            guard let ticket = context.parameters.get("ticket"), tickets.isValid(ticket, app: context.parameters.get("name"), caller: caller) else {
                return .dontUpgrade
            }
            return .upgrade([:])
        } onUpgrade: { inbound, outbound, context in
            let caller = try context.requestContext.requireCaller()
            guard let id = context.requestContext.parameters.get("ticket"),
                let ticket = tickets.take(id, app: context.requestContext.parameters.get("name"), caller: caller),
                let operations = lifecycle.operations
            else {
                try await outbound.write(.binary(ByteBuffer(bytes: RunFrame.exit(status: 1, message: "this attach link was used or has expired").encoded)))
                return
            }
            await attach(ticket, operations: operations, inbound: inbound, outbound: outbound)
        }
    }

    /// `POST …/runs` with a `RunRequest`: a `RunResponse`.
    @Sendable func create(_ request: Request, context: Context) async throws -> Response {
        let app = try AppName(context.parameters.get("name") ?? "")
        let run: RunRequest
        do {
            run = try API.decoder().decode(RunRequest.self, from: try await request.body.collect(upTo: RunRequest.maximumCommandBytes + 4096))
        } catch {
            throw HTTPProblem(.badRequest, #"invalid run request; send {"command": ["cmd", "arg"], "tty": false, "detach": false}"#)
        }
        guard let name = run.command.first, !name.isEmpty else {
            throw HTTPProblem(.badRequest, "name a command to run, such as `gantry run \(app) -- bash`")
        }
        // Its name only, never its arguments (see above); no path either, which could be a secret's.
        context.note.detail = String(name.split(separator: "/").last?.prefix(60) ?? "") + (run.detach ? " (detached)" : "")
        guard run.command.count <= RunRequest.maximumArguments, run.command.reduce(0, { $0 + $1.utf8.count }) <= RunRequest.maximumCommandBytes,
            run.command.allSatisfy({ !$0.utf8.contains(0) })
        else {
            throw HTTPProblem(.badRequest, "the command is too long or holds a NUL byte")
        }
        if let timeout = run.timeoutSeconds, !(1...RunRequest.maximumTimeout).contains(timeout) {
            throw HTTPProblem(.badRequest, "the timeout must be from 1 s to \(RunRequest.maximumTimeout / 3600) h")
        }
        guard let operations = lifecycle.operations else { throw HTTPProblem(.serviceUnavailable, "this server does not run apps") }
        try await operations.checkRun(app)
        if run.detach {
            return Response.json(RunResponse(process: try await operations.runDetached(app, run)), status: .created)
        }
        let ticket = tickets.issue(app: app, request: run, caller: try context.requireCaller())
        return Response.json(RunResponse(process: nil, attach: "\(API.prefix)/apps/\(app)/runs/\(ticket)/attach"), status: .created)
    }

    /// Runs the ticket's process with the WebSocket as its terminal or pipes, then sends the
    /// exit frame — or, when the client left first, ends the process (its container is removed).
    private func attach(
        _ ticket: RunTickets.Ticket, operations: any AppOperations, inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter
    ) async {
        enum Event: Sendable { case clientLeft, ended(RunFrame), flushed }
        let relay = OutputRelay()
        // A few frames at most between the socket and the process: a client writing faster than
        // the process reads waits in TCP, not in gantryd's memory.
        let (input, feed) = AsyncStream.makeStream(of: AttachedInput.self, bufferingPolicy: .bufferingOldest(16))
        await withTaskGroup(of: Event.self) { group in
            group.addTask {
                do {
                    for try await message in inbound.messages(maxSize: RunResponse.maximumFrameSize) {
                        guard case .binary(let buffer) = message, let event = (try? RunFrame(decoding: buffer.readableBytesView))?.attachedInput else { continue }
                        while case .dropped = feed.yield(event) { try await Task.sleep(for: .milliseconds(10)) }
                    }
                } catch {}
                feed.finish()
                return .clientLeft
            }
            group.addTask {
                do {
                    for await frame in relay.stream {
                        try await outbound.write(.binary(ByteBuffer(bytes: frame)))
                        relay.written()
                    }
                } catch {
                    return .clientLeft
                }
                return .flushed
            }
            group.addTask {
                defer { relay.finish() }
                do {
                    let status = try await operations.runAttached(ticket.app, ticket.request, input: input) { relay.send(RunFrame($0).encoded) }
                    return .ended(.exit(status: status.shellStatus, message: status == .timedOut ? "timed out after \(ticket.request.timeoutSeconds ?? RunRequest.defaultTimeout) s" : ""))
                } catch {
                    return .ended(.exit(status: 1, message: HTTPProblem.from(error).message))
                }
            }
            var exit: RunFrame?
            var flushed = false
            while let event = await group.next() {
                switch event {
                case .clientLeft:
                    group.cancelAll()  // the process is killed, its container removed
                    return
                case .ended(let frame): exit = frame
                case .flushed: flushed = true
                }
                if let exit, flushed {
                    // The client closes the WebSocket once it has the exit frame, which ends the reader.
                    try? await outbound.write(.binary(ByteBuffer(bytes: exit.encoded)))
                    group.cancelAll()
                    return
                }
            }
        }
    }
}

/// Hands an attached process's output from the runtime's threads to the WebSocket writer,
/// one frame at a time: a sender waits until its frame is written, so a slow client slows
/// the process down instead of filling gantryd's memory. Once the writer is gone, sends
/// return at once.
final class OutputRelay: Sendable {
    let stream: AsyncStream<[UInt8]>
    private let continuation: AsyncStream<[UInt8]>.Continuation
    private let room = DispatchSemaphore(value: 0)
    private let closed = Atomic<Bool>(false)

    init() {
        (stream, continuation) = AsyncStream.makeStream(of: [UInt8].self)
        continuation.onTermination = { [weak self] _ in self?.writerGone() }
    }

    private func writerGone() {
        closed.store(true, ordering: .sequentiallyConsistent)
        room.signal()
    }

    /// On a runtime thread: returns once `frame` is written, or the writer is gone.
    func send(_ frame: [UInt8]) {
        guard case .enqueued = continuation.yield(frame) else { return }
        room.wait()
        if closed.load(ordering: .sequentiallyConsistent) { room.signal() }  // wake the next waiter too
    }

    /// The writer wrote a frame.
    func written() { room.signal() }

    /// No more output: the writer ends once it has written what it holds.
    func finish() { continuation.finish() }
}

/// The one-time attach links of `gantry run`: each names the app, the request and the caller
/// who made it, and is valid once, for `RunResponse.attachWindow`.
final class RunTickets: Sendable {
    struct Ticket: Sendable {
        let app: AppName
        let request: RunRequest
        let caller: String
        let expires: ContinuousClock.Instant
    }

    private let tickets = Mutex<[String: Ticket]>([:])

    func issue(app: AppName, request: RunRequest, caller: Caller) -> String {
        let id = (0..<4).map { _ in String(UInt64.random(in: .min ... .max), radix: 16) }.joined()
        let now = ContinuousClock.now
        tickets.withLock { tickets in
            tickets = tickets.filter { $0.value.expires > now }
            tickets[id] = Ticket(app: app, request: request, caller: Self.identity(caller), expires: now + RunResponse.attachWindow)
        }
        return id
    }

    func isValid(_ id: String, app: String?, caller: Caller) -> Bool {
        tickets.withLock { $0[id] }.map { $0.app.rawValue == app && $0.caller == Self.identity(caller) && $0.expires > .now } ?? false
    }

    /// The ticket, removed, when it is valid for `caller`.
    func take(_ id: String, app: String?, caller: Caller) -> Ticket? {
        guard isValid(id, app: app, caller: caller) else { return nil }
        return tickets.withLock { $0.removeValue(forKey: id) }
    }

    private static func identity(_ caller: Caller) -> String { "\(caller.user.name)\u{0}\(caller.credentialLabel)" }
}
