/// The on-disk layout of gantryd's data directory, declared once. The root is 0700 and
/// gantryd's umask 077: what it creates is its own unless it sets a mode (exported trees,
/// layers, containers' upper directories are 0755 so apps can read them).
///
/// ```
/// DATA_DIR/              mode 0700
///   gantry.sqlite        SQLite database (WAL), 0600 like its -wal and -shm
///   admin-token          the first admin API token, mode 0600
///   ssh-host-key         the SSH server's Ed25519 host key, mode 0600
///   acme-account-key.pem the ACME account's P-256 key (`--acme-directory`), mode 0600
///   repos/APP.git        one bare repository per app
///   images/              OCI image layout: oci-layout, index.json, blobs/sha256/…
///   layers/DIGEST/       unpacked image layers, the read-only lower dirs of containers
///   containers/ID/       one OCI bundle per running container
///   containers.runc/     runc's state (`runc --root`) of those containers
///   containers.net/      network namespaces ready for containers, or being detached
///   containers.trash/    removed containers' bundles, deleted in the background; emptied at start
///   cache/APP/           build caches (the buildpacks' CACHE_DIR)
///   logs/APP/            process output (web.1.log …) and events.log
///   tmp/                 scratch space (receive quarantines, build workspaces); emptied at start
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
    public var sshHostKey: String { root + "/ssh-host-key" }
    public var acmeAccountKey: String { root + "/acme-account-key.pem" }
    public var repositories: String { root + "/repos" }
    public var scratch: String { root + "/tmp" }
    public var images: String { root + "/images" }
    public var layers: String { root + "/layers" }
    public var containers: String { root + "/containers" }
    public var buildCaches: String { root + "/cache" }
    public var logs: String { root + "/logs" }

    /// The bare repository of `app`. Safe by construction: an `AppName` holds no `/` or `..`.
    public func repository(for app: AppName) -> String {
        repositories + "/" + app.rawValue + ".git"
    }
}
