import Foundation

/// Runs a command-line tool (qemu-img, rbd, ceph) for test set-up and oracles.
public enum Command {
    public struct Failed: Error, CustomStringConvertible {
        public var description: String
        public init(description: String) { self.description = description }
    }

    /// Runs `arguments[0]` (searched in PATH) and returns its standard output; throws with
    /// standard error when it exits non-zero.
    @discardableResult
    public static func run(_ arguments: [String], environment: [String: String] = [:]) throws -> Data {
        let result = Spawn.wait(try Spawn.start(arguments, environment: environment))
        guard result.status == 0 else {
            throw Failed(description: "\(arguments.joined(separator: " ")) exited \(result.status): \(String(decoding: result.errors, as: UTF8.self))")
        }
        return result.output
    }
}
