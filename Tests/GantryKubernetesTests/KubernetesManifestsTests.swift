import Foundation
import GantryKubernetes
import GantryTesting
import Testing

/// The manifests rendered from templates/k8s/, read back by the `kubernetes` client's models.
@Suite struct KubernetesManifestsTests {
    static let image = "registry.example.com:5000/hello@sha256:" + String(repeating: "ab", count: 32)

    /// A release with a web and a worker type, config, two hosts, probes and a CPU limit.
    static func fixture(config: [String: String] = ["DATABASE_URL": "postgres://db/hello", "DEBUG": "1"], namespace: String? = nil) -> KubernetesRelease {
        KubernetesRelease(
            app: "hello", version: 3, namespace: namespace, image: image, port: 5000, user: 10_000_007,
            processes: [
                .init(
                    type: "web", arguments: ["/bin/bash", "-c", "exec gunicorn app:app"], replicas: 2,
                    startup: .init(action: .httpGet(path: "/health"), initialDelaySeconds: 1, periodSeconds: 2, timeoutSeconds: 3, failureThreshold: 5),
                    readiness: .init(action: .httpGet(path: "/ready"), initialDelaySeconds: 0, periodSeconds: 5, timeoutSeconds: 1, failureThreshold: 3),
                    liveness: .init(action: .tcpSocket, initialDelaySeconds: 0, periodSeconds: 10, timeoutSeconds: 2, failureThreshold: 6)),
                .init(type: "celery_beat", arguments: ["/bin/bash", "-c", "exec celery beat"], replicas: 1),
            ],
            environment: ["PATH": "/usr/bin:/bin", "HOME": "/app", "PORT": "5000", "DEBUG": "image default"], config: config,
            hosts: ["hello.apps.example.com", "www.example.com"], resources: .init(memoryBytes: 512 << 20, cpuCores: 0.5))
    }

    static func render(_ release: KubernetesRelease) throws -> String {
        try KubernetesManifests(directory: KubernetesValidator.templates).render(release)
    }

    @Test func aReleaseRendersAsValidSecretDeploymentsServiceAndIngress() async throws {
        let documents = try await KubernetesValidator.documents(try Self.render(Self.fixture()))
        #expect(documents.map { $0["kind"] as? String } == ["Secret", "Deployment", "Deployment", "Service", "Ingress"])
        let (secret, web, worker, service, ingress) = (documents[0], documents[1], documents[2], documents[3], documents[4])

        #expect(secret[path: "metadata.name"] as? String == "hello-v3-config")
        #expect(secret[path: "metadata.labels"] as? [String: String] == [
            "app.kubernetes.io/name": "hello", "gantry.dev/release": "v3", "app.kubernetes.io/managed-by": "gantry",
        ])
        #expect(secret["stringData"] as? [String: String] == ["DATABASE_URL": "postgres://db/hello", "DEBUG": "1"])

        #expect(web[path: "metadata.name"] as? String == "hello-web" && worker[path: "metadata.name"] as? String == "hello-celery-beat")
        #expect(web[path: "spec.replicas"] as? Int == 2 && worker[path: "spec.replicas"] as? Int == 1)
        #expect(json(web[path: "spec.strategy"]) == #"{"rollingUpdate":{"maxSurge":1,"maxUnavailable":0},"type":"RollingUpdate"}"#)
        // The selector never names the release (a Deployment's selector cannot change); the pods do.
        #expect(web[path: "spec.selector.matchLabels"] as? [String: String] == ["app.kubernetes.io/name": "hello", "gantry.dev/process-type": "web"])
        #expect(worker[path: "spec.selector.matchLabels"] as? [String: String] == ["app.kubernetes.io/name": "hello", "gantry.dev/process-type": "celery-beat"])
        let podLabels = web[path: "spec.template.metadata.labels"] as? [String: String]
        #expect(podLabels?["gantry.dev/release"] == "v3" && podLabels?["app.kubernetes.io/name"] == "hello")
        #expect((web[path: "metadata.labels"] as? [String: String])?["gantry.dev/release"] == "v3")

        let container = try #require(web[path: "spec.template.spec.containers.0"] as? [String: Any])
        #expect(container["image"] as? String == Self.image)
        #expect(container["command"] as? [String] == ["/bin/bash", "-c", "exec gunicorn app:app"])
        #expect(container["workingDir"] as? String == "/app")
        // Config only through the Secret: the image's DEBUG is dropped (config wins, as in Gantry), PORT stays.
        let env = (container["env"] as? [[String: String]])?.map { "\($0["name"] ?? "")=\($0["value"] ?? "")" }
        #expect(env == ["HOME=/app", "PATH=/usr/bin:/bin", "PORT=5000"])
        #expect(container[path: "envFrom.0.secretRef.name"] as? String == "hello-v3-config")
        #expect(container[path: "ports.0.containerPort"] as? Int == 5000)
        #expect(web[path: "spec.template.spec.securityContext.runAsUser"] as? Int == 10_000_007)
        #expect(json(container["resources"]) == #"{"limits":{"cpu":"500m","memory":"512Mi"},"requests":{"cpu":"500m","memory":"512Mi"}}"#)
        #expect(json(container["startupProbe"]) == #"{"failureThreshold":5,"httpGet":{"path":"/health","port":"http"},"initialDelaySeconds":1,"periodSeconds":2,"timeoutSeconds":3}"#)
        #expect(container[path: "readinessProbe.httpGet.path"] as? String == "/ready")
        #expect(json(container["livenessProbe"]) == #"{"failureThreshold":6,"initialDelaySeconds":0,"periodSeconds":10,"tcpSocket":{"port":"http"},"timeoutSeconds":2}"#)
        // A worker has no port and no probes.
        let workerContainer = try #require(worker[path: "spec.template.spec.containers.0"] as? [String: Any])
        #expect(workerContainer["ports"] == nil && workerContainer["startupProbe"] == nil && workerContainer["livenessProbe"] == nil)
        #expect(workerContainer["name"] as? String == "celery-beat")

        #expect(service[path: "metadata.name"] as? String == "hello-web")
        #expect(service[path: "spec.ports.0.port"] as? Int == 80 && service[path: "spec.ports.0.targetPort"] as? String == "http")
        #expect(service[path: "spec.selector"] as? [String: String] == ["app.kubernetes.io/name": "hello", "gantry.dev/process-type": "web"])
        let rules = try #require(ingress[path: "spec.rules"] as? [[String: Any]])
        #expect(rules.map { $0["host"] as? String } == ["hello.apps.example.com", "www.example.com"])
        #expect(rules.allSatisfy { $0[path: "http.paths.0.backend.service.name"] as? String == "hello-web" })
        #expect(documents.allSatisfy { $0[path: "metadata.namespace"] == nil })
    }

    @Test func theValidatorRefusesUnknownKeysWrongTypesAndMissingFields() async throws {
        let yaml = try Self.render(Self.fixture())
        #expect(try await KubernetesValidator.check(yaml).status == 0)
        let mistakes: [(change: (String) -> String, expected: String)] = [
            ({ $0.replacingOccurrences(of: "maxSurge:", with: "maxSurg:") }, "spec.strategy.rollingUpdate.maxSurg: unknown field of V1RollingUpdateDeployment"),
            ({ $0.replacingOccurrences(of: "containerPort:", with: "containerPorts:") }, ".containerPorts: unknown field of V1ContainerPort"),
            ({ $0.replacingOccurrences(of: "replicas: 2", with: "replicas: \"2\"") }, "spec.replicas: expected an integer, found str '2'"),
            ({ $0.replacingOccurrences(of: "    - name: http\n      port: 80\n      targetPort: http\n      protocol: TCP", with: "    name: http\n    port: 80\n    targetPort: http\n    protocol: TCP") },
             "spec.ports: expected a list of V1ServicePort, found dict"),
            ({ $0.replacingOccurrences(of: "        - name: \"web\"\n          image:", with: "        - image:") }, "containers[0].name: required by V1Container, missing"),
            ({ $0.replacingOccurrences(of: "apiVersion: networking.k8s.io/v1", with: "apiVersion: extensions/v1beta1") }, "apiVersion 'extensions/v1beta1' kind 'Ingress' is none of"),
            ({ $0 + "---\nkind: Secret\napiVersion: v1\nmetadata:\n  name: a\n  name: b\n" }, "duplicate key 'name'"),
        ]
        for (change, expected) in mistakes {
            let changed = change(yaml)
            #expect(changed != yaml, "the mistake for \(expected) changed nothing")
            let verdict = try await KubernetesValidator.check(changed)
            #expect(verdict.status == 1, "not refused: \(expected)")
            #expect(verdict.problems.contains { $0.contains(expected) }, "expected \(expected); got \(verdict.problems)")
        }
    }

    @Test func valuesThatLookLikeYAMLStayOneStringEach() async throws {
        let hostile = [
            "\"quoted\" and 'single'", "line one\nkind: Namespace\n---\napiVersion: v1", "key: value # not a comment", "- a list item",
            "*alias", "&anchor value", "{flow: map}", "[1, 2]", "tab\tand\rreturn", "back\\slash \\n", "% directive", "@at `tick`", "!!binary AAAA",
            "next\u{2028}line\u{2029}para\u{85}nel", "bell\u{07} del\u{7F} bom\u{FEFF}", "ünïcødé 🚀", " leading and trailing ", "", "null", "true", "0x1F", "1e3",
        ]
        let config = Dictionary(uniqueKeysWithValues: hostile.enumerated().map { ("VAR_\($0.offset)", $0.element) })
        var release = Self.fixture(config: config)
        let command = "echo \"$DATABASE_URL\" $$ $(HOME) # done\n- x: *y\n---\nkind: Secret"
        release.processes[0].arguments = ["/bin/bash", "-c", command]
        release.processes[0].startup = .init(action: .httpGet(path: "/health?q=a: b#c"), initialDelaySeconds: 0, periodSeconds: 1, timeoutSeconds: 1, failureThreshold: 1)
        release.environment["LANG"] = "C.UTF-8\"\nPORT: 1 $(HOME)"
        let documents = try await KubernetesValidator.documents(try Self.render(release))
        #expect(documents.count == 5)
        #expect(documents[0]["stringData"] as? [String: String] == config)
        // Kubernetes expands `$(NAME)` and reduces `$$` to `$` in commands and env values: every `$` is doubled.
        #expect(documents[1][path: "spec.template.spec.containers.0.command"] as? [String] == ["/bin/bash", "-c", command.replacingOccurrences(of: "$", with: "$$")])
        #expect(documents[1][path: "spec.template.spec.containers.0.startupProbe.httpGet.path"] as? String == "/health?q=a: b#c")
        let env = documents[1][path: "spec.template.spec.containers.0.env"] as? [[String: String]]
        #expect(env?.first { $0["name"] == "LANG" }?["value"] == "C.UTF-8\"\nPORT: 1 $$(HOME)")
        #expect(env?.filter { $0["name"] == "PORT" }.count == 1)
    }

    @Test func everyObjectNamesTheNamespaceWhenOneIsGiven() async throws {
        let documents = try await KubernetesValidator.documents(try Self.render(Self.fixture(namespace: "team-a")))
        #expect(documents.map { $0[path: "metadata.namespace"] as? String } == Array(repeating: "team-a", count: 5))
    }

    @Test func aReleaseWithoutConfigOrWebTypeHasAnEmptySecretAndNoServiceOrIngress() async throws {
        var release = Self.fixture(config: [:])
        release.processes.removeFirst()
        release.resources.cpuCores = nil
        let documents = try await KubernetesValidator.documents(try Self.render(release))
        #expect(documents.map { $0["kind"] as? String } == ["Secret", "Deployment"])
        #expect(documents[0]["stringData"] as? [String: String] == [:])
        #expect(documents[1][path: "spec.template.spec.containers.0.resources.limits"] as? [String: String] == ["memory": "512Mi"])
    }

    @Test func aWebTypeWithoutHostsHasAServiceButNoIngress() async throws {
        var release = Self.fixture()
        release.hosts = []
        let documents = try await KubernetesValidator.documents(try Self.render(release))
        #expect(documents.map { $0["kind"] as? String } == ["Secret", "Deployment", "Deployment", "Service"])
    }

    @Test func processTypesThatWouldShareAName() throws {
        var release = Self.fixture()
        release.processes.append(.init(type: "celery-beat", arguments: ["true"], replicas: 1))
        #expect(throws: KubernetesExportError(
            "process types 'celery_beat' and 'celery-beat' would both be Deployment hello-celery-beat; rename one in the Procfile"
        )) { try Self.render(release) }
        release.processes.removeLast()
        release.processes.append(.init(type: "__", arguments: ["true"], replicas: 1))
        #expect(throws: KubernetesExportError("process type '__' has no letter or digit to name its Deployment; rename it in the Procfile")) { try Self.render(release) }
    }

    @Test(.scratchDirectory) func aTemplateThatIsMissingOrDoesNotEscapeIsRefusedByName() throws {
        let directory = ScratchDirectory.path
        let missing = #expect(throws: KubernetesExportError.self) { try KubernetesManifests(directory: directory) }
        #expect(missing?.reason.hasPrefix("cannot read the Kubernetes template \(directory)/secret.yaml.mustache") == true, "\(String(describing: missing))")
        for name in KubernetesManifests.templateNames {
            try FileManager.default.copyItem(atPath: KubernetesValidator.templates + "/\(name).yaml.mustache", toPath: directory + "/\(name).yaml.mustache")
        }
        _ = try KubernetesManifests(directory: directory)
        let service = directory + "/service.yaml.mustache"
        let text = try String(contentsOfFile: service, encoding: .utf8)
        try text.replacingOccurrences(of: "{{% CONTENT_TYPE: YAML }}\n", with: "").write(toFile: service, atomically: true, encoding: .utf8)
        #expect(throws: KubernetesExportError(
            "the Kubernetes template \(service) must start with {{% CONTENT_TYPE: YAML }}, so that every value is written as a quoted YAML string"
        )) { try KubernetesManifests(directory: directory) }
    }

    @Test func quotedScalarsAreJSONStrings() throws {
        for text in ["plain", "a\"b\\c\nd\te", "\u{01}\u{1F}\u{7F}\u{85}\u{2028}\u{FEFF}", "ünï 🚀"] {
            let quoted = YAMLScalar.quoted(text)
            let decoded = try JSONSerialization.jsonObject(with: Data(quoted.utf8), options: .fragmentsAllowed) as? String
            #expect(decoded == text, "\(quoted)")
            #expect(!quoted.dropFirst().dropLast().contains("\n") && quoted.hasPrefix("\"") && quoted.hasSuffix("\""))
        }
        #expect(YAMLScalar.quoted("a\u{2028}b") == #""a\u2028b""#)
    }

    /// `value` as JSON with sorted keys, to compare parsed objects whole.
    func json(_ value: Any?) -> String {
        guard let value, let data = try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .fragmentsAllowed, .withoutEscapingSlashes]) else { return "nil" }
        return String(decoding: data, as: UTF8.self)
    }
}
