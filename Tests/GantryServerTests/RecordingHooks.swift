import GantryCore
import GantryGit
import GantryStore

/// Push hooks for tests of the HTTP door alone: every update of a deploy branch is recorded as
/// a `received` build, nothing is built.
struct RecordingHooks: Sendable {
    let store: Store

    func hooks(for app: AppName, trigger: Trigger) -> ReceivePackHooks {
        ReceivePackHooks(postReceive: { updated, reply in
            await record(updated, app: app, reply: reply)
        })
    }

    private func record(_ updated: [RefCommand], app: AppName, reply: ReceivePackReply) async {
        for command in updated {
            guard let ref = command.refName, !command.isDelete else { continue }
            guard ref.isDeployBranch else {
                reply.step("Stored \(ref) (\(command.new.short)); only main or master deploy")
                continue
            }
            do {
                let build = try await store.recordBuild(app: app, ref: ref, oldCommit: command.old, newCommit: command.new, status: .received)
                reply.step("Build \(build.id) recorded for \(ref.branchName ?? ref.rawValue) (\(command.new.short))")
            } catch {
                reply.step("Could not record the build of \(ref): \(error)")
            }
        }
    }
}
