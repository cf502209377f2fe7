import Foundation
import GantryCore
import GantryStore
import HTTPTypes
import Hummingbird

/// `POST /hooks/APP/ID`: deliveries of git servers' webhooks, without an API token. In order:
/// a body over 1 MiB is refused (413), an unknown app or hook is 404, the signature is checked
/// over the raw body (401: nothing else happens), `ping` is 200 and other events 202
/// "ignored", a malformed payload is 400, a push to another branch 202 "ignored", a replayed
/// delivery id 200 "already processed". Anything else is recorded and answered 202 at once;
/// the deploy runs in the background (`WebhookRunner`). A refused signature and an accepted
/// push are written to the audit log.
struct WebhookReceiver: Sendable {
    typealias Context = GantryRequestContext
    let store: Store
    let runner: WebhookRunner
    let auditor: Auditor

    /// The largest delivery read.
    static var maximumBodySize: Int { 1 << 20 }

    func addRoutes(to router: some RouterMethods<Context>) {
        router.post("hooks/:app/:id", use: receive)
    }

    @Sendable func receive(_ request: Request, context: Context) async throws -> Response {
        if let length = request.headers[.contentLength].flatMap(Int.init), length > Self.maximumBodySize {
            throw Self.tooLarge
        }
        let body: ByteBuffer
        do { body = try await request.body.collect(upTo: Self.maximumBodySize) } catch { throw Self.tooLarge }
        let bytes = Data(body.readableBytesView)
        let (hook, secrets) = try await webhook(context)

        let header = { (name: String) in request.headers[HTTPField.Name(name)!] }
        let credential = "webhook \(hook.id.prefix(8))… (\(hook.provider))"
        guard WebhookSignature.isValid(provider: hook.provider, header: header, body: bytes, secret: secrets.secret) else {
            await auditor.record(AuditEntry(
                user: nil, credential: credential, peer: context.peer, action: "login", app: hook.app.rawValue, detail: "webhook",
                outcome: "refused: the signature is missing or wrong"))
            throw HTTPProblem(.unauthorized, "the \(hook.provider) signature is missing or wrong; check the webhook's secret")
        }
        let headers = WebhookHeaders(provider: hook.provider, header: header)
        switch headers.event {
        case .ping: return Self.text(.ok, "pong")
        case .other(let name): return Self.text(.accepted, "ignored: '\(name.prefix(40))' events do not deploy, only pushes")
        case .push: break
        }
        guard let deliveryID = headers.deliveryID, deliveryID.utf8.count <= 200 else {
            throw HTTPProblem(.badRequest, "missing or oversized \(WebhookHeaders.deliveryHeader(of: hook.provider)) header")
        }
        let push = try PushEvent(provider: hook.provider, body: bytes)
        guard push.ref == "refs/heads/" + hook.branch, !push.after.isZero else {
            return Self.text(.accepted, "ignored: \(push.ref.prefix(100)) is not \(hook.branch), or was deleted; only pushes to \(hook.branch) deploy")
        }
        let recorded = try await store.recordDelivery(WebhookDelivery(
            webhookID: hook.id, deliveryID: deliveryID, event: "push", ref: push.ref, after: push.after, pusher: push.pusher,
            status: .pending, detail: nil, buildID: nil, receivedAt: Date(), finishedAt: nil))
        guard recorded else { return Self.text(.ok, "already processed: delivery \(deliveryID)") }
        let deployment = WebhookDeployment(
            app: hook.app, provider: hook.provider, repoURL: hook.repoURL, branch: hook.branch, after: push.after, pusher: push.pusher)
        await auditor.record(AuditEntry(
            user: nil, credential: credential, peer: context.peer, action: "webhook:deliver", app: hook.app.rawValue,
            detail: "\(push.ref.prefix(100)) \(push.after.short) pushed by \(push.pusher.prefix(60))", outcome: "ok"))
        runner.start(deployment, hook: hook, secrets: secrets, deliveryID: deliveryID)
        return Self.text(.accepted, "accepted: deploying \(push.after.short) of \(hook.branch); `gantry webhooks:deliveries \(hook.app)` follows it")
    }

    /// The webhook named by the URL. An invalid app name, a missing app and a missing hook of
    /// an app get the same answer (`unknownHook`): an unsigned request cannot learn which apps
    /// exist.
    private func webhook(_ context: Context) async throws -> (Webhook, WebhookSecrets) {
        let id = context.parameters.get("id") ?? ""
        guard let app = try? AppName(context.parameters.get("app") ?? "") else { throw Self.unknownHook }
        do {
            return try await store.webhook(app: app, id: id)
        } catch {
            switch error {
            case .appNotFound, .webhookNotFound: throw Self.unknownHook
            default: throw error
            }
        }
    }

    /// The one answer for a delivery to a hook that does not exist, whatever part is unknown.
    static var unknownHook: HTTPProblem {
        HTTPProblem(.notFound, "no such webhook; `gantry webhooks APP` lists an app's payload URLs")
    }

    private static var tooLarge: HTTPProblem {
        HTTPProblem(.contentTooLarge, "webhook deliveries are limited to \(maximumBodySize >> 20) MiB")
    }

    private static func text(_ status: HTTPResponse.Status, _ message: String) -> Response {
        Response(
            status: status, headers: [.contentType: "text/plain; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: message + "\n")))
    }
}
