import Foundation

/// How `gantry config` prints vars.
public enum ConfigDisplay {
    /// Heroku's layout, keys sorted and values aligned:
    ///
    /// ```
    /// === blog Config Vars
    /// DATABASE_URL: postgres://db/blog
    /// DEBUG:        1
    /// ```
    public static func table(app: String, config: [String: String]) -> String {
        table(app: app, vars: config.mapValues(Optional.some))
    }

    /// What a caller with only `read` access sees in place of a value.
    public static let hiddenValue = "(hidden: read access)"

    /// `table(app:config:)` for what `configVars` returns: a hidden (`nil`) value shows as
    /// `hiddenValue`.
    public static func table(app: String, vars: [String: String?]) -> String {
        let fields = vars.sorted { $0.key < $1.key }.map { (label: $0.key, value: $0.value ?? hiddenValue) }
        return "=== \(app) Config Vars\n" + TextTable.fields(fields)
    }

    /// `KEY=value` lines (`shellLine`), keys sorted.
    public static func shell(_ config: [String: String]) -> String {
        config.sorted { $0.key < $1.key }.map { shellLine(key: $0.key, value: $0.value) }.joined(separator: "\n")
    }

    /// `KEY=value` for a POSIX shell (`--shell`): the value as is when it holds only characters
    /// no shell treats specially, else in single quotes (a `'` inside becomes `'\''`), so that
    /// `eval "$(gantry config APP --shell)"` sets every var to exactly its value.
    public static func shellLine(key: String, value: String) -> String {
        let plain = !value.isEmpty && value.unicodeScalars.allSatisfy { scalar in
            switch scalar {
            case "A"..."Z", "a"..."z", "0"..."9", "_", "-", ".", "/", ":", ",", "+", "@", "%", "=": true
            default: false
            }
        }
        if plain { return "\(key)=\(value)" }
        return "\(key)='" + value.replacingOccurrences(of: "'", with: #"'\''"#) + "'"
    }
}
