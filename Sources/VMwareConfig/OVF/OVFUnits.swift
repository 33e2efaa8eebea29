/// DMTF programmatic units (DSP0004 Annex C) as OVF writers use them for sizes:
/// `byte * 2^30`, `byte*2^20`, `byte * 10^9`, and the older names `MegaBytes`, `GigaBytes`,
/// `KiloBytes`. Every multiplication is checked: a capacity of 2^40 in units of 2^30 must
/// become an error, not a trap or a wrapped-around small disk.
enum OVFUnits {
    /// The number of bytes one unit stands for, or nil if the unit is not understood.
    /// - Parameter unit: the unit string; nil or empty means bytes.
    static func multiplier(_ unit: String?) -> UInt64? {
        guard let unit = unit?.trimmingSpaces(), !unit.isEmpty else { return 1 }
        switch unit.lowercased().filter({ !$0.isWhitespace }) {
        case "byte", "bytes", "b": return 1
        case "kilobytes", "kilobyte", "kb", "kib": return 1 << 10
        case "megabytes", "megabyte", "mb", "mib": return 1 << 20
        case "gigabytes", "gigabyte", "gb", "gib": return 1 << 30
        case "terabytes", "terabyte", "tb", "tib": return 1 << 40
        default: break
        }
        let factors = unit.split(separator: "*").map { $0.filter { !$0.isWhitespace } }
        guard let first = factors.first, ["byte", "bytes"].contains(first.lowercased()) else { return nil }
        var result: UInt64 = 1
        for factor in factors.dropFirst() {
            let value: UInt64
            if let caret = factor.firstIndex(of: "^") {
                guard let base = UInt64(factor[..<caret]), let exponent = UInt64(factor[factor.index(after: caret)...]),
                    let power = power(base, exponent)
                else { return nil }
                value = power
            } else {
                guard let plain = UInt64(factor) else { return nil }
                value = plain
            }
            let (product, overflow) = result.multipliedReportingOverflow(by: value)
            guard !overflow, product > 0 else { return nil }
            result = product
        }
        return result
    }

    /// `base^exponent`, nil on overflow.
    private static func power(_ base: UInt64, _ exponent: UInt64) -> UInt64? {
        var result: UInt64 = 1
        for _ in 0..<min(exponent, 64) {
            let (product, overflow) = result.multipliedReportingOverflow(by: base)
            if overflow { return nil }
            result = product
        }
        return exponent > 64 && base > 1 ? nil : result
    }

    /// `quantity × unit` in bytes, nil on overflow.
    static func bytes(_ quantity: UInt64, unit multiplier: UInt64) -> UInt64? {
        let (product, overflow) = quantity.multipliedReportingOverflow(by: multiplier)
        return overflow ? nil : product
    }
}
