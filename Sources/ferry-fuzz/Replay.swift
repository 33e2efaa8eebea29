import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Runs saved inputs (a crash reproducer, a corpus) through a target without libFuzzer.
enum Replay {
    /// Prints one line per input; returns 0, or 1 if a path cannot be read. A crash or a
    /// broken invariant stops the process, as it does under the fuzzer.
    static func run(_ target: FuzzTarget, paths: [String]) -> Int32 {
        let harness = Harness(target: target)
        var status: Int32 = 0
        for path in paths.flatMap(files) {
            guard let data = FileManager.default.contents(atPath: path) else {
                printError("\(path): cannot be read\n")
                status = 1
                continue
            }
            switch harness.run([UInt8](data)) {
            case .accepted(let summary): print("\(path): accepted: \(summary)")
            case .rejected(let error): print("\(path): rejected: \(error)")
            }
        }
        return status
    }

    /// `path` itself, or the regular files in it (sorted, not recursive) if it is a folder.
    private static func files(_ path: String) -> [String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
            return [path]
        }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        return names.sorted().map { path + "/" + $0 }.filter { file in
            var isFolder: ObjCBool = false
            return FileManager.default.fileExists(atPath: file, isDirectory: &isFolder) && !isFolder.boolValue
        }
    }
}
