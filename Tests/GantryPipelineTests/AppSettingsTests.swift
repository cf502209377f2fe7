import GantryCore
import GantryImage
@testable import GantryPipeline
import Testing

/// The config vars Gantry reads itself, checked before a build starts.
struct AppSettingsTests {
    @Test func limitsComeFromTheirConfigVars() throws {
        let settings = try AppSettings(config: ["GANTRY_MEMORY_MB": "256", "GANTRY_PIDS": "64", "GANTRY_CPU": "0.5"])
        #expect(settings.processMemoryBytes == 256 << 20)
        #expect(settings.processPids == 64)
        #expect(settings.processCPU == 0.5)
        #expect(try AppSettings(config: [:]).processCPU == nil, "no CPU limit unless asked")
    }

    @Test(arguments: ["0", "-1", "half", "nan", "inf", "0.001", "5000"])
    func anUnusableCPULimitIsRefusedNamingTheVar(_ value: String) {
        let error = #expect(throws: BuildError.self) { try AppSettings(config: ["GANTRY_CPU": value]) }
        #expect(error?.description.contains("GANTRY_CPU=\(value)") == true, "\(String(describing: error))")
    }
}

extension AppSettingsTests {
    @Test func webProcessesBootWhileTestingUnlessTheAppSaysZero() throws {
        #expect(try AppSettings(config: [:]).bootsWhileTesting)
        #expect(try AppSettings(config: ["GANTRY_EARLY_BOOT": "1"]).bootsWhileTesting)
        #expect(try !AppSettings(config: ["GANTRY_EARLY_BOOT": "0"]).bootsWhileTesting)
        let error = #expect(throws: BuildError.self) { try AppSettings(config: ["GANTRY_EARLY_BOOT": "no"]) }
        #expect(error?.description.contains("GANTRY_EARLY_BOOT=no") == true, "\(String(describing: error))")
    }
}

extension AppSettingsTests {
    @Test func forceHTTPSAndHSTSComeFromTheirConfigVars() throws {
        #expect(try AppSettings(config: [:]).https == HTTPSPolicy(forceHTTPS: false, hstsSeconds: nil))
        #expect(try AppSettings(config: ["GANTRY_FORCE_HTTPS": "1", "GANTRY_HSTS": "31536000"]).https == HTTPSPolicy(forceHTTPS: true, hstsSeconds: 31_536_000))
        #expect(try AppSettings(config: ["GANTRY_HSTS": "0"]).https.hstsSeconds == 0, "max-age=0 tells browsers to forget")
        for (key, value) in [("GANTRY_FORCE_HTTPS", "yes"), ("GANTRY_HSTS", "-1"), ("GANTRY_HSTS", "1y"), ("GANTRY_HSTS", "99999999999")] {
            let error = #expect(throws: BuildError.self) { try AppSettings(config: [key: value]) }
            #expect(error?.description.contains("\(key)=\(value)") == true, "\(String(describing: error))")
        }
    }
}

extension AppSettingsTests {
    @Test func theReleaseCommandHasAnHourUnlessTheAppSaysOtherwise() throws {
        #expect(try AppSettings(config: [:]).releaseTimeout == .seconds(3600))
        #expect(try AppSettings(config: ["GANTRY_RELEASE_TIMEOUT": "90"]).releaseTimeout == .seconds(90))
        let error = #expect(throws: BuildError.self) { try AppSettings(config: ["GANTRY_RELEASE_TIMEOUT": "0"]) }
        #expect(error?.description.contains("GANTRY_RELEASE_TIMEOUT=0") == true, "\(String(describing: error))")
    }
}

/// A release command's output is kept up to a bound; the rest is counted.
struct KeptOutputTests {
    @Test func theFirstLinesAreKeptCutToTheirLimitAndTheRestCounted() {
        let kept = KeptOutput()
        kept.append(String(repeating: "é", count: 1000))  // 2000 bytes
        for index in 2...(ReleasePhase.maximumLines + 5) { kept.append("line \(index)") }
        let (lines, dropped) = kept.contents
        #expect(lines.count == ReleasePhase.maximumLines && dropped == 5)
        #expect(lines[0].utf8.count <= ReleasePhase.maximumLineBytes && lines[0].hasPrefix("éé"))
        #expect(lines.last == "line \(ReleasePhase.maximumLines)")
    }
}
