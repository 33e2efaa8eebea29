#if FERRY_FUZZING
    #if canImport(Glibc)
        import Glibc
    #elseif canImport(Darwin)
        import Darwin
    #endif

    /// libFuzzer's entry for programs that keep their own `main` (compiler-rt
    /// FuzzerDriver.cpp, `LLVMFuzzerRunDriver`): it takes the flags and calls `callback`
    /// once per input. Declared here because libFuzzer ships no header for it.
    @_silgen_name("LLVMFuzzerRunDriver")
    private func runDriver(
        _ argc: UnsafeMutablePointer<CInt>,
        _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
        _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
    ) -> CInt

    enum LibFuzzer {
        /// Set once before the driver starts and read by the C callback, which cannot capture.
        nonisolated(unsafe) private static var harness: Harness?

        static func run(_ target: FuzzTarget, program: String, arguments: [String]) -> Int32 {
            harness = Harness(target: target)
            // libFuzzer keeps pointers into argv for the whole run, so the strings are never freed.
            var argv: [UnsafeMutablePointer<CChar>?] = ([program] + arguments).map { strdup($0) } + [nil]
            var argc = CInt(arguments.count + 1)
            return argv.withUnsafeMutableBufferPointer { buffer in
                var base: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = buffer.baseAddress
                return runDriver(&argc, &base) { data, size in
                    let bytes = size == 0 ? [] : Array(UnsafeBufferPointer(start: data, count: size))
                    _ = LibFuzzer.harness!.run(bytes)
                    return 0
                }
            }
        }
    }
#endif
