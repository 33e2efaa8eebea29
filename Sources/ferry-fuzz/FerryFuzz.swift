#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Fuzz harness for Ferry's parsers of untrusted input.
///
/// Built normally it replays saved inputs (`ferry-fuzz replay TARGET FILE|DIR…`), so a
/// crash found by the fuzzer can be re-run under a debugger or in CI without libFuzzer.
/// Built with coverage instrumentation, AddressSanitizer, libFuzzer (without its `main`) and
/// `-DFERRY_FUZZING`, it is a libFuzzer binary: `ferry-fuzz TARGET [libFuzzer flags]
/// [CORPUS…]`. Docker/dev/fuzz.sh has the build command and runs every target.
@main
struct FerryFuzz {
    static func main() {
        var arguments = CommandLine.arguments
        let program = arguments.removeFirst()
        if arguments.first == "list" {
            for target in FuzzTarget.allCases { print(target.rawValue) }
            return
        }
        if arguments.first == "replay" {
            arguments.removeFirst()
            guard let name = arguments.first, let target = FuzzTarget(rawValue: name), arguments.count > 1 else {
                usage()
            }
            exit(Replay.run(target, paths: Array(arguments.dropFirst())))
        }
        #if FERRY_FUZZING
            guard let name = arguments.first, let target = FuzzTarget(rawValue: name) else { usage() }
            exit(LibFuzzer.run(target, program: program, arguments: Array(arguments.dropFirst())))
        #else
            _ = program
            usage()
        #endif
    }

    static func usage() -> Never {
        let targets = FuzzTarget.allCases.map(\.rawValue).joined(separator: "|")
        var text = "usage: ferry-fuzz replay \(targets) FILE|DIR…\n       ferry-fuzz list\n"
        #if FERRY_FUZZING
            text += "       ferry-fuzz \(targets) [libFuzzer flags] [CORPUS_DIR…]\n"
        #endif
        printError(text)
        exit(2)
    }
}

/// Writes `text` to standard error (the C `stderr` global is not concurrency-safe in Swift 6).
func printError(_ text: String) {
    var text = text
    text.withUTF8 { bytes in _ = write(2, bytes.baseAddress, bytes.count) }
}
