// gantry-fuzz: the fuzz targets of GantryFuzzTargets as one executable.
//
//   gantry-fuzz --list                      the targets, one a line, with what each reads
//   gantry-fuzz TARGET [LIBFUZZER-ARGS...]  built by `make fuzz` (-sanitize=fuzzer,address
//                                           -DGANTRY_FUZZ): libFuzzer on TARGET, e.g.
//                                           `gantry-fuzz pktline -runs=1000 CORPUS-DIR`
//   gantry-fuzz TARGET FILE-OR-DIR...       any other build: runs each input once (a crash
//                                           libFuzzer saved, a corpus) and says which failed
import Foundation
import GantryFuzzTargets

#if canImport(Glibc)
import Glibc
#endif

let arguments = CommandLine.arguments
guard arguments.count >= 2, arguments[1] != "--help", arguments[1] != "-h" else {
    print("usage: gantry-fuzz --list | TARGET [libFuzzer flags and corpus directories | input files]")
    exit(arguments.count >= 2 ? 0 : 2)
}
if arguments[1] == "--list" {
    for target in FuzzTargets.all { print(target.name.padding(toLength: 16, withPad: " ", startingAt: 0) + target.summary) }
    exit(0)
}
guard let target = FuzzTargets.named(arguments[1]) else {
    FileHandle.standardError.write(Data("gantry-fuzz: no target '\(arguments[1])'; `gantry-fuzz --list` names them\n".utf8))
    exit(2)
}

#if GANTRY_FUZZ
/// The target libFuzzer's callback runs; set once before libFuzzer starts.
enum Selected {
    nonisolated(unsafe) static var target: FuzzTarget?
}

@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

/// libFuzzer's entry for one input: a broken invariant aborts, as a crash does, so libFuzzer
/// saves the input.
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = size == 0 ? [] : Array(UnsafeBufferPointer(start: data, count: size))
    do {
        try Selected.target!.run(input)
    } catch {
        FileHandle.standardError.write(Data("\(error)\n".utf8))
        abort()
    }
    return 0
}

// The program's own main wins over libFuzzer's (SwiftPM names it with --defsym), so it starts
// libFuzzer itself, with the arguments after the target's name.
Selected.target = target
var fuzzerArguments: [UnsafeMutablePointer<CChar>?] = ([arguments[0]] + arguments.dropFirst(2)).map { strdup($0) } + [nil]
var fuzzerCount = CInt(fuzzerArguments.count - 1)
let status = fuzzerArguments.withUnsafeMutableBufferPointer { buffer in
    var base = buffer.baseAddress!
    return LLVMFuzzerRunDriver(&fuzzerCount, &base, fuzzOneInput)
}
exit(status)
#else
var inputs: [(name: String, bytes: [UInt8])] = []
for path in arguments.dropFirst(2) {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
        FileHandle.standardError.write(Data("gantry-fuzz: no such file: \(path)\n".utf8))
        exit(2)
    }
    inputs += isDirectory.boolValue ? Corpus.files(in: path).map { (path + "/" + $0.name, $0.bytes) } : [(path, [UInt8](FileManager.default.contents(atPath: path) ?? Data()))]
}
var failed = 0
for input in inputs {
    do { try target.run(input.bytes) } catch {
        print("\(input.name): \(error)")
        failed += 1
    }
}
print("\(target.name): \(inputs.count) inputs, \(failed) failed")
exit(failed == 0 ? 0 : 1)
#endif
