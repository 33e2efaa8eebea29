import Ceph
import Libvirt
import VSphere

/// Whether a failure is worth retrying: a timeout or a lost connection may pass; a bad
/// disk or a refused configuration will not, however often it is tried.
public enum FailureKind: String, Sendable, Codable {
    case transient, permanent

    public static func of(_ error: any Error) -> FailureKind {
        switch error {
        case let error as CephError:
            switch error.code {
            // A full cluster is transient: the job resumes once an admin frees space.
            case .timedOut, .connectionFailed, .busy, .noSpace, .io: return .transient
            default: return .permanent
            }
        case let error as LibvirtError:
            return error.code == .connectionFailed || error.code == .timedOut ? .transient : .permanent
        case let error as MigrationError:
            return error.cause.map(of) ?? (error.code == .noNodeFits ? .transient : .permanent)
        case let error as ImportError:
            return error.cause.map(of) ?? .permanent
        case let error as JobStoreError:
            return error.code == .busy ? .transient : .permanent
        case let error as VSphereError:
            // An unreachable host or a dropped session passes; a refused login, a pinned
            // certificate that changed or a VM that is on need an admin.
            return error.code == .connectionFailed ? .transient : .permanent
        default:
            return .permanent
        }
    }
}
