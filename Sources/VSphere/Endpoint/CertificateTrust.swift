/// Which server certificates an endpoint accepts.
public enum CertificateTrust: Sendable, Hashable {
    /// The system's CA bundle, with the host name checked: a vCenter with a real certificate.
    case system
    /// The CAs in a PEM file (a vCenter's VMCA root, for hosts it signed).
    case caFile(String)
    /// Exactly the certificate with this SHA-256 thumbprint, host name not checked: ESXi's
    /// self-signed certificate, as the host client shows it. Kept as 64 upper-case hex digits.
    case thumbprint(String)
    /// Any certificate. Only when the admin says so, with a warning on every run.
    case insecure

    /// Reads a thumbprint as admins paste it: `AB:CD:…`, `ab cd …` or plain hex.
    /// - Throws: `VSphereError.invalidEndpoint` for anything but 32 bytes; a 20-byte one is
    ///   SHA-1, which VMware still shows in places and which Ferry does not pin.
    public static func pinned(_ text: String) throws(VSphereError) -> CertificateTrust {
        let hex = text.filter { $0.isHexDigit }.uppercased()
        let separators = text.filter { !$0.isHexDigit && $0 != ":" && $0 != " " }
        guard separators.isEmpty else {
            throw VSphereError(.invalidEndpoint, "thumbprint \(text) is not hex digits separated by colons")
        }
        if hex.count == 40 {
            throw VSphereError(.invalidEndpoint, "thumbprint \(text) is SHA-1; give the certificate's SHA-256 thumbprint (openssl x509 -noout -fingerprint -sha256)")
        }
        guard hex.count == 64 else {
            throw VSphereError(.invalidEndpoint, "thumbprint \(text) is not a SHA-256 thumbprint (32 bytes, 64 hex digits)")
        }
        return .thumbprint(hex)
    }

    /// A thumbprint as VMware shows it: `AB:CD:…`.
    public static func display(_ hex: String) -> String {
        stride(from: 0, to: hex.count, by: 2).map { offset in
            let start = hex.index(hex.startIndex, offsetBy: offset)
            return String(hex[start..<hex.index(start, offsetBy: 2)])
        }.joined(separator: ":")
    }
}
