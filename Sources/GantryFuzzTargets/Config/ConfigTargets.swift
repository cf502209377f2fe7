import Foundation
import GantryClient
import GantryCore

/// Config vars as they arrive: `KEY=value` arguments of `gantry config:set`, and the JSON body
/// of `PATCH /api/v1/apps/NAME/config`.
enum ConfigTargets {
    /// The bytes as one `KEY=value` argument, as one argument per line, and as a PATCH body:
    /// an assignment that parses is the key, `=` and the value; a body that decodes has each
    /// key and value checked as the server does, and encodes back to the same change.
    static let configVars = FuzzTarget("config-vars", "KEY=value arguments, or a config PATCH body (ConfigAssignment, ConfigChange)") { input throws(FuzzFailure) in
        let text = String(decoding: input, as: UTF8.self)
        if let assignment = try? ConfigAssignment(parsing: text) {
            try FuzzFailure.check(
                assignment.key.rawValue + "=" + assignment.value == text, "config-vars", "KEY=value does not round-trip")
        }
        do throws(InvalidConfigAssignment) {
            _ = try ConfigAssignment.parse(text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init))
        } catch {
            _ = error.description
        }

        guard let change = try? API.decoder().decode(ConfigChange.self, from: Data(input)) else { return }
        for (name, value) in change.values {
            do {
                let key = try ConfigKey(name)
                if let value { try ConfigValue.validate(value, of: key) }
            } catch let error as InvalidConfigKey {
                _ = error.description
            } catch {
                _ = "\(error)"
            }
        }
        _ = change.unset
        guard let encoded = try? API.encoder().encode(change) else {
            throw FuzzFailure("config-vars", "a decoded change does not encode")
        }
        let again = try? API.decoder().decode(ConfigChange.self, from: encoded)
        try FuzzFailure.check(again == change, "config-vars", "a change does not round-trip through JSON")
    }
}
