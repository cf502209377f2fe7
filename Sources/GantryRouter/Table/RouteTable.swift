import GantryCore
import Synchronization

/// Which app answers a host name, and which of its processes are up.
///
/// Host names map to apps as `APP.<baseDomain>` (`hello.localhost` → `hello`) or through custom
/// domains set with ``setDomains(app:_:)``, which may be wildcards (`*.example.com` serves
/// `www.example.com`, not `example.com` nor `a.b.example.com`; an exact domain wins). Each app has a list of healthy backends, served in
/// round robin. The deploy replaces an app's list in one call, so a request always sees either
/// the old list or the new one, never a mix and never an empty table in between.
///
/// Lookups happen once per request: the table is a struct behind a `Mutex`, and a lookup is two
/// dictionary reads and two counter bumps under it (an actor would add a hop per request).
public final class RouteTable: Sendable {
    /// The domain under which every app has its default host name: `APP.<baseDomain>`.
    public let baseDomain: String
    private let dottedBaseDomain: String
    private let state = Mutex<State>(State())

    private struct State {
        var apps: [String: AppRoute] = [:]
        /// Custom domain (lowercased, no trailing dot) → app name.
        var domains: [String: String] = [:]
        /// Slots taken out of the table while still serving requests, by backend id.
        var retired: [String: BackendSlot] = [:]
        /// App name → its HTTPS policy, when not ``RoutePolicy/none``.
        var policies: [String: RoutePolicy] = [:]
        /// App name → the text of its maintenance page (`nil`: the default), for apps in maintenance.
        var maintenance: [String: String?] = [:]
    }

    private struct AppRoute {
        let app: AppName
        var slots: [BackendSlot] = []
        var domains: [String] = []
        var next = 0
    }

    /// Creates an empty table; apps are reachable as `APP.<baseDomain>`.
    public init(baseDomain: String = "localhost") {
        let normalized = HostName.normalize(baseDomain)
        self.baseDomain = normalized
        self.dottedBaseDomain = "." + normalized
    }

    /// Replaces the backends of `app` in one step; requests already running keep their backend.
    ///
    /// A backend that stays (same id and address) keeps its request count, so draining it later
    /// still sees the requests it is serving.
    public func setBackends(app: AppName, _ backends: [Backend]) {
        state.withLock { state in
            var route = state.apps[app.rawValue] ?? AppRoute(app: app)
            var old: [String: BackendSlot] = [:]
            for slot in route.slots { old[slot.backend.id] = slot }
            route.slots = backends.map { backend in
                if let kept = old.removeValue(forKey: backend.id), kept.backend == backend { return kept }
                if let back = state.retired.removeValue(forKey: backend.id), back.backend == backend { return back }
                return BackendSlot(backend)
            }
            Self.retire(old.values, in: &state)
            state.apps[app.rawValue] = route
        }
    }

    /// Sets the custom domains of `app` (`www.example.com`), replacing the previous ones.
    /// A domain that belonged to another app moves to this one.
    public func setDomains(app: AppName, _ domains: [String]) {
        state.withLock { state in
            var route = state.apps[app.rawValue] ?? AppRoute(app: app)
            for domain in route.domains where state.domains[domain] == app.rawValue {
                state.domains[domain] = nil
            }
            route.domains = domains.map(HostName.normalize).filter { !$0.isEmpty }
            for domain in route.domains {
                if let owner = state.domains[domain], owner != app.rawValue {
                    state.apps[owner]?.domains.removeAll { $0 == domain }
                }
                state.domains[domain] = app.rawValue
            }
            state.apps[app.rawValue] = route
        }
    }

    /// Sets the HTTPS policy of `app` (see ``RoutePolicy``), replacing the previous one; it
    /// applies to every host name of the app from the next request on.
    public func setPolicy(app: AppName, _ policy: RoutePolicy) {
        state.withLock { state in
            state.policies[app.rawValue] = policy == .none ? nil : policy
        }
    }

    /// Puts `app` in maintenance (every request gets 503 and a page saying `message`, or a
    /// default text), or takes it out with `on` false; its backends stay as they are.
    public func setMaintenance(app: AppName, on: Bool, message: String? = nil) {
        state.withLock { state in
            if on { state.maintenance[app.rawValue] = .some(message) } else { state.maintenance[app.rawValue] = nil }
        }
    }

    /// The HTTPS policy of `app` now.
    public func policy(for app: AppName) -> RoutePolicy {
        state.withLock { $0.policies[app.rawValue] ?? .none }
    }

    /// Forgets `app`, its backends, its domains, its policy and its maintenance: its host names answer 404 from now on.
    public func removeApp(_ app: AppName) {
        state.withLock { state in
            state.policies[app.rawValue] = nil
            state.maintenance[app.rawValue] = nil
            guard let route = state.apps.removeValue(forKey: app.rawValue) else { return }
            for domain in route.domains where state.domains[domain] == app.rawValue {
                state.domains[domain] = nil
            }
            Self.retire(route.slots, in: &state)
        }
    }

    /// The backends `app` is served by now, in round-robin order.
    public func backends(for app: AppName) -> [Backend] {
        state.withLock { $0.apps[app.rawValue]?.slots.map(\.backend) ?? [] }
    }

    /// The apps in the table, sorted by name.
    public var apps: [AppName] {
        state.withLock { $0.apps.values.map(\.app) }.sorted()
    }

    /// Requests running on backend `backendID` now, whether or not it is still in the table.
    public func activeRequests(backendID: String) -> Int {
        slot(backendID: backendID)?.activeRequests ?? 0
    }

    /// Waits until backend `backendID` serves no request or `timeout` passes.
    ///
    /// Take the backend out of the table first (``setBackends(app:_:)``) so it gets no new
    /// requests; then this returns how many it was serving when the drain began.
    public func drain(backendID: String, timeout: Duration) async -> DrainResult {
        guard let slot = slot(backendID: backendID) else { return DrainResult(inFlightAtStart: 0, remaining: 0) }
        let atStart = slot.activeRequests
        if atStart > 0 {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await slot.waitUntilIdle() }
                group.addTask { try? await Task.sleep(for: timeout) }
                await group.next()
                group.cancelAll()
            }
        }
        let remaining = slot.activeRequests
        if remaining == 0 {
            state.withLock { state in
                if state.retired[backendID] === slot { state.retired[backendID] = nil }
            }
        }
        return DrainResult(inFlightAtStart: atStart, remaining: remaining)
    }

    // MARK: - Per request

    /// Where a request for `host` goes. The chosen slot's request count is already raised:
    /// the caller must call `end()` on it once the response is over.
    /// - Parameter via: the port the request came in on; decides the app's HTTPS policy.
    func route(host: String, via: Arrival = .plain(canRedirect: false)) -> RouteDecision {
        route(normalizedHost: HostName.normalize(host), via: via)
    }

    /// `route(host:)` for the raw bytes of a Host field.
    func route(hostBytes: UnsafeRawBufferPointer, via: Arrival = .plain(canRedirect: false)) -> RouteDecision {
        route(normalizedHost: HostName.normalize(hostBytes), via: via)
    }

    /// The port a request came in on, as far as the app's ``RoutePolicy`` cares.
    enum Arrival {
        /// The plain HTTP port; `canRedirect` when the router has an HTTPS port to send it to.
        case plain(canRedirect: Bool)
        case tls
    }

    private func route(normalizedHost key: String, via: Arrival) -> RouteDecision {
        let suffix = dottedBaseDomain.utf8.count
        let appKey: String?
        if key.utf8.count > suffix, key.utf8.suffix(suffix).elementsEqual(dottedBaseDomain.utf8) {
            appKey = String(decoding: key.utf8.dropLast(suffix), as: UTF8.self)
        } else {
            appKey = nil
        }
        return state.withLock { state -> RouteDecision in
            let name: String
            if !state.domains.isEmpty, let owner = state.domains[key] {
                name = owner
            } else if let appKey {
                name = appKey
            } else if !state.domains.isEmpty, let owner = Self.wildcardOwner(of: key, in: state.domains) {
                name = owner
            } else {
                return .unknownHost(key)
            }
            guard let route = state.apps[name] else { return .unknownHost(key) }
            var hsts: Int?
            if !state.policies.isEmpty, let policy = state.policies[name] {
                switch via {
                case .plain(let canRedirect):
                    if canRedirect, policy.forceHTTPS { return .redirectToHTTPS(route.app, host: key) }
                case .tls:
                    hsts = policy.hstsSeconds
                }
            }
            if !state.maintenance.isEmpty, let message = state.maintenance[name] { return .maintenance(route.app, message: message) }
            guard !route.slots.isEmpty else { return .noBackends(route.app) }
            let slot = route.slots[route.next % route.slots.count]
            state.apps[name]!.next = (route.next &+ 1) & Int.max
            slot.begin()
            return .backend(route.app, slot, hsts: hsts)
        }
    }

    /// The app of the wildcard domain `*.example.com` that covers `key` (`www.example.com`; one
    /// label deep, as a wildcard certificate covers it).
    private static func wildcardOwner(of key: String, in domains: [String: String]) -> String? {
        guard let dot = key.utf8.firstIndex(of: UInt8(ascii: ".")) else { return nil }
        return domains["*" + key[dot...]]
    }

    /// Another backend of `app` than `excluded`, for one retry after a failed connect; its request
    /// count is raised like `route(host:)` does.
    func alternative(for app: AppName, excluding excluded: String) -> BackendSlot? {
        state.withLock { state -> BackendSlot? in
            guard let route = state.apps[app.rawValue], route.slots.count > 1 else { return nil }
            for offset in 0..<route.slots.count {
                let slot = route.slots[(route.next &+ offset) % route.slots.count]
                if slot.backend.id != excluded {
                    state.apps[app.rawValue]!.next = (route.next &+ offset &+ 1) & Int.max
                    slot.begin()
                    return slot
                }
            }
            return nil
        }
    }

    private func slot(backendID: String) -> BackendSlot? {
        state.withLock { state in
            if let slot = state.retired[backendID] { return slot }
            for route in state.apps.values {
                if let slot = route.slots.first(where: { $0.backend.id == backendID }) { return slot }
            }
            return nil
        }
    }

    private static func retire(_ slots: some Sequence<BackendSlot>, in state: inout State) {
        for (id, slot) in state.retired where slot.activeRequests == 0 {
            state.retired[id] = nil
        }
        for slot in slots where slot.activeRequests > 0 {
            state.retired[slot.backend.id] = slot
        }
    }
}

/// The outcome of a host lookup.
enum RouteDecision {
    /// No app answers this host (normalized: lowercased, without port).
    case unknownHost(String)
    /// The app exists but has no running backend.
    case noBackends(AppName)
    /// The app is in maintenance: 503 with its page (`message`, or the default text).
    case maintenance(AppName, message: String?)
    /// Send the request to this backend of the app; over HTTPS, with `Strict-Transport-Security:
    /// max-age=hsts` on the response when the app's policy says so.
    case backend(AppName, BackendSlot, hsts: Int?)
    /// The app forces HTTPS and the request came on the plain port: 308 to `https://host…`
    /// (`host` normalized: lowercased, without port).
    case redirectToHTTPS(AppName, host: String)
}
