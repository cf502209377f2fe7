import Foundation
import GantryCore
import GantryStore
import Logging

/// Certificates that get and renew themselves (gantryd `--acme-directory`): every app with a
/// domain a CA can validate over HTTP gets one when the domain is added, renewed two thirds
/// into its lifetime; a failure is retried with backoff and kept for `gantry certs` while the
/// app goes on serving over HTTP and its old certificate. An app with a certificate of its own
/// (`certs:add`) is left alone. One order at a time.
public actor AutomaticCertificates {
    private let store: Store
    private let authority: any CertificateAuthority
    private let appsDomain: String
    private let installed: @Sendable (AppName) async -> Void
    private let logger: Logger
    private let now: @Sendable () -> Date
    /// When to look at each app again.
    private var due: [AppName: Date] = [:]
    private var sleeper: CheckedContinuation<Void, Never>?

    /// - Parameter installed: tells the router the app's certificate changed.
    public init(
        store: Store, authority: any CertificateAuthority, appsDomain: String, logger: Logger,
        now: @escaping @Sendable () -> Date = { Date() }, installed: @escaping @Sendable (AppName) async -> Void
    ) {
        self.store = store
        self.authority = authority
        self.appsDomain = appsDomain
        self.logger = logger
        self.now = now
        self.installed = installed
    }

    /// The app's domains or certificate changed: look at it now.
    public func changed(_ app: AppName) {
        due[app] = .distantPast
        wakeUp()
    }

    /// Looks at every app, then at each when it is due, until the calling task is cancelled.
    public func run() async {
        for app in (try? await store.apps().map(\.name)) ?? [] where due[app] == nil { due[app] = .distantPast }
        await withTaskCancellationHandler {
            while !Task.isCancelled {
                let moment = now()
                if let app = due.filter({ $0.value <= moment }).min(by: { $0.value < $1.value })?.key {
                    due[app] = nil
                    let next = await check(app)
                    if let next { due[app] = min(due[app] ?? .distantFuture, next) }
                    continue
                }
                await sleep(until: due.values.min())
            }
        } onCancel: {
            Task { await self.wakeUp() }
        }
    }

    /// Does what the app needs now.
    /// - Returns: when to look at it again; nil when it needs nothing until it changes.
    func check(_ app: AppName) async -> Date? {
        do {
            let names = RenewalPolicy.names(app: app, domains: try await store.domains(app: app).map(\.name), appsDomain: appsDomain)
            let status = try await store.automaticCertificate(app: app)
            switch RenewalPolicy.decide(names: names, certificate: try await store.certificate(app: app), status: status, now: now()) {
            case .none:
                if status != nil { try await store.removeAutomaticCertificate(app: app) }
                return nil
            case .valid(let renewAt):
                if status?.state != "issued" || status?.nextAttemptAt != renewAt || status?.names != names {
                    try await store.setAutomaticCertificate(
                        AutomaticCertificate(state: "issued", names: names, lastError: nil, failures: 0, nextAttemptAt: renewAt, updatedAt: now()), app: app)
                }
                return renewAt
            case .wait(let retryAt):
                return retryAt
            case .issue:
                return try await issue(app, names: names, previous: status)
            }
        } catch .appNotFound {
            return nil  // destroyed meanwhile: its rows went with it
        } catch {
            logger.warning("automatic certificate of \(app): \(error)")
            return nil
        }
    }

    private func issue(_ app: AppName, names: [String], previous: AutomaticCertificate?) async throws(StoreError) -> Date {
        let failures = previous?.names == names ? previous?.failures ?? 0 : 0
        try await store.setAutomaticCertificate(
            AutomaticCertificate(state: "issuing", names: names, lastError: previous?.lastError, failures: failures, nextAttemptAt: nil, updatedAt: now()),
            app: app)
        logger.info("asking the ACME CA for a certificate of \(app): \(names.joined(separator: " "))")
        let problem: CertificateAuthorityError
        do {
            let issued = try await authority.issue(names: names)
            let checked = try CertificateCheck(chainPEM: issued.chainPEM, keyPEM: issued.keyPEM, domains: names.compactMap { try? DomainName($0) }, now: now())
            let stored = StoredCertificate(
                chainPEM: checked.chainPEM, keyPEM: checked.keyPEM, names: checked.names, issuer: checked.issuer, notBefore: checked.notBefore,
                notAfter: checked.notAfter, source: "acme", createdAt: now())
            guard try await store.setCertificate(stored, app: app, keepingManual: true) else {
                try await store.removeAutomaticCertificate(app: app)
                return .distantFuture
            }
            let renewAt = RenewalPolicy.renewalTime(notBefore: stored.notBefore, notAfter: stored.notAfter)
            try await store.setAutomaticCertificate(
                AutomaticCertificate(state: "issued", names: names, lastError: nil, failures: 0, nextAttemptAt: renewAt, updatedAt: now()), app: app)
            await installed(app)
            logger.notice("\(app) has a certificate for \(names.joined(separator: " ")) from \(stored.issuer), valid until \(stored.notAfter)")
            return renewAt
        } catch let error as CertificateAuthorityError {
            problem = error
        } catch let error as StoreError {
            throw error
        } catch {
            problem = CertificateAuthorityError("the CA's certificate is unusable: \(error)")
        }
        let retryAt = RenewalPolicy.retryTime(after: failures + 1, retryAfter: problem.retryAfter, now: now())
        try await store.setAutomaticCertificate(
            AutomaticCertificate(state: "failed", names: names, lastError: problem.description, failures: failures + 1, nextAttemptAt: retryAt, updatedAt: now()),
            app: app)
        logger.warning("no certificate for \(app) (\(problem)); trying again at \(retryAt)")
        return retryAt
    }

    private func sleep(until date: Date?) async {
        let timer = date.map { date in
            Task { [now] in
                try? await Task.sleep(for: .seconds(max(0, date.timeIntervalSince(now()))))
                await self.wakeUp()
            }
        }
        await withCheckedContinuation { continuation in
            if Task.isCancelled { return continuation.resume() }
            sleeper = continuation
        }
        timer?.cancel()
    }

    private func wakeUp() {
        sleeper?.resume()
        sleeper = nil
    }
}
