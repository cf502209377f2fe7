import GantryCore
import GantryStore
import Logging
import NIOCore
import NIOSSH
import Synchronization

/// Who a connection authenticated as: the registered key, once public-key authentication
/// succeeded. Shared by the connection's authenticator and its sessions.
final class ConnectionIdentity: Sendable {
    private let state = Mutex<SSHKey?>(nil)
    /// The connection's place among the port's unauthenticated connections, given back once
    /// it authenticates (or closes).
    private let slot: ConnectionSlot?

    init(slot: ConnectionSlot? = nil) { self.slot = slot }

    /// The key the client proved it holds, `nil` before authentication.
    var key: SSHKey? { state.withLock { $0 } }

    func authenticated(as key: SSHKey) {
        state.withLock { $0 = key }
        slot?.release()
    }
}

/// Public-key authentication against the `ssh_keys` table, for any user name (`git@` is the
/// convention). swift-nio-ssh has checked the signature before asking; this decides whether
/// the key is one of gantry's.
final class PublicKeyAuthenticator: NIOSSHServerUserAuthenticationDelegate, Sendable {
    let store: Store
    let identity: ConnectionIdentity
    let logger: Logger

    init(store: Store, identity: ConnectionIdentity, logger: Logger) {
        self.store = store
        self.identity = identity
        self.logger = logger
    }

    var supportedAuthenticationMethods: NIOSSHAvailableUserAuthenticationMethods { .publicKey }

    func requestReceived(request: NIOSSHUserAuthenticationRequest, responsePromise: EventLoopPromise<NIOSSHUserAuthenticationOutcome>) {
        guard case .publicKey(let offer) = request.request else {
            responsePromise.succeed(.failure)
            return
        }
        let fingerprint = AuthorizedKey(offer.publicKey).fingerprint
        let (store, identity, logger) = (store, identity, logger)
        Task {
            do {
                guard let key = try await store.sshKey(fingerprint: fingerprint) else {
                    logger.info("ssh: refused unknown key \(fingerprint) (user \(request.username.prefix(40)))")
                    return responsePromise.succeed(.failure)
                }
                identity.authenticated(as: key)
                responsePromise.succeed(.success)
            } catch {
                logger.error("ssh: cannot check key \(fingerprint): \(error)")
                responsePromise.succeed(.failure)
            }
        }
    }
}
