import Foundation
import GantryFuzzTargets
import Testing

/// `fuzz/` at the top of the repository: `corpus/TARGET` (seeds) and `regressions/TARGET`
/// (inputs that once crashed a parser or broke an invariant).
enum FuzzDirectory {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("fuzz").path

    static func corpus(_ target: String) -> [(name: String, bytes: [UInt8])] { Corpus.files(in: root + "/corpus/" + target) }
    static func regressions(_ target: String) -> [(name: String, bytes: [UInt8])] { Corpus.files(in: root + "/regressions/" + target) }
}

/// The fast path of `make fuzz`: each target without the sanitizer, over its seeds, its
/// regressions and 20,000 mutations of them that are the same on every run. No time is
/// measured: a hang shows as a test that does not end.
@Suite struct FuzzFastPathTests {
    static let mutations = 20_000

    @Test(arguments: FuzzTargets.all.map(\.name))
    func survivesItsSeedsAndTwentyThousandMutations(_ name: String) throws {
        let target = try #require(FuzzTargets.named(name))
        let seeds = FuzzDirectory.corpus(name).map(\.bytes) + FuzzDirectory.regressions(name).map(\.bytes)
        #expect(!seeds.isEmpty, "fuzz/corpus/\(name) holds no seed")
        for input in seeds { try run(target, input) }
        var mutator = Mutator(corpus: seeds, seed: UInt64(truncatingIfNeeded: name.utf8.reduce(5381) { $0 &* 33 &+ Int($1) }))
        for _ in 0..<Self.mutations {
            try run(target, mutator.next())
        }
    }

    /// Each input in `fuzz/regressions/TARGET`, once found by `make fuzz`, now passes.
    @Test(arguments: FuzzTargets.all.map(\.name))
    func passesEveryFoundCrash(_ name: String) throws {
        let target = try #require(FuzzTargets.named(name))
        for input in FuzzDirectory.regressions(name) {
            #expect(throws: Never.self, "fuzz/regressions/\(name)/\(input.name)") { try target.run(input.bytes) }
        }
    }

    @Test func everyCorpusDirectoryIsATarget() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: FuzzDirectory.root + "/corpus")
        #expect(Set(names) == Set(FuzzTargets.all.map(\.name)))
    }

    /// Runs one input; a broken invariant fails the test with the input, saved to a file.
    private func run(_ target: FuzzTarget, _ input: [UInt8]) throws {
        do { try target.run(input) } catch {
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("fuzz-\(target.name)-\(UUID().uuidString)").path
            _ = FileManager.default.createFile(atPath: path, contents: Data(input))
            Issue.record("\(error) — input saved to \(path); replay it with `gantry-fuzz \(target.name) \(path)`")
            throw error
        }
    }
}
