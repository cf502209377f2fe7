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
/// An app may have a canary beside its backends (``setCanary(app:_:)``, ``CanarySplit``): a
/// weighted, sticky share of its requests goes to the canary's backends. An app without one pays
/// a single `nil` check per request for it.
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
        var canary: CanaryRoute?

        /// Every slot the app sends requests to: its own and its canary's.
        var allSlots: [BackendSlot] { slots + (canary?.slots ?? []) }
    }

    /// An app's canary as the table serves it.
    private struct CanaryRoute {
        let split: CanarySplit
        var slots: [BackendSlot]
        var next = 0
        /// Requests that named no side since the split's weight was set, and how many of them
        /// went to the canary: the next one does when `toCanary * 100 < undecided * weight`,
        /// so any run of them is split within one request of the weight, with no randomness.
        var undecided = 0
        var toCanary = 0
        /// The `Set-Cookie` values naming each side.
        let canaryCookie: String
        let stableCookie: String
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
            let before = route.allSlots
            route.slots = Self.slots(for: backends, reusing: before, in: &state)
            Self.retire(before, except: route, in: &state)
            state.apps[app.rawValue] = route
        }
    }

    /// Gives `app` a canary beside its backends, replacing the one it had, or (`nil`) none.
    ///
    /// A backend of the canary that stays (in the new split, or in the app's own backends after a
    /// promotion: ``setBackends(app:_:)`` with the canary's backends, then `nil` here) keeps its
    /// slot and request count; the others leave the table, and ``drain(backendID:timeout:)``
    /// finds them while they serve requests. The weighted choice starts over when the release,
    /// the stable release or the weight changes.
    public func setCanary(app: AppName, _ split: CanarySplit?) {
        state.withLock { state in
            guard var route = state.apps[app.rawValue] ?? split.map({ _ in AppRoute(app: app) }) else { return }
            let before = route.allSlots
            if let split {
                let slots = Self.slots(for: split.backends, reusing: before, in: &state)
                var canary = CanaryRoute(
                    split: split, slots: slots, canaryCookie: CanarySplit.stickyCookie(app: app, release: split.release),
                    stableCookie: CanarySplit.stickyCookie(app: app, release: split.stable))
                if let old = route.canary, old.split.release == split.release, old.split.stable == split.stable,
                    old.split.weight == split.weight
                {
                    (canary.next, canary.undecided, canary.toCanary) = (old.next, old.undecided, old.toCanary)
                }
                route.canary = canary
            } else {
                route.canary = nil
            }
            Self.retire(before, except: route, in: &state)
            state.apps[app.rawValue] = route
        }
    }

    /// The canary `app` has now, if any.
    public func canary(for app: AppName) -> CanarySplit? {
        state.withLock { $0.apps[app.rawValue]?.canary?.split }
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

    /// Forgets `app`, its backends, its canary, its domains, its policy and its maintenance: its
    /// host names answer 404 from now on.
    public func removeApp(_ app: AppName) {
        state.withLock { state in
            state.policies[app.rawValue] = nil
            state.maintenance[app.rawValue] = nil
            guard let route = state.apps.removeValue(forKey: app.rawValue) else { return }
            for domain in route.domains where state.domains[domain] == app.rawValue {
                state.domains[domain] = nil
            }
            Self.retire(route.allSlots, except: nil, in: &state)
        }
    }

    /// The backends `app` is served by now, in round-robin order (not its canary's).
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
    /// - Parameters:
    ///   - via: the port the request came in on; decides the app's HTTPS policy.
    ///   - preference: what the request says about the side of a canary split; called (under the
    ///     table's lock) only when the app has a canary.
    func route(
        host: String, via: Arrival = .plain(canRedirect: false), preference: (AppName) -> CanaryPreference = { _ in .none }
    ) -> RouteDecision {
        route(normalizedHost: HostName.normalize(host), via: via, preference: preference)
    }

    /// `route(host:)` for the raw bytes of a Host field.
    func route(
        hostBytes: UnsafeRawBufferPointer, via: Arrival = .plain(canRedirect: false),
        preference: (AppName) -> CanaryPreference = { _ in .none }
    ) -> RouteDecision {
        route(normalizedHost: HostName.normalize(hostBytes), via: via, preference: preference)
    }

    /// The port a request came in on, as far as the app's ``RoutePolicy`` cares.
    enum Arrival {
        /// The plain HTTP port; `canRedirect` when the router has an HTTPS port to send it to.
        case plain(canRedirect: Bool)
        case tls
    }

    private func route(normalizedHost key: String, via: Arrival, preference: (AppName) -> CanaryPreference) -> RouteDecision {
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
            if route.canary != nil {
                return Self.split(&state.apps[name]!, preference: preference(route.app), hsts: hsts)
            }
            guard !route.slots.isEmpty else { return .noBackends(route.app) }
            let slot = route.slots[route.next % route.slots.count]
            state.apps[name]!.next = (route.next &+ 1) & Int.max
            slot.begin()
            return .backend(route.app, slot, hsts: hsts, side: .stable)
        }
    }

    /// The side and backend of a request for an app with a canary (see ``CanarySplit``): the
    /// side the request names, else the weighted choice (with a cookie naming it); a side without
    /// backends sends its requests to the other one, without a cookie.
    private static func split(_ route: inout AppRoute, preference: CanaryPreference, hsts: Int?) -> RouteDecision {
        guard let canary = route.canary else { preconditionFailure("split(_:) of an app without a canary") }
        var side: SplitSide
        switch preference {
        case .forcedCanary:
            side = SplitSide(isCanary: true, setCookie: nil)
        case .forcedStable:
            side = .stable
        case .cookie(let release) where release == canary.split.release:
            side = SplitSide(isCanary: true, setCookie: nil)
        case .cookie(let release) where release == canary.split.stable:
            side = .stable
        case .none, .cookie:
            if canary.slots.isEmpty || route.slots.isEmpty {
                side = SplitSide(isCanary: route.slots.isEmpty, setCookie: nil)
            } else {
                let undecided = canary.undecided &+ 1
                let toCanary = canary.toCanary * 100 < undecided * canary.split.weight
                route.canary!.undecided = undecided
                if toCanary { route.canary!.toCanary &+= 1 }
                side = SplitSide(isCanary: toCanary, setCookie: toCanary ? canary.canaryCookie : canary.stableCookie)
            }
        }
        if side.isCanary ? canary.slots.isEmpty : route.slots.isEmpty {
            side = SplitSide(isCanary: !side.isCanary, setCookie: nil)
        }
        let slot: BackendSlot
        if side.isCanary {
            guard !canary.slots.isEmpty else { return .noBackends(route.app) }
            slot = canary.slots[canary.next % canary.slots.count]
            route.canary!.next = (canary.next &+ 1) & Int.max
        } else {
            guard !route.slots.isEmpty else { return .noBackends(route.app) }
            slot = route.slots[route.next % route.slots.count]
            route.next = (route.next &+ 1) & Int.max
        }
        slot.begin()
        return .backend(route.app, slot, hsts: hsts, side: side)
    }

    /// The app of the wildcard domain `*.example.com` that covers `key` (`www.example.com`; one
    /// label deep, as a wildcard certificate covers it).
    private static func wildcardOwner(of key: String, in domains: [String: String]) -> String? {
        guard let dot = key.utf8.firstIndex(of: UInt8(ascii: ".")) else { return nil }
        return domains["*" + key[dot...]]
    }

    /// Another backend of `app` than `excluded`, on the same side of its canary split (the
    /// canary's backends when `canary`, else its own), for one retry after a failed connect; its
    /// request count is raised like `route(host:)` does.
    func alternative(for app: AppName, excluding excluded: String, canary: Bool = false) -> BackendSlot? {
        state.withLock { state -> BackendSlot? in
            guard let route = state.apps[app.rawValue] else { return nil }
            let slots = canary ? route.canary?.slots ?? [] : route.slots
            let next = canary ? route.canary?.next ?? 0 : route.next
            guard slots.count > 1 else { return nil }
            for offset in 0..<slots.count {
                let slot = slots[(next &+ offset) % slots.count]
                if slot.backend.id != excluded {
                    let moved = (next &+ offset &+ 1) & Int.max
                    if canary { state.apps[app.rawValue]!.canary!.next = moved } else { state.apps[app.rawValue]!.next = moved }
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
                if let slot = route.canary?.slots.first(where: { $0.backend.id == backendID }) { return slot }
            }
            return nil
        }
    }

    /// The slots for `backends`: the one in `current` (or among the retired) of a backend that
    /// stays the same, with its request count, else a new one.
    private static func slots(for backends: [Backend], reusing current: [BackendSlot], in state: inout State) -> [BackendSlot] {
        var byID: [String: BackendSlot] = [:]
        for slot in current { byID[slot.backend.id] = slot }
        return backends.map { backend in
            if let kept = byID[backend.id], kept.backend == backend { return kept }
            if let back = state.retired.removeValue(forKey: backend.id), back.backend == backend { return back }
            return BackendSlot(backend)
        }
    }

    /// Retires the slots of `before` that `route` (an app's new state; `nil`: the app is gone)
    /// no longer sends requests to.
    private static func retire(_ before: [BackendSlot], except route: AppRoute?, in state: inout State) {
        let kept = Set((route?.allSlots ?? []).map(ObjectIdentifier.init))
        for (id, slot) in state.retired where slot.activeRequests == 0 {
            state.retired[id] = nil
        }
        for slot in before where slot.activeRequests > 0 && !kept.contains(ObjectIdentifier(slot)) {
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
    /// max-age=hsts` on the response when the app's policy says so; `side` says which side of a
    /// canary split it is on (``SplitSide/stable`` for an app without one).
    case backend(AppName, BackendSlot, hsts: Int?, side: SplitSide)
    /// The app forces HTTPS and the request came on the plain port: 308 to `https://host…`
    /// (`host` normalized: lowercased, without port).
    case redirectToHTTPS(AppName, host: String)
}
