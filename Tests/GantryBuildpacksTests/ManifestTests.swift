import Foundation
import GantryBuildpacks
import Testing

@Suite struct ProcfileTests {
    @Test func parsesTypesAndCommandsInOrder() throws {
        let procfile = try Procfile(parsing: "# processes\nweb: gunicorn --bind 0.0.0.0:$PORT app:app\n\nworker:  python worker.py  \r\n")
        #expect(procfile.processes.map(\.type) == ["web", "worker"])
        #expect(procfile.commands["web"] == "gunicorn --bind 0.0.0.0:$PORT app:app")
        #expect(procfile.commands["worker"] == "python worker.py")
    }

    @Test(arguments: [
        ("web gunicorn", "line 1: expected 'TYPE: COMMAND'"), ("web:", "has no command"), ("we b: x", "process type 'we b'"),
        ("web: a\nweb: b", "line 2: process type 'web' is declared twice"), (": x", "process type ''"),
    ])
    func badLinesAreRefusedWithTheirLineNumber(_ text: String, _ message: String) {
        #expect { try Procfile(parsing: text) } throws: { error in
            (error as? ManifestError)?.description.contains(message) == true
        }
    }
}

@Suite struct AppJSONTests {
    @Test func readsTheTestScriptPreferringTheTestEnvironment() throws {
        let plain = try AppJSON(parsing: Data(#"{"scripts": {"test": "pytest"}}"#.utf8))
        #expect(plain.testScript == "pytest")
        let both = try AppJSON(parsing: Data(#"{"scripts": {"test": "a"}, "environments": {"test": {"scripts": {"test": "b"}}}}"#.utf8))
        #expect(both.testScript == "b")
    }

    @Test func readsDokkuHealthChecks() throws {
        let app = try AppJSON(parsing: Data(#"{"healthchecks": {"web": [{"type": "startup", "path": "/health", "attempts": 5, "timeout": 3}]}}"#.utf8))
        #expect(app.healthchecks?["web"]?.first?.path == "/health")
        #expect(app.healthchecks?["web"]?.first?.attempts == 5)
    }

    @Test func invalidJSONIsNamed() {
        #expect { try AppJSON(parsing: Data("{not json".utf8)) } throws: { error in
            (error as? ManifestError)?.description.hasPrefix("app.json: not valid JSON") == true
        }
        #expect { try AppJSON(parsing: Data(#"{"scripts": {"test": 5}}"#.utf8)) } throws: { error in
            (error as? ManifestError)?.description.contains("scripts.test") == true
        }
    }
}

@Suite struct ReleaseInfoTests {
    @Test func readsDefaultProcessTypes() throws {
        let info = try ReleaseInfo(parsing: "---\ndefault_process_types:\n  web: gunicorn app:app\n", buildpack: "python")
        #expect(info.defaultProcessTypes == ["web": "gunicorn app:app"])
        #expect(try ReleaseInfo(parsing: "", buildpack: "procfile").defaultProcessTypes.isEmpty)
        #expect(try ReleaseInfo(parsing: "--- {}\n", buildpack: "procfile").defaultProcessTypes.isEmpty)
    }

    @Test func nonsenseIsRefused() {
        #expect(throws: ManifestError.self) { try ReleaseInfo(parsing: "default_process_types: [1, 2]", buildpack: "x") }
    }
}
