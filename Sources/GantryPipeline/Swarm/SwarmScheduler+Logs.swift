import Foundation
import GantryCore
import GantrySwarm

extension SwarmScheduler {
    /// Follows the logs of each of the app's services from the Engine API into the app's log
    /// directory (`web.1.log` for slot 1 of the web service), so `gantry logs` reads a Swarm app
    /// as a local one: same files, same timestamps, same `--tail` and `--follow`. A follower
    /// that loses the stream takes it up again from its last line's time.
    func followLogs(_ app: AppName) {
        guard let plan = plans[app] else { return }
        let directory = logsDirectory + "/" + app.rawValue
        for type in plan.formationTypes {
            let service = Self.serviceName(app, type)
            guard logFollowers[service] == nil else { continue }
            logFollowers[service] = Task { [engine] in
                // From the last line already written (a gantryd restart), else from the start.
                var since = Self.lastLogged(in: directory, type: type).map { $0 + 0.000_001 } ?? 0
                var slots: [String: Int] = [:]
                while !Task.isCancelled {
                    do {
                        for try await line in engine.followServiceLogs(service, since: since) {
                            if slots[line.taskID] == nil {
                                let id = (try? await engine.service(named: service))??.id ?? service
                                for task in (try? await engine.tasks(ofService: id)) ?? [] { slots[task.id] = task.slot }
                            }
                            let process = "\(type).\(slots[line.taskID] ?? 0)"
                            AppLogs.append(Self.logTimestamp(line.timestamp) + " " + line.text, to: directory + "/\(process).log")
                            since = Self.epochSeconds(line.timestamp).map { $0 + 0.000_001 } ?? since
                        }
                    } catch {}
                    try? await Task.sleep(for: .seconds(1))
                }
            }
        }
    }

    /// The engine's RFC 3339 time (nanoseconds) as the log files write it (microseconds, 27
    /// characters): `2026-12-07T05:10:00.123456Z`.
    static func logTimestamp(_ engine: String) -> String {
        let parts = engine.dropLast(engine.hasSuffix("Z") ? 1 : 0).split(separator: ".", maxSplits: 1)
        let fraction = parts.count > 1 ? String(parts[1].prefix(6)) : ""
        return String(parts.first ?? "") + "." + fraction + String(repeating: "0", count: 6 - fraction.count) + "Z"
    }

    /// The time of the newest line in the log files of `type`'s processes, in seconds since 1970.
    static func lastLogged(in directory: String, type: String) -> Double? {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return files.filter { $0.hasPrefix(type + ".") && $0.hasSuffix(".log") }.compactMap { file in
            AppLogs.lastLines(of: directory + "/" + file, count: 1).last.flatMap { epochSeconds(LogLine($0, source: "").timestamp) }
        }.max()
    }

    /// An RFC 3339 time (any number of fraction digits) in seconds since 1970, fraction kept.
    static func epochSeconds(_ timestamp: String) -> Double? {
        guard let date = RunningTask.date(timestamp) else { return nil }
        let fraction = timestamp.split(separator: ".", maxSplits: 1).dropFirst().first.map { $0.prefix { $0.isNumber } }
        return date.timeIntervalSince1970 + (fraction.flatMap { Double("0." + $0) } ?? 0)
    }
}
