import Foundation
import GantryCore
import Subprocess

#if canImport(System)
import System
#else
import SystemPackage
#endif

/// One call of a CNI plugin, as the CNI spec defines it: the command and the container in
/// environment variables, the network configuration (with the previous plugin's result, in a
/// chain) on stdin, the result or an error as JSON on stdout.
struct CNIPlugin {
    enum Command: String { case add = "ADD", delete = "DEL" }

    let directory: String
    let type: String

    /// Runs the plugin.
    /// - Returns: its stdout (the result of an ADD; empty for a DEL).
    /// - Throws: `CNIError` with the plugin's own message.
    func call(
        _ command: Command, configuration: String, network: String, containerID: String, namespace: String, previousResult: Data?
    ) async throws(CNIError) -> Data {
        var input = (try? JSONSerialization.jsonObject(with: Data(configuration.utf8))) as? [String: Any] ?? [:]
        input["cniVersion"] = NetworkConfiguration.cniVersion
        input["name"] = network
        if let previousResult, let result = try? JSONSerialization.jsonObject(with: previousResult) { input["prevResult"] = result }
        let stdin: [UInt8]
        do { stdin = Array(try JSONSerialization.data(withJSONObject: input, options: [.sortedKeys])) } catch {
            throw CNIError(plugin: type, message: "cannot encode its configuration: \(error)")
        }
        let path = directory + "/" + type
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw CNIError(plugin: type, message: "no CNI plugin at \(path): install Debian's containernetworking-plugins (make setup)")
        }
        let environment: [Environment.Key: String?] = [
            "CNI_COMMAND": command.rawValue, "CNI_CONTAINERID": containerID, "CNI_NETNS": namespace,
            "CNI_IFNAME": "eth0", "CNI_PATH": directory,
        ]
        let status: TerminationStatus
        let output: String
        let errors: [UInt8]
        do {
            let plugin = Background.command(path, [])  // see `Background.guardAgainstStarvation`
            let result = try await Subprocess.run(
                .path(FilePath(plugin.executable)), arguments: Arguments(plugin.arguments), environment: .inherit.updating(environment), input: .array(stdin),
                output: .string(limit: 64 << 10), error: .bytes(limit: 64 << 10))
            (status, output, errors) = (result.terminationStatus, result.standardOutput, result.standardError)
        } catch {
            throw CNIError(plugin: type, message: "cannot run \(path): \(error)")
        }
        guard case .exited(0) = status else {
            throw CNIError(plugin: type, message: Self.message(stdout: output, stderr: errors, status: "\(status)"))
        }
        return Data(output.utf8)
    }

    /// The plugin's error: the spec's `{"code", "msg", "details"}` on stdout, else its stderr.
    static func message(stdout: String, stderr: [UInt8], status: String) -> String {
        struct Failure: Decodable { var msg: String?, details: String? }
        if let failure = try? JSONDecoder().decode(Failure.self, from: Data(stdout.utf8)), let message = failure.msg {
            return [message, failure.details].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: ": ")
        }
        let text = String(decoding: stderr, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? "failed (\(status))" : text
    }
}

/// A CNI plugin failed.
struct CNIError: Error, CustomStringConvertible {
    var plugin: String
    var message: String

    var description: String { "CNI plugin \(plugin): \(message)" }
}
