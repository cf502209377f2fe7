import Foundation
import GantryTesting
import Testing

/// Tests/Support/k8s/validate.py, run with the Python environment `make k8s-venv` makes
/// (`.build/k8s-venv`, with PyPI's `kubernetes` client and PyYAML): every document checked
/// against the client's model classes, unknown keys, wrong types and missing fields refused.
enum KubernetesValidator {
    /// The package's root directory.
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    static let python = root + "/.build/k8s-venv/bin/python3"
    static let script = root + "/Tests/Support/k8s/validate.py"
    /// The templates gantryd renders.
    static let templates = root + "/templates/k8s"

    struct Missing: Error, CustomStringConvertible {
        var description: String {
            "the Kubernetes validator's Python environment is missing (\(python)): create it with `make k8s-venv` "
                + "(python3 -m venv .build/k8s-venv && .build/k8s-venv/bin/pip install kubernetes pyyaml)"
        }
    }

    /// What the validator said: exit status 0 and the documents as JSON, or 1 and one line per problem.
    struct Verdict {
        let status: Int32
        let output: String
        var problems: [String] { status == 0 ? [] : output.split(separator: "\n").map(String.init) }
    }

    /// Validates `yaml`.
    /// - Throws: `Missing` when the Python environment is absent: the test fails, saying how to make it.
    static func check(_ yaml: String) async throws -> Verdict {
        guard FileManager.default.isExecutableFile(atPath: python) else { throw Missing() }
        let result = try await Shell.run(python, [script, "--dump", "-"], input: Array(yaml.utf8), errors: .separate, timeout: .seconds(120))
        if result.status > 1 { Issue.recordValidatorFailure(result) }
        return Verdict(status: result.status, output: result.output)
    }

    /// The documents of `yaml`, which must be valid, as the validator parsed them.
    static func documents(_ yaml: String) async throws -> [[String: Any]] {
        let verdict = try await check(yaml)
        guard verdict.status == 0 else { throw Invalid(problems: verdict.problems) }
        guard let documents = try JSONSerialization.jsonObject(with: Data(verdict.output.utf8)) as? [[String: Any]] else {
            throw Invalid(problems: ["the validator's dump is not a list of mappings: \(verdict.output.prefix(200))"])
        }
        return documents
    }

    struct Invalid: Error, CustomStringConvertible {
        let problems: [String]
        var description: String { "the manifests are not valid Kubernetes objects:\n" + problems.joined(separator: "\n") }
    }
}

extension Issue {
    static func recordValidatorFailure(_ result: Shell.Result) {
        Issue.record("validate.py failed with status \(result.status): \(result.error.suffix(2000))")
    }
}

/// `documents[i]["spec.template.spec.containers.0.image"]`-style reading of parsed YAML.
extension Dictionary where Key == String, Value == Any {
    subscript(path path: String) -> Any? {
        var current: Any? = self
        for part in path.split(separator: ".") {
            if let index = Int(part), let list = current as? [Any] {
                current = list.indices.contains(index) ? list[index] : nil
            } else {
                current = (current as? [String: Any])?[String(part)]
            }
        }
        return current
    }
}
