import Foundation

/// Turns a VMware display name into a libvirt domain name that is safe everywhere the name
/// travels: `virsh` arguments, QEMU's `-name`, file names under /var/lib/libvirt and
/// /var/log/libvirt, and often the guest's DNS name.
///
/// libvirt itself only refuses `/` and control characters, but VMware names are free text
/// (`Web & DB (old) — prod`), so Ferry keeps ASCII letters, digits, `.`, `_` and `-`, folds
/// accents (`é` → `e`), turns every other run into one `-`, and caps the length at 63, the
/// DNS label limit, which keeps names readable in `virsh list` too.
public enum DomainName {
    public static let maximumLength = 63

    /// The libvirt-safe form of `name`; `"vm"` when nothing usable is left.
    public static func sanitize(_ name: String) -> String {
        let folded = name.folding(options: [.diacriticInsensitive, .widthInsensitive], locale: nil)
        var result = ""
        var pendingDash = false
        for scalar in folded.unicodeScalars {
            let keep =
                scalar.isASCII
                && (CharacterSet.alphanumerics.contains(scalar) || scalar == "." || scalar == "_" || scalar == "-")
            if keep {
                if pendingDash, !result.isEmpty { result.append("-") }
                pendingDash = false
                result.unicodeScalars.append(scalar)
            } else {
                pendingDash = true
            }
        }
        // A leading dash or dot reads as an option to virsh or a hidden file.
        while let first = result.first, first == "-" || first == "." { result.removeFirst() }
        if result.count > maximumLength { result = String(result.prefix(maximumLength)) }
        while let last = result.last, last == "-" || last == "." { result.removeLast() }
        return result.isEmpty ? "vm" : result
    }
}
