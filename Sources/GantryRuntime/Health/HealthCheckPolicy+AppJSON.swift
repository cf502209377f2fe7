import GantryBuildpacks

extension HealthCheckPolicy {
    /// Reads the checks in app.json's `healthchecks.web[]` (Dokku's format); `nil` or no
    /// runnable check gives `.default`.
    ///
    /// Like Dokku, only entries of `"type": "startup"` with a `path` run at deploy; the others
    /// (liveness, readiness, no type, command/listening/uptime checks) are listed in `skipped`.
    /// An entry with `attempts` and `wait` keeps Dokku's meaning: that many tries, `wait` apart,
    /// each given `timeout` (default 5 s). With `attempts` but no `wait` it is as patient as
    /// Dokku — as long as `attempts` tries 5 s apart would take — but polled the Gantry way,
    /// every 0.2 s, so a process that answers after 0.3 s is live after 0.3 s, not after Dokku's
    /// 5 s wait. Without `attempts`: every `wait` (default 0.2 s) for up to 30 s, `timeout`
    /// (default 2 s) per try. Either way it may start after `initialDelay` seconds, must answer 2xx or 3xx
    /// (redirects are not followed) and, with `content`, contain that text.
    /// - Throws: `InvalidHealthCheck` for an unknown `type`, a `path` not starting with `/`,
    ///   negative or oversized numbers, or a check that could keep a deploy waiting over 15 min.
    public init(appJSON: AppJSON?) throws(InvalidHealthCheck) {
        try self.init(webChecks: appJSON?.healthchecks?["web"] ?? [])
    }

    /// Reads `healthchecks.web[]` entries, as `init(appJSON:)` describes.
    /// - Throws: `InvalidHealthCheck` naming the first invalid field.
    public init(webChecks entries: [AppJSON.HealthCheck]) throws(InvalidHealthCheck) {
        var checks: [Check] = []
        var skipped: [String] = []
        for (index, entry) in entries.enumerated() {
            let field = "healthchecks.web[\(index)]"
            switch try AppJSONHealthCheck.read(entry, field: field) {
            case .run(let check): checks.append(check)
            case .skip(let reason): skipped.append("\(field)\(entry.name.map { " (\($0))" } ?? ""): \(reason)")
            }
        }
        self.init(checks: checks.isEmpty ? [.gantryDefault] : checks, skipped: skipped)
    }
}

/// The rules for one app.json health check entry.
enum AppJSONHealthCheck {
    enum Reading {
        case run(HealthCheckPolicy.Check)
        case skip(String)
    }

    static let types: Set = ["startup", "liveness", "readiness"]
    static let longestSeconds = 600
    static let mostAttempts = 1000
    static let longestCheck: Duration = .seconds(15 * 60)
    /// Dokku's defaults for a check with `attempts`.
    static let dokkuTimeout: Duration = .seconds(5)
    static let dokkuWait: Duration = .seconds(5)

    static func read(_ entry: AppJSON.HealthCheck, field: String) throws(InvalidHealthCheck) -> Reading {
        if let type = entry.type, !types.contains(type) {
            throw InvalidHealthCheck(
                field: field + ".type", reason: "\"\(type)\" is not a check type; write \"startup\", \"liveness\" or \"readiness\"")
        }
        let path = try validPath(entry.path, field: field + ".path")
        let attempts = try validAttempts(entry.attempts, field: field + ".attempts")
        let timeout = try seconds(entry.timeout, field: field + ".timeout", minimum: 1)
        let wait = try seconds(entry.wait, field: field + ".wait", minimum: 0)
        let initialDelay = try seconds(entry.initialDelay, field: field + ".initialDelay", minimum: 0) ?? .zero

        guard let type = entry.type else {
            return .skip("no \"type\"; like Dokku, Gantry runs only \"startup\" checks at deploy")
        }
        guard type == "startup" else { return .skip("a \"\(type)\" check; Gantry runs only \"startup\" checks, at deploy") }
        guard let path else {
            return .skip("no \"path\"; Gantry runs HTTP path checks only (not command, listening or uptime checks)")
        }

        let fallback = HealthCheckPolicy.Check.gantryDefault
        let limit: HealthCheckPolicy.Check.Limit
        switch (attempts, wait) {
        case (let attempts?, nil):
            limit = .within((timeout ?? dokkuTimeout) * attempts + dokkuWait * (attempts - 1))
        case (let attempts?, _?):
            limit = .attempts(attempts)
        case (nil, _):
            limit = fallback.limit
        }
        let check = HealthCheckPolicy.Check(
            name: entry.name, path: path, limit: limit,
            attemptTimeout: timeout ?? (attempts == nil || wait == nil ? fallback.attemptTimeout : dokkuTimeout),
            interval: wait ?? fallback.interval,
            initialDelay: initialDelay, content: entry.content.flatMap { $0.isEmpty ? nil : $0 },
            acceptedStatuses: 200..<400)
        let longest = check.longestWait
        guard longest <= longestCheck else {
            throw InvalidHealthCheck(
                field: field,
                reason: "initialDelay + attempts × (timeout + wait) allows \(longest.spoken); Gantry waits at most \(longestCheck.spoken)")
        }
        return .run(check)
    }


    private static func validPath(_ path: String?, field: String) throws(InvalidHealthCheck) -> String? {
        guard let path else { return nil }
        guard path.hasPrefix("/") else {
            throw InvalidHealthCheck(field: field, reason: "\"\(path)\" must start with / (write \"/\(path)\")")
        }
        guard !path.unicodeScalars.contains(where: { $0.properties.isWhitespace || $0.value < 0x20 || $0.value == 0x7F }) else {
            throw InvalidHealthCheck(field: field, reason: "\"\(path)\" contains a space or control character; percent-encode it")
        }
        guard !path.contains("#") else {
            throw InvalidHealthCheck(field: field, reason: "\"\(path)\" has a #fragment, which is never sent to the app")
        }
        guard path.utf8.count <= 2048 else { throw InvalidHealthCheck(field: field, reason: "longer than 2048 bytes") }
        return path
    }

    private static func validAttempts(_ value: Int?, field: String) throws(InvalidHealthCheck) -> Int? {
        guard let value else { return nil }
        let range = "write a count from 1 to \(mostAttempts)"
        guard value >= 0 else { throw InvalidHealthCheck(field: field, reason: "\(value) is negative; \(range)") }
        guard value >= 1 else { throw InvalidHealthCheck(field: field, reason: "0 attempts would never check; \(range)") }
        guard value <= mostAttempts else {
            throw InvalidHealthCheck(field: field, reason: "\(value) is more than \(mostAttempts) attempts; \(range)")
        }
        return value
    }

    private static func seconds(_ value: Int?, field: String, minimum: Int) throws(InvalidHealthCheck) -> Duration? {
        guard let value else { return nil }
        let range = "write whole seconds from \(minimum) to \(longestSeconds)"
        guard value >= 0 else { throw InvalidHealthCheck(field: field, reason: "\(value) is negative; \(range)") }
        guard value >= minimum else { throw InvalidHealthCheck(field: field, reason: "\(value) is too short; \(range)") }
        guard value <= longestSeconds else {
            throw InvalidHealthCheck(field: field, reason: "\(value) is more than \(longestSeconds) seconds; \(range)")
        }
        return .seconds(value)
    }
}

extension HealthCheckPolicy.Check {
    /// The longest this check can keep a deploy waiting (for a cluster engine: its start period).
    public var longestWait: Duration {
        switch limit {
        case .attempts(let count): initialDelay + attemptTimeout * count + interval * (count - 1)
        case .within(let budget): initialDelay + budget
        }
    }
}
