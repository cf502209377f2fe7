import ArgumentParser
import Foundation
import GantryCore

/// `gantry init --template NAME DIR`: a starter app, ready to push.
struct Init: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Copy a starter app (python-flask, nodejs, go, static) into a new directory.")

    @Option(help: "The template to copy; run with an unknown name to list them.")
    var template: String

    @Argument(help: "The directory to create (it must not exist or must be empty).")
    var directory: String

    @Option(help: ArgumentHelp("Where templates are (default: templates/ of the Gantry checkout; env GANTRY_TEMPLATES).", valueName: "dir"))
    var templatesDir: String = ProcessInfo.processInfo.environment["GANTRY_TEMPLATES"] ?? Checkout.locate() + "/templates"

    func validate() throws {
        guard !template.isEmpty, !template.contains("/"), !template.hasPrefix(".") else {
            throw CLIError("invalid template name '\(template)'")
        }
    }

    func run() async throws {
        let files = FileManager.default
        let available = ((try? files.contentsOfDirectory(atPath: templatesDir)) ?? [])
            .filter { !$0.hasPrefix(".") && files.fileExists(atPath: templatesDir + "/" + $0 + "/.") }
            // Deploy templates (`k8s/`: only `*.mustache` files, which gantryd renders) are no starter apps.
            .filter { !((try? files.contentsOfDirectory(atPath: templatesDir + "/" + $0)) ?? []).allSatisfy { $0.hasSuffix(".mustache") } }
            .sorted()
        guard available.contains(template) else {
            throw CLIError("no template named '\(template)' in \(templatesDir); choose one of: \(available.joined(separator: ", "))")
        }
        if let existing = try? files.contentsOfDirectory(atPath: directory), !existing.isEmpty {
            throw CLIError("\(directory) exists and is not empty; choose a new directory")
        }
        try? files.removeItem(atPath: directory)  // an empty directory
        do {
            try files.copyItem(atPath: templatesDir + "/" + template, toPath: directory)
        } catch {
            throw CLIError("cannot copy the template to \(directory): \(error.localizedDescription)")
        }
        print("""
            Created \(directory) from the \(template) template. Next:
              cd \(directory) && git init -q -b main && git add . && git commit -qm "Start from \(template)"
              gantry apps:create NAME && git remote add gantry SERVER/NAME.git && git push gantry main
            """)
    }
}
