import Foundation
import GantryCore
import GantryServer

/// The push payloads git servers post to `/hooks/APP/ID`, after the signature check (a
/// payload reaches the parser only with the webhook's secret, but a git server's own bugs,
/// or a leaked secret, can send anything).
enum WebhookTargets {
    static let gitea = target(.gitea)
    static let github = target(.github)
    static let gitlab = target(.gitlab)

    /// A push payload of `provider`: a payload that parses names a pusher of 1 to 100
    /// printable characters; its clone URL, when it has one, is checked as a webhook's is.
    private static func target(_ provider: WebhookProvider) -> FuzzTarget {
        let name = "webhook-\(provider.rawValue)"
        return FuzzTarget(name, "a \(provider) push payload (PushEvent)") { input throws(FuzzFailure) in
            let push: PushEvent
            do throws(HTTPProblem) { push = try PushEvent(provider: provider, body: Data(input)) } catch {
                _ = error.description
                return
            }
            let scalars = push.pusher.unicodeScalars
            try FuzzFailure.check(
                (1...PushEvent.maximumPusherLength).contains(scalars.count) && !scalars.contains { $0.value < 0x20 || $0.value == 0x7f },
                name, "the pusher \(push.pusher.debugDescription) is not 1 to \(PushEvent.maximumPusherLength) printable characters")
            _ = push.ref.prefix(100)
            _ = push.after.short
            if let url = push.cloneURL { _ = try? CloneURL(url) }
        }
    }
}
