import HTTPTypes
import GantryCore
import GantryGit
import GantryStore
import Hummingbird
import Logging

/// git's smart-HTTP protocol (gitprotocol-http): pushes (`GET /APP.git/info/refs?service=
/// git-receive-pack`, then `POST /APP.git/git-receive-pack`) and clones and fetches
/// (`service=git-upload-pack`, then `POST /APP.git/git-upload-pack`, protocol v0 or v2).
///
/// Errors go back as `text/plain`, which git prints to the pusher as `remote:` lines.
/// A push needs `deploy` access to the app, a fetch `read`; a caller with no access at all is
/// told what a caller naming an app that does not exist is told. Every push, and every
/// refused push or fetch, is in the audit log (as over SSH).
struct GitHTTPController: Sendable {
    typealias Context = GantryRequestContext
    let store: Store
    let authenticator: Authenticator
    let configuration: ServerConfiguration
    let hooks: @Sendable (AppName, Trigger) -> ReceivePackHooks

    static var receivePackService: String { "git-receive-pack" }

    func addRoutes(to router: some RouterMethods<Context>) {
        router.get(":repository/info/refs") { request, context in
            await plainTextErrors { try await advertise(request, context) }
        }
        router.post(":repository/git-receive-pack") { request, context in
            await plainTextErrors { try await receivePack(request, context) }
        }
        router.post(":repository/git-upload-pack") { request, context in
            await plainTextErrors { try await uploadPack(request, context) }
        }
    }

    func advertise(_ request: Request, _ context: Context) async throws -> Response {
        let service = request.uri.queryParameters.get("service")
        let isPush = service == Self.receivePackService
        let (app, _) = try await authorizedApp(request, context, needs: isPush ? .deploy : .read)
        guard isPush else {
            if service == Self.uploadPackService { return try await uploadPack(.advertisement, app: app, request, context) }
            throw HTTPProblem(.forbidden, "gantry speaks git's smart HTTP only (service=git-receive-pack or git-upload-pack); upgrade git")
        }
        let advertisement = try receivePack(for: app).advertisement()
        var body = PktLine.encode(line: "# service=\(Self.receivePackService)") + PktLine.flushBytes
        body += advertisement
        var headers = Self.noCacheHeaders
        headers[.contentType] = "application/x-\(Self.receivePackService)-advertisement"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }

    func receivePack(_ request: Request, _ context: Context) async throws -> Response {
        let (app, caller) = try await authorizedApp(request, context, needs: .deploy)
        guard request.headers[.contentType] == "application/x-\(Self.receivePackService)-request" else {
            throw HTTPProblem(.unsupportedMediaType, "expected Content-Type application/x-\(Self.receivePackService)-request")
        }
        // git sends small pushes with a Content-Length and shows nothing of an HTTP error's
        // body, so a push just over the limit is read and refused in the report (where git
        // shows the reason); only a body no git would send gets a bare 413.
        if let length = request.headers[.contentLength].flatMap(Int.init), length > receivePack(for: app).readLimit {
            throw HTTPProblem(.contentTooLarge, ReceiveError.tooLarge(limit: configuration.maxPushBytes).description)
        }
        let input = RequestBodyInput(request.body)
        let (commands, packStart) = try await input.readCommands(maxPushBytes: configuration.maxPushBytes)
        var headers = Self.noCacheHeaders
        headers[.contentType] = "application/x-\(Self.receivePackService)-result"
        // git's probe of a large push ("0000" alone) and an empty push get an empty answer.
        guard !commands.commands.isEmpty else { return Response(status: .ok, headers: headers) }

        let receivePack = receivePack(for: app)
        let hooks = hooks(app, Trigger(.push, by: caller.user.name.rawValue))
        let auditor = authenticator.auditor
        let peer = context.peer
        return Response(status: .ok, headers: headers, body: ResponseBody { writer in
            // The writes below wait for the client; progress waiting for them is bounded.
            let stream = ReplyBuffer()
            let reply = ReceivePackReply(sideband: commands.usesSideband, buffer: stream)
            async let results = {
                defer { stream.finish() }
                let report = await receivePack.receive(commands, packStart: packStart, input: input, hooks: hooks, reply: reply)
                // Here, not after the reply: a pusher gone before the end still leaves its row.
                await auditor.push(report, by: caller, peer: peer, app: app, door: "http")
                return report
            }()
            for await bytes in stream {
                try await writer.write(ByteBuffer(bytes: bytes))
            }
            let report = await results
            context.logger.info("push to \(app): \(report.map { "\($0.0.name) \($0.1.isOK ? "ok" : "rejected")" }.joined(separator: ", "))")
            try await writer.finish(nil)
        })
    }

    private func receivePack(for app: AppName) -> ReceivePack {
        ReceivePack(
            repositoryPath: configuration.dataDirectory.repository(for: app),
            scratch: configuration.dataDirectory.scratch,
            maxPushBytes: configuration.maxPushBytes)
    }

    /// The app named by the URL (`APP.git` or `APP`) and the caller, who has `role` on it.
    func authorizedApp(_ request: Request, _ context: Context, needs role: AccessRole) async throws -> (AppName, Caller) {
        guard let caller = try await authenticator.caller(of: request, peer: context.peer, scheme: .basic, door: "git over http") else {
            throw HTTPProblem(
                .unauthorized, "authentication required: use an API token as the password (`gantry login` sets up git)",
                headers: [.wwwAuthenticate: Authenticator.Scheme.basic.challenge])
        }
        var name = context.parameters.get("repository") ?? ""
        if name.hasSuffix(".git") { name.removeLast(4) }
        let app = try AppName(name)
        if let refusal = try await Need.gitRefusal(of: caller, needs: role, app: app, store: store) {
            if let reason = refusal.audited {
                await authenticator.auditor.record(Auditor.entry(
                    caller, peer: context.peer, action: role == .read ? "fetch" : "push", app: app, detail: "over http", outcome: "denied: \(reason)"))
            }
            throw HTTPProblem(refusal.isNotFound ? .notFound : .forbidden, refusal.message)
        }
        return (app, caller)
    }

    private func plainTextErrors(_ body: () async throws -> Response) async -> Response {
        do { return try await body() } catch { return HTTPProblem.from(error).textResponse }
    }

    static var noCacheHeaders: HTTPFields {
        [.cacheControl: "no-cache, max-age=0, must-revalidate", .expires: "Fri, 01 Jan 1980 00:00:00 GMT", HTTPField.Name("Pragma")!: "no-cache"]
    }
}

extension HTTPProblem {
    /// This problem as `text/plain`, which git shows the pusher line by line as `remote:`.
    var textResponse: Response {
        var headers = headers
        headers[.contentType] = "text/plain; charset=utf-8"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: message + "\n")))
    }
}
