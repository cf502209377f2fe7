import GRDB

/// The schema's history. Migrations are append-only: never edit or reorder a registered one,
/// add a new one. They name tables and columns with string literals, not with the records'
/// `Columns`, so that renaming a Swift property can never change what an old migration did.
/// GRDB runs each migration in its own transaction.
enum Migrations {
    /// Every migration, oldest first.
    static let migrator: DatabaseMigrator = {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-apps-tokens-builds", migrate: v1AppsTokensBuilds)
        // `.deferred` (GRDB's default, spelled out because the migration depends on it): foreign
        // keys are off while it runs and all of them are checked before it commits, as a table
        // rebuild requires.
        migrator.registerMigration("v2-build-stages", foreignKeyChecks: .deferred, migrate: v2BuildStages)
        migrator.registerMigration("v3-build-log-chunks", foreignKeyChecks: .deferred, migrate: v3BuildLogChunks)
        migrator.registerMigration("v4-config-vars", migrate: v4ConfigVars)
        migrator.registerMigration("v5-releases-formation", migrate: v5ReleasesFormation)
        migrator.registerMigration("v6-release-origin-commit-summary", migrate: v6ReleaseOriginCommitSummary)
        migrator.registerMigration("v7-ssh-keys", migrate: v7SSHKeys)
        migrator.registerMigration("v8-webhooks", migrate: v8Webhooks)
        migrator.registerMigration("v9-interrupted-builds", foreignKeyChecks: .deferred, migrate: v9InterruptedBuilds)
        migrator.registerMigration("v10-users-access-audit", migrate: v10UsersAccessAudit)
        migrator.registerMigration("v11-domains", migrate: v11Domains)
        migrator.registerMigration("v12-certificates", migrate: v12Certificates)
        migrator.registerMigration("v13-acme-status", migrate: v13ACMEStatus)
        migrator.registerMigration("v14-release-phases", migrate: v14ReleasePhases)
        migrator.registerMigration("v15-maintenance", migrate: v15Maintenance)
        migrator.registerMigration("v16-canaries", migrate: v16Canaries)
        migrator.registerMigration("v17-image-references", migrate: v17ImageReferences)
        return migrator
    }()

    /// The identifiers of every registered migration, oldest first.
    static var identifiers: [String] { migrator.migrations }

    private static func v1AppsTokensBuilds(_ db: Database) throws {
        try db.create(table: "apps") { t in
            t.primaryKey("id", .integer)
            t.column("name", .text).notNull().unique()
                .check(sql: "length(name) BETWEEN 1 AND 30")
            t.column("created_at", .datetime).notNull()
        }

        try db.create(table: "api_tokens") { t in
            t.primaryKey("id", .integer)
            t.column("name", .text).notNull()
            // Hex SHA-256 of the token; the token itself is never stored.
            t.column("token_sha256", .text).notNull().unique()
                .check(sql: "length(token_sha256) = 64 AND token_sha256 NOT GLOB '*[^0-9a-f]*'")
            t.column("created_at", .datetime).notNull()
            t.column("last_used_at", .datetime)
        }

        try db.create(table: "builds") { t in
            // AUTOINCREMENT: a build id is never reused, even after its app is deleted.
            t.autoIncrementedPrimaryKey("id")
            t.column("app_id", .integer).notNull()
                .references("apps", onDelete: .cascade)
            t.column("ref", .text).notNull()
                .check(sql: "substr(ref, 1, 5) = 'refs/'")
            t.column("old_commit", .text).notNull()
                .check(sql: "length(old_commit) = 40 AND old_commit NOT GLOB '*[^0-9a-f]*'")
            t.column("new_commit", .text).notNull()
                .check(sql: "length(new_commit) = 40 AND new_commit NOT GLOB '*[^0-9a-f]*'")
            // BuildStatus's raw values as of this migration, frozen. A new status needs a new
            // migration that rebuilds the table (SQLite cannot alter a CHECK constraint).
            t.column("status", .text).notNull()
                .check(sql: "status IN ('received', 'building', 'testing', 'succeeded', 'failed', 'test_failed')")
            t.column("created_at", .datetime).notNull()
            t.column("finished_at", .datetime)
            t.column("log", .text).notNull().defaults(to: "")
        }
        try db.create(index: "builds_on_app_id_id", on: "builds", columns: ["app_id", "id"])
    }

    /// The detect, build and test stages: `builds` gains their results and the statuses they
    /// end in.
    ///
    /// SQLite cannot alter a CHECK constraint, so the table is rebuilt following SQLite's
    /// procedure (https://www.sqlite.org/lang_altertable.html#otheralter) as GRDB's
    /// "How to Recreate a Database Table" spells it: create `builds_new`, copy, drop `builds`,
    /// rename, recreate the index. It runs with deferred foreign key checks: foreign keys are off
    /// meanwhile (dropping the old table deletes nothing through them) and GRDB checks every
    /// one before the migration's transaction commits.
    private static func v2BuildStages(_ db: Database) throws {
        // The AUTOINCREMENT counter: the largest build id ever handed out, which may belong to a
        // build deleted with its app. Dropping `builds` forgets it; it is restored below.
        let sequence = try Int64.fetchOne(db, sql: "SELECT seq FROM sqlite_sequence WHERE name = 'builds'")

        try db.create(table: "builds_new") { t in
            // v1's columns and constraints, unchanged, except for the status list.
            t.autoIncrementedPrimaryKey("id")
            t.column("app_id", .integer).notNull()
                .references("apps", onDelete: .cascade)
            t.column("ref", .text).notNull()
                .check(sql: "substr(ref, 1, 5) = 'refs/'")
            t.column("old_commit", .text).notNull()
                .check(sql: "length(old_commit) = 40 AND old_commit NOT GLOB '*[^0-9a-f]*'")
            t.column("new_commit", .text).notNull()
                .check(sql: "length(new_commit) = 40 AND new_commit NOT GLOB '*[^0-9a-f]*'")
            // BuildStatus's raw values as of this migration, frozen.
            t.column("status", .text).notNull()
                .check(sql: """
                    status IN ('received', 'building', 'testing', 'built', 'succeeded', \
                    'build_failed', 'test_failed', 'timed_out', 'failed')
                    """)
            t.column("created_at", .datetime).notNull()
            t.column("finished_at", .datetime)
            t.column("log", .text).notNull().defaults(to: "")
            // New: what each stage found. NULL until the stage has run.
            t.column("buildpack", .text).check(sql: "length(buildpack) > 0")
            t.column("stack", .text).check(sql: "length(stack) > 0")
            t.column("image_digest", .text)
                .check(sql: """
                    length(image_digest) = 71 AND substr(image_digest, 1, 7) = 'sha256:' \
                    AND substr(image_digest, 8) NOT GLOB '*[^0-9a-f]*'
                    """)
            t.column("build_seconds", .double).check(sql: "build_seconds >= 0")
            t.column("test_seconds", .double).check(sql: "test_seconds >= 0")
            t.column("failure_reason", .text)
        }
        let v1Columns = "id, app_id, ref, old_commit, new_commit, status, created_at, finished_at, log"
        try db.execute(sql: "INSERT INTO builds_new (\(v1Columns)) SELECT \(v1Columns) FROM builds")
        try db.drop(table: "builds")
        try db.rename(table: "builds_new", to: "builds")
        try db.create(index: "builds_on_app_id_id", on: "builds", columns: ["app_id", "id"])

        // Copying the rows set the counter to the largest id copied; put back the old one.
        if let sequence {
            try db.execute(sql: "DELETE FROM sqlite_sequence WHERE name = 'builds'")
            try db.execute(
                sql: """
                    INSERT INTO sqlite_sequence (name, seq)
                    VALUES ('builds', MAX(?, IFNULL((SELECT MAX(id) FROM builds), 0)))
                    """,
                arguments: [sequence])
        }
    }

    /// Build logs move out of `builds.log` into `build_log_chunks`, one row per append.
    ///
    /// Appending to a TEXT column rewrites the whole value (and its overflow pages) on every
    /// append, so a log written line by line cost quadratic time: 20,000 appends of 100 bytes
    /// took 154 s. Inserting a row costs the same whatever the log's length (the same appends:
    /// 2.8 s; reading the 2 MB log back: 14 ms).
    private static func v3BuildLogChunks(_ db: Database) throws {
        try db.create(table: "build_log_chunks") { t in
            // Chunks are read back in id order. No AUTOINCREMENT: a new id is always above
            // every id still in the table, which is all the order needs.
            t.primaryKey("id", .integer)
            t.column("build_id", .integer).notNull()
                .references("builds", onDelete: .cascade)
            t.column("text", .text).notNull()
                .check(sql: "length(text) > 0")
        }
        try db.create(index: "build_log_chunks_on_build_id_id", on: "build_log_chunks", columns: ["build_id", "id"])
        try db.execute(sql: """
            INSERT INTO build_log_chunks (build_id, "text")
            SELECT id, log FROM builds WHERE log <> '' ORDER BY id
            """)
        try db.alter(table: "builds") { t in
            t.drop(column: "log")
        }
    }

    /// Config vars: one row per app and key. The keys' and values' rules (`ConfigKey`,
    /// `ConfigValue` as of this migration) are CHECK constraints too, so no other writer can
    /// store a var a build could not be given.
    private static func v4ConfigVars(_ db: Database) throws {
        try db.create(table: "config_vars") { t in
            t.primaryKey("id", .integer)
            t.column("app_id", .integer).notNull()
                .references("apps", onDelete: .cascade)
            // 1 to 256 ASCII letters, digits and underscores, not starting with a digit. GLOB
            // is case-sensitive and, unlike LIKE, needs no ESCAPE for `_`.
            t.column("key", .text).notNull()
                .check(sql: "length(key) BETWEEN 1 AND 256 AND key NOT GLOB '*[^A-Za-z0-9_]*' AND key NOT GLOB '[0-9]*'")
            // At most 32 KiB of UTF-8 (`length` of a BLOB counts bytes, of TEXT characters),
            // and no NUL, which no environment variable can hold.
            t.column("value", .text).notNull()
                .check(sql: "length(CAST(value AS BLOB)) <= 32768 AND instr(CAST(value AS BLOB), x'00') = 0")
            t.column("updated_at", .datetime).notNull()
            // Also the index that finds an app's vars.
            t.uniqueKey(["app_id", "key"])
        }
    }

    /// Releases (`vN` per app: an image, a config snapshot, who and why) and the formation
    /// (process type → count per app). At most one release per app is `live`: a partial unique
    /// index, so that no crash or bug can leave two.
    private static func v5ReleasesFormation(_ db: Database) throws {
        try db.create(table: "releases") { t in
            // AUTOINCREMENT: a release id is never reused, even after its app is deleted.
            t.autoIncrementedPrimaryKey("id")
            t.column("app_id", .integer).notNull()
                .references("apps", onDelete: .cascade)
            t.column("version", .integer).notNull()
                .check(sql: "version >= 1")
            // Builds go only with their app, and so do its releases; SET NULL all the same,
            // so that pruning builds one day never takes a release with it.
            t.column("build_id", .integer)
                .references("builds", onDelete: .setNull)
            t.column("image_tag", .text).notNull()
                .check(sql: "length(image_tag) > 0")
            t.column("image_digest", .text).notNull()
                .check(sql: """
                    length(image_digest) = 71 AND substr(image_digest, 1, 7) = 'sha256:' \
                    AND substr(image_digest, 8) NOT GLOB '*[^0-9a-f]*'
                    """)
            t.column("commit_id", .text)
                .check(sql: "length(commit_id) = 40 AND commit_id NOT GLOB '*[^0-9a-f]*'")
            // JSON objects, keys sorted: the config vars (values included: the deployer needs
            // them) and the process types with their commands.
            t.column("config_json", .text).notNull()
                .check(sql: "json_valid(config_json) AND json_type(config_json) = 'object'")
            t.column("process_types_json", .text).notNull()
                .check(sql: "json_valid(process_types_json) AND json_type(process_types_json) = 'object'")
            t.column("description", .text).notNull()
            t.column("created_by", .text).notNull()
            t.column("created_at", .datetime).notNull()
            // ReleaseStatus's raw values as of this migration, frozen.
            t.column("status", .text).notNull()
                .check(sql: "status IN ('pending', 'live', 'failed', 'superseded')")
            // A reason exactly when the release failed.
            t.column("failure_reason", .text)
            t.check(sql: "(status = 'failed') = (failure_reason IS NOT NULL)")
            // Also the index that lists an app's releases by version.
            t.uniqueKey(["app_id", "version"])
        }
        try db.execute(sql: "CREATE UNIQUE INDEX releases_one_live_per_app ON releases (app_id) WHERE status = 'live'")

        try db.create(table: "formation") { t in
            t.column("app_id", .integer).notNull()
                .references("apps", onDelete: .cascade)
            // A Procfile process type: 1 to 30 ASCII letters, digits, '-' and '_'.
            t.column("process_type", .text).notNull()
                .check(sql: "length(process_type) BETWEEN 1 AND 30 AND process_type NOT GLOB '*[^A-Za-z0-9_-]*'")
            t.column("quantity", .integer).notNull()
                .check(sql: "quantity BETWEEN 0 AND 100")
            t.primaryKey(["app_id", "process_type"])
        }
    }

    /// How each release came to be (push, webhook, rollback, config change), and the commit's
    /// message and author on its build, for `releases:info` and the history view. Rows older
    /// than this migration were all made by pushes and keep no commit summary.
    private static func v6ReleaseOriginCommitSummary(_ db: Database) throws {
        try db.alter(table: "releases") { t in
            // ReleaseOrigin's raw values as of this migration, frozen.
            t.add(column: "origin", .text).notNull().defaults(to: "push")
                .check(sql: "origin IN ('push', 'webhook', 'rollback', 'config')")
        }
        try db.alter(table: "builds") { t in
            t.add(column: "commit_message", .text)
            t.add(column: "commit_author", .text)
        }
    }

    /// The SSH public keys allowed to push over gantryd's SSH server: one row per key, its
    /// name (who pushed) and fingerprint unique.
    private static func v7SSHKeys(_ db: Database) throws {
        try db.create(table: "ssh_keys") { t in
            t.primaryKey("id", .integer)
            // `KeyName` as of this migration: 1 to 64 ASCII letters, digits, '.', '_', '-', '@',
            // starting with a letter or digit.
            t.column("name", .text).notNull().unique()
                .check(sql: "length(name) BETWEEN 1 AND 64 AND name NOT GLOB '*[^A-Za-z0-9._@-]*' AND name GLOB '[A-Za-z0-9]*'")
            // The key types swift-nio-ssh verifies, as of this migration.
            t.column("key_type", .text).notNull()
                .check(sql: "key_type IN ('ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521')")
            // The key blob (the `.pub` file's second field), base64 with padding.
            t.column("key_base64", .text).notNull()
                .check(sql: "length(key_base64) BETWEEN 4 AND 1024 AND length(key_base64) % 4 = 0 AND key_base64 NOT GLOB '*[^A-Za-z0-9+/=]*'")
            // `SHA256:` and the unpadded base64 of the blob's SHA-256 (43 characters).
            t.column("fingerprint", .text).notNull().unique()
                .check(sql: "length(fingerprint) = 50 AND substr(fingerprint, 1, 7) = 'SHA256:' AND substr(fingerprint, 8) NOT GLOB '*[^A-Za-z0-9+/]*'")
            t.column("created_at", .datetime).notNull()
        }
    }

    /// Webhooks of git servers (their secrets: the HMAC key, an optional provider API token)
    /// and the deliveries they made, one row per delivery id per webhook so replays are no-ops.
    private static func v8Webhooks(_ db: Database) throws {
        try db.create(table: "webhooks") { t in
            // A random URL-safe id: the last component of /hooks/APP/ID.
            t.primaryKey("id", .text)
                .check(sql: "length(id) BETWEEN 16 AND 64 AND id NOT GLOB '*[^A-Za-z0-9_-]*'")
            t.column("app_id", .integer).notNull()
                .references("apps", onDelete: .cascade)
            // WebhookProvider's raw values as of this migration, frozen.
            t.column("provider", .text).notNull()
                .check(sql: "provider IN ('gitea', 'github', 'gitlab')")
            t.column("repo_url", .text).notNull()
                .check(sql: "length(repo_url) BETWEEN 1 AND 2048")
            t.column("branch", .text).notNull()
                .check(sql: "length(branch) BETWEEN 1 AND 255")
            t.column("secret", .text).notNull()
                .check(sql: "length(secret) >= 32")
            t.column("status_token", .text)
            t.column("api_url", .text)
            t.column("created_at", .datetime).notNull()
        }
        try db.create(index: "webhooks_by_app", on: "webhooks", columns: ["app_id"])

        try db.create(table: "webhook_deliveries") { t in
            t.autoIncrementedPrimaryKey("id")
            t.column("webhook_id", .text).notNull()
                .references("webhooks", onDelete: .cascade)
            t.column("delivery_id", .text).notNull()
                .check(sql: "length(delivery_id) BETWEEN 1 AND 200")
            t.column("event", .text).notNull()
            t.column("ref", .text).notNull()
            t.column("after", .text).notNull()
                .check(sql: "length(after) = 40 AND after NOT GLOB '*[^0-9a-f]*'")
            t.column("pusher", .text).notNull()
            // DeliveryStatus's raw values as of this migration, frozen.
            t.column("status", .text).notNull()
                .check(sql: "status IN ('pending', 'deployed', 'failed')")
            t.column("detail", .text)
            t.column("build_id", .integer)
                .references("builds", onDelete: .setNull)
            t.column("received_at", .datetime).notNull()
            t.column("finished_at", .datetime)
            // Replays of a delivery are no-ops.
            t.uniqueKey(["webhook_id", "delivery_id"])
        }
    }
    /// Builds gain the status `interrupted` (gantryd stopped while they ran; set at the next
    /// start instead of leaving them `building` forever).
    ///
    /// The status CHECK is rebuilt as in v2, from the table's own SQL (columns added since v2
    /// come along as they are): `builds_new` with the new list, copy, drop, rename, indexes.
    private static func v9InterruptedBuilds(_ db: Database) throws {
        let statuses = "'build_failed', 'test_failed', 'timed_out', 'failed'"
        guard let sql = try String.fetchOne(db, sql: "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'builds'"),
            sql.contains(statuses), let name = sql.range(of: "\"builds\"") ?? sql.range(of: "builds")
        else {
            throw DatabaseError(message: "v9: the builds table is not as v2 left it")
        }
        var created = sql.replacingOccurrences(of: statuses, with: statuses + ", 'interrupted'")
        created.replaceSubrange(created.range(of: String(sql[name]))!, with: "\"builds_new\"")
        let indexes = try String.fetchAll(db, sql: "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'builds' AND sql IS NOT NULL")
        let sequence = try Int64.fetchOne(db, sql: "SELECT seq FROM sqlite_sequence WHERE name = 'builds'")
        try db.execute(sql: created)
        try db.execute(sql: "INSERT INTO builds_new SELECT * FROM builds")
        try db.drop(table: "builds")
        try db.rename(table: "builds_new", to: "builds")
        for index in indexes { try db.execute(sql: index) }
        if let sequence {
            try db.execute(sql: "DELETE FROM sqlite_sequence WHERE name = 'builds'")
            try db.execute(
                sql: "INSERT INTO sqlite_sequence (name, seq) VALUES ('builds', MAX(?, IFNULL((SELECT MAX(id) FROM builds), 0)))",
                arguments: [sequence])
        }
    }

    /// Users and their roles; tokens and SSH keys belong to a user; per-app access; the
    /// append-only audit log. A database that has tokens, keys or apps gets the user `admin`
    /// (role admin), who holds every existing token and key and owns every existing app: what
    /// worked before works the same, as that one person.
    private static func v10UsersAccessAudit(_ db: Database) throws {
        try db.create(table: "users") { t in
            t.primaryKey("id", .integer)
            // `UserName` as of this migration.
            t.column("name", .text).notNull().unique()
                .check(sql: "length(name) BETWEEN 1 AND 30 AND name NOT GLOB '*[^a-z0-9-]*' AND name GLOB '[a-z]*' AND name NOT GLOB '*-'")
            t.column("role", .text).notNull().check(sql: "role IN ('admin', 'member')")
            t.column("created_at", .datetime).notNull()
        }
        try db.alter(table: "api_tokens") { t in
            t.add(column: "user_id", .integer).references("users", onDelete: .cascade)
            // 1: the token is narrowed to the apps in `api_token_apps` (none left: no app).
            t.add(column: "app_scoped", .boolean).notNull().defaults(to: false)
            t.add(column: "read_only", .boolean).notNull().defaults(to: false)
            t.add(column: "expires_at", .datetime)
            t.add(column: "revoked_at", .datetime)
        }
        try db.create(index: "api_tokens_on_user_id", on: "api_tokens", columns: ["user_id"])
        try db.create(table: "api_token_apps") { t in
            t.column("token_id", .integer).notNull().references("api_tokens", onDelete: .cascade)
            t.column("app_id", .integer).notNull().references("apps", onDelete: .cascade)
            t.primaryKey(["token_id", "app_id"])
        }
        try db.alter(table: "ssh_keys") { t in
            t.add(column: "user_id", .integer).references("users", onDelete: .cascade)
        }
        try db.create(table: "app_access") { t in
            t.column("app_id", .integer).notNull().references("apps", onDelete: .cascade)
            t.column("user_id", .integer).notNull().references("users", onDelete: .cascade)
            t.column("role", .text).notNull().check(sql: "role IN ('read', 'deploy', 'owner')")
            t.column("created_at", .datetime).notNull()
            t.primaryKey(["app_id", "user_id"])
        }
        try db.create(index: "app_access_on_user_id", on: "app_access", columns: ["user_id"])
        try db.create(table: "audit_events") { t in
            // AUTOINCREMENT: an id is never reused, so a gap shows a row that went missing.
            t.autoIncrementedPrimaryKey("id")
            t.column("at", .datetime).notNull()
            // Names as text, not foreign keys: a row outlives the user, token and app it names.
            t.column("user", .text)
            t.column("credential", .text)
            t.column("peer", .text)
            t.column("action", .text).notNull()
            t.column("app", .text)
            t.column("detail", .text)
            t.column("outcome", .text).notNull()
        }
        try db.create(index: "audit_events_on_app_id", on: "audit_events", columns: ["app", "id"])
        try db.create(index: "audit_events_on_user_id", on: "audit_events", columns: ["user", "id"])
        // Append-only, in the database itself: no code path of gantryd can rewrite history.
        try db.execute(sql: """
            CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
            BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
            CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
            BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
            """)

        let existing = try Int.fetchOne(db, sql: "SELECT (SELECT count(*) FROM api_tokens) + (SELECT count(*) FROM ssh_keys) + (SELECT count(*) FROM apps)") ?? 0
        guard existing > 0 else { return }
        try db.execute(sql: "INSERT INTO users (name, role, created_at) VALUES ('admin', 'admin', strftime('%Y-%m-%d %H:%M:%f', 'now'))")
        let admin = db.lastInsertedRowID
        try db.execute(sql: "UPDATE api_tokens SET user_id = ?", arguments: [admin])
        try db.execute(sql: "UPDATE ssh_keys SET user_id = ?", arguments: [admin])
        try db.execute(
            sql: "INSERT INTO app_access (app_id, user_id, role, created_at) SELECT id, ?, 'owner', created_at FROM apps", arguments: [admin])
    }

    /// Custom domains: each belongs to one app (the primary key), and goes with it.
    private static func v11Domains(_ db: Database) throws {
        try db.create(table: "domains") { t in
            // `DomainName` as of this migration: lower-case LDH labels, an optional leading `*.`.
            t.primaryKey("name", .text)
                .check(sql: "length(name) BETWEEN 3 AND 253 AND name NOT GLOB '*[^a-z0-9.*-]*' AND name = lower(name)")
            t.column("app_id", .integer).notNull().references("apps", onDelete: .cascade)
            t.column("created_at", .datetime).notNull()
        }
        try db.create(index: "domains_on_app_id", on: "domains", columns: ["app_id"])
    }

    /// An app's TLS certificate: the chain and key as PEM (the database file is 0600, like
    /// every secret of gantryd's), what it is for, until when.
    private static func v12Certificates(_ db: Database) throws {
        try db.create(table: "certificates") { t in
            t.primaryKey("app_id", .integer).references("apps", onDelete: .cascade)
            t.column("chain_pem", .text).notNull()
            t.column("key_pem", .text).notNull()
            // The certificate's DNS names, space-separated.
            t.column("names", .text).notNull()
            t.column("issuer", .text).notNull()
            t.column("not_before", .datetime).notNull()
            t.column("not_after", .datetime).notNull()
            t.column("source", .text).notNull().check(sql: "source IN ('manual', 'acme')")
            t.column("created_at", .datetime).notNull()
        }
    }

    /// Where getting an app's certificate over ACME stands: what was asked for, the last
    /// error, when the next attempt (a retry or the renewal) is due.
    private static func v13ACMEStatus(_ db: Database) throws {
        try db.create(table: "acme_status") { t in
            t.primaryKey("app_id", .integer).references("apps", onDelete: .cascade)
            // The DNS names asked for, space-separated.
            t.column("names", .text).notNull()
            t.column("state", .text).notNull().check(sql: "state IN ('issuing', 'issued', 'failed')")
            t.column("last_error", .text)
            t.column("failures", .integer).notNull().defaults(to: 0)
            t.column("next_attempt_at", .datetime)
            t.column("updated_at", .datetime).notNull()
        }
    }

    private static func v14ReleasePhases(_ db: Database) throws {
        try db.create(table: "release_phases") { t in
            t.primaryKey("release_id", .integer).references("releases", onDelete: .cascade)
            t.column("status", .text).notNull()
                .check(sql: "status IN ('running', 'succeeded', 'failed', 'timed out', 'interrupted')")
            t.column("outcome", .text)
            t.column("seconds", .double)
            // The first lines of its output, newline-separated; the rest is only counted.
            t.column("output", .text).notNull().defaults(to: "")
            t.column("dropped_lines", .integer).notNull().defaults(to: 0)
            t.column("started_at", .datetime).notNull()
        }
    }

    private static func v15Maintenance(_ db: Database) throws {
        try db.create(table: "maintenance") { t in
            t.primaryKey("app_id", .integer).references("apps", onDelete: .cascade)
            // NULL: the default page text.
            t.column("message", .text).check(sql: "message IS NULL OR length(CAST(message AS BLOB)) BETWEEN 1 AND 500")
            t.column("since", .datetime).notNull()
            t.column("turned_on_by", .text).notNull()
        }
    }

    private static func v16Canaries(_ db: Database) throws {
        try db.create(table: "canaries") { t in
            t.autoIncrementedPrimaryKey("id")
            t.column("app_id", .integer).notNull().references("apps", onDelete: .cascade)
            t.column("release_id", .integer).notNull().unique().references("releases", onDelete: .cascade)
            t.column("stable_version", .integer).notNull()
            t.column("weight", .integer).notNull().check(sql: "weight BETWEEN 1 AND 99")
            // CanaryAnalysis as JSON; NULL: the weight moves by hand.
            t.column("analysis", .text)
            t.column("state", .text).notNull().check(sql: "state IN ('running', 'promoted', 'aborted')")
            t.column("reason", .text)
            t.column("started_at", .datetime).notNull()
            t.column("finished_at", .datetime)
            t.check(sql: "(state = 'running') = (finished_at IS NULL)")
        }
        try db.execute(sql: "CREATE UNIQUE INDEX canaries_one_running_per_app ON canaries (app_id) WHERE state = 'running'")
        try db.create(table: "canary_events") { t in
            t.autoIncrementedPrimaryKey("id")
            t.column("canary_id", .integer).notNull().indexed().references("canaries", onDelete: .cascade)
            t.column("at", .datetime).notNull()
            t.column("weight", .integer).notNull()
            t.column("text", .text).notNull().check(sql: "length(CAST(text AS BLOB)) BETWEEN 1 AND 2000")
        }
    }

    /// Where a release's image was pushed (`REGISTRY/APP@sha256:…`); NULL: on this host only.
    private static func v17ImageReferences(_ db: Database) throws {
        try db.alter(table: "releases") { t in
            t.add(column: "image_reference", .text)
                .check(sql: "image_reference IS NULL OR (length(image_reference) BETWEEN 73 AND 600 AND instr(image_reference, '@sha256:') > 0)")
        }
    }
}
