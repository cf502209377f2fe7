import GantryCore
import GantryStore

/// Why a git push or fetch (over SSH or HTTP) may not go ahead.
struct GitRefusal: Sendable, Equatable {
    /// What the caller is told.
    let message: String
    /// The caller is told what a caller naming an app that does not exist is told.
    let isNotFound: Bool
    /// The reason recorded in the audit log, `nil` for an app that does not exist.
    let audited: String?
}

extension Need {
    /// The one decision of both git doors: whether `caller` may push (`deploy`) or fetch
    /// (`read`) `app`, or why not. Whether an app exists is no business of a caller who
    /// cannot read it.
    /// - Throws: `StoreError` when the store cannot be read.
    static func gitRefusal(of caller: Caller, needs role: AccessRole, app: AppName, store: Store) async throws -> GitRefusal? {
        let notFound = "no app named '\(app)'; create it with `gantry apps:create \(app)`"
        do {
            _ = try await store.app(app)
        } catch {
            guard case .appNotFound = error else { throw error }
            return GitRefusal(message: notFound, isNotFound: true, audited: nil)
        }
        guard let refusal = try await Need.app(role).refusal(of: caller, method: role == .read ? .get : .post, app: app, store: store) else {
            return nil
        }
        let hidden = try await caller.role(on: app, store: store) == nil
        return GitRefusal(message: hidden ? notFound : refusal, isNotFound: hidden, audited: refusal)
    }
}
