internal import CGit2
import GantryCore

extension Repository {
    /// Applies `commands` as compare-and-swap updates inside one libgit2 transaction: every ref
    /// is locked first, its current value must still equal the command's `old` (a ref that moved
    /// since the client read it gets "stale info", never a silent overwrite), then all are
    /// written. When a check fails nothing of this call is written; call it once per command
    /// for independent updates, once with all of them for an atomic push.
    ///
    /// - Returns: a result per command, in order.
    public func update(_ commands: [RefCommand]) -> [RefResult] {
        var transaction: OpaquePointer?
        guard git_transaction_new(&transaction, handle) == 0 else {
            return commands.map { _ in .rejected("failed to start ref transaction") }
        }
        defer { git_transaction_free(transaction) }

        var results = commands.map { _ in RefResult.ok }
        for (index, command) in commands.enumerated() {
            results[index] = verify(command, in: transaction)
        }
        guard results.allSatisfy(\.isOK) else {
            return results.map { $0.isOK ? .rejected("atomic push failed") : $0 }
        }
        for command in commands {
            var oid = command.new.gitOID
            let code = command.name.withCString { name in
                command.isDelete
                    ? git_transaction_remove(transaction, name)
                    : git_transaction_set_target(transaction, name, &oid, nil, "push")
            }
            if code < 0 { return commands.map { _ in .rejected("failed to update ref") } }
        }
        guard git_transaction_commit(transaction) == 0 else {
            return commands.map { _ in .rejected("failed to write ref") }
        }
        return results
    }

    private func verify(_ command: RefCommand, in transaction: OpaquePointer?) -> RefResult {
        guard let ref = command.refName else { return .rejected("funny refname") }
        let lock = command.name.withCString { git_transaction_lock_ref(transaction, $0) }
        if lock == GIT_ELOCKED.rawValue { return .rejected("failed to lock") }
        guard lock == 0 else { return .rejected("failed to lock") }
        let current: ObjectID?
        do { current = try target(of: ref) } catch { return .rejected("failed to read ref") }
        guard (current ?? .zero) == command.old else { return .rejected("stale info") }
        return .ok
    }
}
