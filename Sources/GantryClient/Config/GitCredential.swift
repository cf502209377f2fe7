import Foundation

/// git's credential-helper protocol (`git help credential`), answered with the API token.
///
/// git runs `HELPER get|store|erase`, writes `key=value` lines and a blank line to its stdin,
/// and for `get` reads `key=value` lines back. gantryd accepts the API token as the HTTP basic
/// password for any user name.
public enum GitCredential {
    /// The user name sent to git; gantryd ignores it.
    public static let username = "gantry"

    /// What to print for `action`: `username=…` and `password=…` lines for `get` when a token
    /// is known; nothing otherwise (git then asks its other helpers or the user).
    public static func answer(action: String, token: String?) -> String {
        guard action == "get", let token, !token.isEmpty, !token.contains(where: \.isNewline) else { return "" }
        return "username=\(username)\npassword=\(token)\n"
    }

    /// The `credential.URL.helper` value that runs `executable git-credential`.
    ///
    /// git runs a value starting with `/` as a command line and prefixes anything else with
    /// `git credential-`; a path with characters the shell would split or expand is therefore
    /// given as a `!` shell snippet with the path single-quoted.
    public static func helperConfigValue(executable: String) -> String {
        let plain = executable.hasPrefix("/") && executable.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || "/._-+".unicodeScalars.contains($0)
        }
        if plain { return "\(executable) git-credential" }
        return "!'\(executable.replacingOccurrences(of: "'", with: #"'\''"#))' git-credential"
    }
}
