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
    private let refusals = Mutex(0)
    /// The connection's place among the port's unauthenticated connections, given back once
    /// it authenticates (or closes).
    private let slot: ConnectionSlot?
    /// The client's IP address.
    let peer: String

    init(slot: ConnectionSlot? = nil, peer: String = "unknown") {
        self.slot = slot
        self.peer = peer
    }

    /// Counts a refused key. - Returns: whether it is the connection's first.
    func refused() -> Bool {
        refusals.withLock { count in
            count += 1
            return count == 1
        }
    }

    /// The key the client proved it holds, `nil` before authentication.
    var key: SSHKey? { state.withLock { $0 } }

    func authenticated(as key: SSHKey) {
        state.withLock { $0 = key }
        slot?.release()
    }
}

/// Public-key authentication against the `ssh_keys` table, for any user name (`git@` is the
/// convention). swift-nio-ssh has checked the signature before asking; this decides whether
/// the key is one of gantry's (and its user's).
///
/// A connection that offers an unknown key is one failed login of its address (however many
/// keys its agent offers), written to the audit log once; an address over the limit has every
/// key refused until the throttle lets it try again.
final class PublicKeyAuthenticator: NIOSSHServerUserAuthenticationDelegate, Sendable {
    let store: Store
    let identity: ConnectionIdentity
    let throttle: LoginThrottle
    let auditor: Auditor
    let logger: Logger

    init(store: Store, identity: ConnectionIdentity, throttle: LoginThrottle, auditor: Auditor, logger: Logger) {
        self.store = store
        self.identity = identity
        self.throttle = throttle
        self.auditor = auditor
        self.logger = logger
    }

    var supportedAuthenticationMethods: NIOSSHAvailableUserAuthenticationMethods { .publicKey }

    func requestReceived(request: NIOSSHUserAuthenticationRequest, responsePromise: EventLoopPromise<NIOSSHUserAuthenticationOutcome>) {
        guard case .publicKey(let offer) = request.request else {
            responsePromise.succeed(.failure)
            return
        }
        let fingerprint = AuthorizedKey(offer.publicKey).fingerprint
        let (store, identity, throttle, auditor, logger) = (store, identity, throttle, auditor, logger)
        let peer = identity.peer
        Task {
            do {
                if throttle.retryAfter(peer) != nil {
                    if identity.refused(), throttle.isFirstRefusal(peer) {
                        await auditor.record(AuditEntry(
                            user: nil, credential: "ssh key \(fingerprint)", peer: peer, action: "login", detail: "ssh",
                            outcome: "refused: too many failed logins"))
                    }
                    return responsePromise.succeed(.failure)
                }
                guard let key = try await store.sshKey(fingerprint: fingerprint) else {
                    logger.info("ssh: refused unknown key \(fingerprint) (user \(request.username.prefix(40)))")
                    if identity.refused() {
                        throttle.failed(peer)
                        await auditor.record(AuditEntry(
                            user: nil, credential: "ssh key \(fingerprint)", peer: peer, action: "login", detail: "ssh",
                            outcome: "refused: unknown key"))
                    }
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
