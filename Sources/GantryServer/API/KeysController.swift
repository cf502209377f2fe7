import GantryCore
import GantryStore
import Hummingbird

/// `/api/v1/keys`: the SSH public keys that push and clone over gantryd's SSH server, each a
/// user's. A user adds and removes their own; an admin anyone's.
struct KeysController: Sendable {
    typealias Context = GantryRequestContext
    let store: Store

    func addRoutes(to routes: APIRoutes) {
        routes.get("keys", .signedIn) { _, context in
            let caller = try context.requireCaller()
            return Response.json(try await store.sshKeys(of: caller.isAdmin ? nil : caller.user.name))
        }
        // A key reaches every app of its user: only a token of the whole account adds one.
        routes.post("keys", .account, audit: "keys:add", use: add)
        routes.delete("keys/:key", .account, audit: "keys:remove") { _, context in
            let caller = try context.requireCaller()
            let name = try KeyName(context.parameters.get("key") ?? "")
            context.note.detail = name.rawValue
            let key = try await store.sshKey(named: name)
            guard caller.isAdmin || key.user == caller.user.name else {
                throw HTTPProblem(.forbidden, "SSH key '\(name)' is not yours; only an admin removes the keys of others")
            }
            try await store.deleteSSHKey(name)
            return Response(status: .noContent)
        }
    }

    /// `POST /api/v1/keys` with `AddSSHKey`: parses and checks the key, then stores it as the
    /// caller's (or, for an admin, as `user`'s).
    @Sendable func add(_ request: Request, context: Context) async throws -> Response {
        let caller = try context.requireCaller()
        let body = try await request.body.collect(upTo: 64 << 10)
        guard let add = try? API.decoder().decode(AddSSHKey.self, from: body) else {
            throw HTTPProblem(.badRequest, #"expected a JSON body like {"name": "alice", "publicKey": "ssh-ed25519 AAAA… alice@laptop"}"#)
        }
        let name = try KeyName(add.name)
        let user = try add.user.map { try UserName($0) } ?? caller.user.name
        context.note.detail = "\(name) of \(user)"
        guard user == caller.user.name || caller.isAdmin else {
            throw HTTPProblem(.forbidden, "only an admin adds SSH keys for another user; leave out --user to add one of yours")
        }
        let key = try AuthorizedKey(publicKeyFile: add.publicKey)
        let stored = try await store.addSSHKey(name: name, type: key.type, base64: key.base64, fingerprint: key.fingerprint, user: user)
        context.note.detail = "\(name) of \(user) (\(key.fingerprint))"
        return Response.json(stored, status: .created)
    }
}
