import Foundation
import Synchronization

/// Where a tool named without a path is, looked up in `PATH` once per name: launching by name
/// makes Subprocess try every `PATH` entry with a spawn of its own (measured: twelve spawns,
/// 86 ms, for `ip` behind a developer's long `PATH`), and gantryd launches the same few
/// tools (`ip`, `iptables`, `runc`, `setsid`) for every container.
public enum ExecutableLookup {
    private static let found = Mutex<[String: String]>([:])

    /// The absolute path of `name`, or `name` as it is when it holds a `/` or is not found
    /// (a miss is looked up again next time: the tool may be installed meanwhile).
    public static func path(of name: String) -> String {
        guard !name.isEmpty, !name.contains("/") else { return name }
        if let path = found.withLock({ $0[name] }) { return path }
        let search = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
        for directory in search.split(separator: ":") where directory.hasPrefix("/") {
            let candidate = directory + "/" + name
            var info = stat()
            guard stat(candidate, &info) == 0, info.st_mode & S_IFMT == S_IFREG, access(candidate, X_OK) == 0 else { continue }
            found.withLock { $0[name] = candidate }
            return candidate
        }
        return name
    }
}
