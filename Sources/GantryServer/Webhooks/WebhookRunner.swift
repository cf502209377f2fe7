import GantryCore
import GantryStore
import Logging

/// The background half of a delivery, after its 202: the deploy (through gantryd's pipeline,
/// in turn with the app's pushes), the delivery's outcome in SQLite, and the commit statuses.
struct WebhookRunner: Sendable {
    let store: Store
    let deploy: @Sendable (WebhookDeployment) async -> WebhookDeployment.Outcome
    let statuses: CommitStatusReporter
    let logger: Logger

    /// Starts the work of one recorded delivery and returns at once.
    func start(_ deployment: WebhookDeployment, hook: Webhook, secrets: WebhookSecrets, deliveryID: String) {
        Task { await run(deployment, hook: hook, secrets: secrets, deliveryID: deliveryID) }
    }

    func run(_ deployment: WebhookDeployment, hook: Webhook, secrets: WebhookSecrets, deliveryID: String) async {
        let commit = deployment.after
        // Pending is reported while the deploy runs; the outcome only once pending went out.
        async let pending: Void = report(.pending, of: commit, hook: hook, secrets: secrets, description: "Gantry is deploying \(commit.short)")
        let outcome = await deploy(deployment)
        do {
            try await store.finishDelivery(
                webhookID: hook.id, deliveryID: deliveryID, status: outcome.status, detail: outcome.detail, buildID: outcome.build)
        } catch {
            logger.error("cannot record the outcome of delivery \(deliveryID) to \(hook.app): \(error)")
        }
        await pending
        await report(outcome.status == .deployed ? .success : .failure, of: commit, hook: hook, secrets: secrets, description: outcome.detail)
    }

    private func report(
        _ state: CommitStatusReporter.State, of commit: ObjectID, hook: Webhook, secrets: WebhookSecrets, description: String
    ) async {
        guard let token = secrets.statusToken else { return }
        await statuses.report(state, of: commit, hook: hook, token: token, description: description)
    }
}
