/// The on-disk layout of gantryd's data directory, declared once.
///
/// ```
/// DATA_DIR/
///   gantry.sqlite        SQLite database (WAL)
///   admin-token          the first admin API token, mode 0600
///   repos/APP.git        one bare repository per app
///   tmp/                 scratch space (receive quarantines); emptied at start
/// ```
public struct DataDirectory: Sendable, Hashable {
    /// The root, as an absolute path.
    public let root: String

    /// - Parameter root: an absolute path.
    public init(root: String) {
        precondition(root.hasPrefix("/"), "DataDirectory needs an absolute path")
        self.root = root.count > 1 && root.hasSuffix("/") ? String(root.dropLast()) : root
    }

    public var database: String { root + "/gantry.sqlite" }
    public var adminToken: String { root + "/admin-token" }
    public var repositories: String { root + "/repos" }
    public var scratch: String { root + "/tmp" }

    /// The bare repository of `app`. Safe by construction: an `AppName` holds no `/` or `..`.
    public func repository(for app: AppName) -> String {
        repositories + "/" + app.rawValue + ".git"
    }
}
