import ArgumentParser
import Ferry
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// `--progress`: a live bar on a terminal, JSON lines for scripts, or nothing.
enum ProgressMode: String, ExpressibleByArgument, CaseIterable {
    case auto, bar, json, none

    /// `auto` draws a bar only when stderr is a terminal, so logs and CI stay clean.
    var resolved: ProgressMode {
        guard self == .auto else { return self }
        return isatty(2) != 0 ? .bar : .none
    }
}

/// Draws import progress on stderr (bar) or stdout (JSON lines).
struct ProgressRenderer: Sendable {
    let mode: ProgressMode
    let label: String

    func render(_ snapshot: ImportProgress.Snapshot) {
        switch mode {
        case .bar:
            let rate = snapshot.bytesPerSecond / 1_048_576
            guard let fraction = snapshot.fraction else {
                // A stream from a pipe: its size is unknown, so there is no bar and no ETA.
                Output.standardError(
                    String(format: "\r%@ %@ read, %.1f MiB/s ", label, Self.bytes(snapshot.doneBytes), rate))
                return
            }
            let width = 30
            let filled = Int(fraction * Double(width))
            let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
            let eta = snapshot.etaSeconds.map { Self.duration($0) } ?? "--:--"
            let line = String(
                format: "\r%@ [%@] %5.1f%% %@/%@ %.1f MiB/s ETA %@ ", label, bar, fraction * 100,
                Self.bytes(snapshot.doneBytes), Self.bytes(snapshot.totalBytes), rate, eta)
            Output.standardError(line)
        case .json:
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            if let data = try? encoder.encode(snapshot) {
                Output.standardOutput(String(decoding: data, as: UTF8.self) + "\n")
            }
        case .auto, .none:
            break
        }
    }

    func finish() {
        if mode == .bar { Output.standardError("\n") }
    }

    static func bytes(_ value: UInt64) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var amount = Double(value)
        var unit = 0
        while amount >= 1024, unit < units.count - 1 {
            amount /= 1024
            unit += 1
        }
        return unit == 0 ? "\(value) B" : String(format: "%.1f %@", amount, units[unit])
    }

    static func duration(_ seconds: Double) -> String {
        let total = Int(seconds.rounded())
        return total >= 3600
            ? String(format: "%d:%02d:%02d", total / 3600, total / 60 % 60, total % 60)
            : String(format: "%02d:%02d", total / 60, total % 60)
    }
}
