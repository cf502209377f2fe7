import Foundation
import GantryCore
import GantryGit

extension Pipeline {
    /// The branch a webhook deploy moves, as a push to it would: `refs/heads/main`.
    static let webhookDeployBranch = try! RefName.branch("main")

    /// Deploys a push that a git server's webhook announced, in turn with the app's git pushes:
    /// fetches the webhook's branch from its clone URL into the app's repository (under a
    /// temporary ref, within `fetchLimits`), checks that `after` arrived and is a fast-forward
    /// of the app's `main` (a replayed older payload cannot roll the app back), runs the same
    /// build → test → release → deploy as a push, and on success moves the app's `main` to
    /// `after` by compare-and-swap.
    /// - Parameters:
    ///   - repositoryPath: the app's bare repository.
    ///   - fetchLimits: the most bytes and time the fetch may take.
    /// - Returns: what became of it, for the delivery's row.
    public func deploy(_ deployment: WebhookDeployment, repositoryPath: String, fetchLimits: FetchLimits) async -> WebhookDeployment.Outcome {
        let outcome = await queues.serialized(deployment.app) {
            await deployFetched(deployment, repositoryPath: repositoryPath, fetchLimits: fetchLimits)
        }
        logger.info("webhook \(deployment.provider) deploy of \(deployment.app) \(deployment.after.short): \(outcome.detail)")
        return outcome
    }

    private func deployFetched(_ deployment: WebhookDeployment, repositoryPath: String, fetchLimits: FetchLimits) async -> WebhookDeployment.Outcome {
        let objects: RepositoryObjects
        let source: RefName
        do {
            objects = try await RepositoryObjects.open(at: repositoryPath)
            source = try RefName.branch(deployment.branch)
        } catch {
            return .fetchFailed("\(error)")
        }
        let deployBranch = Self.webhookDeployBranch
        let after = deployment.after
        let url = deployment.repoURL
        let temporary = try! RefName("refs/gantry/webhook/" + UUID().uuidString.lowercased())
        let fetched = await objects.run { repository -> FetchResult in
            defer { try? repository.deleteReference(temporary) }
            do throws(GitError) {
                try repository.fetch(from: url, refspec: "+\(source.rawValue):\(temporary.rawValue)", limits: fetchLimits)
                guard try repository.objectType(of: after) == "commit" else { return .missing }
                let current = try repository.target(of: deployBranch) ?? .zero
                if !current.isZero, try !repository.isDescendant(after, of: current) { return .notFastForward(deployed: current) }
                return .fetched(current: current)
            } catch {
                return .failed(error.description)
            }
        }
        let command: RefCommand
        switch fetched {
        case .failed(let message): return .fetchFailed(message)
        case .missing: return .commitNotFound(after)
        case .notFastForward(let deployed): return .notFastForward(after: after, deployed: deployed)
        case .fetched(let current): command = RefCommand(name: deployBranch.rawValue, old: current, new: after)
        }

        // The build's output goes to its log in SQLite only: nobody waits on a terminal.
        let reply = ReceivePackReply(sideband: false) { _ in }
        let (build, rejection) = await deploy(
            deployment.app, command, ref: deployBranch, objects: objects, trigger: deployment.trigger, reply: reply)
        guard let build, rejection == nil else {
            return .buildFailed(build: build, reason: rejection ?? "the build was not recorded")
        }
        if let result = await objects.run({ repository in repository.update([command]) }).first, !result.isOK {
            logger.warning("\(deployment.app) is live at \(after.short) but its main branch could not move there: \(result)")
        }
        await collectGarbage(deployment.app)
        return .deployed(build: build)
    }
}

/// What a webhook's fetch found.
private enum FetchResult: Sendable {
    /// `after` arrived; the deploy branch points at `current` (zero: it does not exist yet).
    case fetched(current: ObjectID)
    /// The fetch worked but `after` is not a commit of the repository.
    case missing
    /// `after` does not descend from `deployed`, where the deploy branch is.
    case notFastForward(deployed: ObjectID)
    /// libgit2's error.
    case failed(String)
}
