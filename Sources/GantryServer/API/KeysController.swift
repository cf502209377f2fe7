import GantryCore
import GantryStore
import Hummingbird

/// `/api/v1/keys`: the SSH public keys allowed to push over gantryd's SSH server.
struct KeysController<Context: RequestContext>: Sendable {
    let store: Store

    func addRoutes(to group: RouterGroup<Context>) {
        group.get("keys") { _, _ in Response.json(try await store.sshKeys()) }
        group.post("keys", use: add)
        group.delete("keys/:name") { _, context in
            try await store.deleteSSHKey(KeyName(context.parameters.get("name") ?? ""))
            return Response(status: .noContent)
        }
    }

    /// `POST /api/v1/keys` with `AddSSHKey`: parses and checks the key, then stores it.
    @Sendable func add(_ request: Request, context: Context) async throws -> Response {
        let body = try await request.body.collect(upTo: 64 << 10)
        guard let add = try? API.decoder().decode(AddSSHKey.self, from: body) else {
            throw HTTPProblem(.badRequest, #"expected a JSON body like {"name": "alice", "publicKey": "ssh-ed25519 AAAA… alice@laptop"}"#)
        }
        let name = try KeyName(add.name)
        let key = try AuthorizedKey(publicKeyFile: add.publicKey)
        let stored = try await store.addSSHKey(name: name, type: key.type, base64: key.base64, fingerprint: key.fingerprint)
        return Response.json(stored, status: .created)
    }
}
