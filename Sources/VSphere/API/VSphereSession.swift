import Synchronization
import VMwareConfig

/// A logged-in session with one endpoint: SOAP calls with the session cookie, one re-login
/// when the server says the session is gone (`NotAuthenticated`: an idle timeout, a
/// restarted vpxd), and a logout at the end.
///
/// A refused login (`InvalidLogin`) is never retried: a wrong password retried in a loop is
/// how service accounts get locked out.
public actor VSphereSession {
    public nonisolated let connection: VSphereConnection
    private var content: ServiceContent?
    private var loggedIn = false

    public init(connection: VSphereConnection) {
        self.connection = connection
    }

    /// Connects and logs in.
    /// - Throws: `VSphereError` (`.certificateRejected`, `.connectionFailed`, `.loginFailed`, …).
    public static func open(_ endpoint: VSphereEndpoint) async throws(VSphereError) -> VSphereSession {
        let session = VSphereSession(connection: try await VSphereConnection.open(endpoint))
        do {
            try await session.login()
        } catch {
            await session.connection.shutdown()
            throw error
        }
        return session
    }

    private var label: String { connection.endpoint.label }

    /// The service content, read once.
    public func serviceContent() async throws(VSphereError) -> ServiceContent {
        if let content { return content }
        let this = ManagedObject(type: "ServiceInstance", value: "ServiceInstance")
        let answer = try await send("RetrieveServiceContent", this: this, "", action: "urn:vim25")
        guard let value = answer.child("returnval"), let root = value.reference("rootFolder"),
            let collector = value.reference("propertyCollector"), let views = value.reference("viewManager"),
            let sessions = value.reference("sessionManager")
        else {
            throw VSphereError(.protocolError, "\(label): RetrieveServiceContent answered without the root folder and managers")
        }
        let read = ServiceContent(
            rootFolder: root, propertyCollector: collector, viewManager: views, sessionManager: sessions,
            apiType: value.text("about/apiType") ?? "", apiVersion: value.text("about/apiVersion") ?? "",
            fullName: value.text("about/fullName") ?? "")
        content = read
        return read
    }

    /// Logs in with the endpoint's user and password.
    /// - Throws: `.loginFailed` for a refused login, never retried.
    public func login() async throws(VSphereError) {
        let content = try await serviceContent()
        let endpoint = connection.endpoint
        _ = try await send(
            "Login", this: content.sessionManager,
            SOAP.element("userName", endpoint.user) + SOAP.element("password", endpoint.password.value))
        loggedIn = true
    }

    /// Ends the session and closes the connections. Errors are ignored: the session dies
    /// with its idle timeout anyway.
    public func close() async {
        if loggedIn, let content {
            _ = try? await send("Logout", this: content.sessionManager, "")
            loggedIn = false
        }
        await connection.shutdown()
    }

    /// Calls `method` on `this`, logging in again once if the session was dropped.
    /// - Throws: the call's fault as `VSphereError`.
    package func call(_ method: String, this: ManagedObject, _ parameters: String = "") async throws(VSphereError)
        -> XMLTree.Element
    {
        do {
            return try await send(method, this: this, parameters)
        } catch where error.faultType == "NotAuthenticated" && loggedIn {
            connection.cookie.withLock { $0 = nil }
            try await login()
            return try await send(method, this: this, parameters)
        }
    }

    private func send(_ method: String, this: ManagedObject, _ parameters: String, action: String? = nil)
        async throws(VSphereError) -> XMLTree.Element
    {
        let soapAction = action ?? content.map { "urn:vim25/\($0.apiVersion)" } ?? "urn:vim25"
        let (status, body) = try await connection.postSOAP(
            SOAP.envelope(method, this: this, parameters), action: soapAction)
        return try SOAP.answer(body, status: status, method: method, endpoint: label)
    }
}
