import Synchronization
import VMDK

/// The endpoints this process may read from, and their sessions once open: what turns a
/// `vsphere://ENDPOINT/…` path into a logged-in connection.
///
/// Sessions open in async code (a migration's preparation, `vsphere ls`) and are then
/// found again by name from the synchronous ``FileAccess`` the VMDK readers use, so the
/// readers never log in themselves. One session per endpoint per process: vCenter counts
/// sessions, and a worker running several jobs against one host shares it.
public final class VSphereSessions: Sendable {
    public static let shared = VSphereSessions()

    private struct State {
        var endpoints: [String: VSphereEndpoint] = [:]
        var sessions: [String: VSphereSession] = [:]
    }
    private let state = Mutex(State())

    public init() {}

    /// Makes `endpoint` known under its name (and its host, so `vsphere://HOST/…` works too).
    public func configure(_ endpoint: VSphereEndpoint) {
        state.withLock {
            $0.endpoints[endpoint.name] = endpoint
            if $0.endpoints[endpoint.host] == nil { $0.endpoints[endpoint.host] = endpoint }
        }
    }

    /// The configured endpoint called `name`.
    /// - Throws: `.invalidEndpoint` naming the ones there are.
    public func endpoint(_ name: String) throws(VSphereError) -> VSphereEndpoint {
        let (found, known) = state.withLock { ($0.endpoints[name], $0.endpoints.keys.sorted()) }
        guard let found else {
            throw VSphereError(
                .invalidEndpoint,
                known.isEmpty
                    ? "no vSphere endpoint \(name) is configured; give --vsphere-user and --vsphere-password-file (or a vsphere: section in the configuration)"
                    : "no vSphere endpoint \(name) is configured (known: \(known.joined(separator: ", ")))")
        }
        return found
    }

    /// The logged-in session for `name`, opened on first use.
    /// - Throws: what connecting and logging in throw.
    public func session(_ name: String) async throws(VSphereError) -> VSphereSession {
        let endpoint = try endpoint(name)
        if let open = state.withLock({ $0.sessions[endpoint.name] }) { return open }
        let opened = try await VSphereSession.open(endpoint)
        let kept = state.withLock { state -> VSphereSession? in
            if let raced = state.sessions[endpoint.name] { return raced }
            state.sessions[endpoint.name] = opened
            return nil
        }
        if let kept {
            await opened.close()
            return kept
        }
        return opened
    }

    /// The session already open for `name`, for synchronous callers.
    public func openSession(_ name: String) -> VSphereSession? {
        state.withLock { state in
            state.endpoints[name].flatMap { state.sessions[$0.name] }
        }
    }

    /// Logs out of every session and closes its connections.
    public func closeAll() async {
        let sessions = state.withLock { state -> [VSphereSession] in
            defer { state.sessions = [:] }
            return Array(state.sessions.values)
        }
        for session in sessions { await session.close() }
    }

    /// The datastore files `path` (`vsphere://ENDPOINT/DC/[DS] …`) lives among, through the
    /// endpoint's open session.
    /// - Throws: `VMDKError` `.invalidArgument` when the path is malformed or its endpoint has
    ///   no open session (callers open it first, in async code).
    public func datastoreAccess(for path: String) throws(VMDKError) -> DatastoreFiles {
        let url: VSphereURL
        do { url = try VSphereURL.parse(path) } catch { throw VMDKError(.invalidArgument, file: path, error.message) }
        guard let session = openSession(url.endpoint) else {
            throw VMDKError(
                .invalidArgument, file: path,
                "no open session with vSphere endpoint \(url.endpoint); Ferry connects while inspecting the VM, so read it through vsphere://ENDPOINT/DATACENTER/VM")
        }
        return DatastoreFiles(connection: session.connection, datacenter: url.datacenter)
    }
}
