import CLibvirt

/// Process-wide libvirt set-up, done once before the first connection.
enum LibvirtRuntime {
    /// libvirt prints every error to stderr by default; Ferry reports them itself as
    /// `LibvirtError`s, so the printer is replaced with one that does nothing.
    private static let initialized: Bool = {
        _ = virInitialize()
        virSetErrorFunc(nil) { _, _ in }
        return true
    }()

    static func ensureInitialized() {
        _ = initialized
    }
}
