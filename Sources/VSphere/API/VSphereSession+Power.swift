import Foundation

/// How a running VM is brought down before a cold copy.
public enum ShutdownPolicy: String, Sendable, Codable, CaseIterable {
    /// VMware Tools shut the guest down; if it is not off within the timeout, the
    /// migration fails and the VM keeps running.
    case guest
    /// As `guest`, then a hard power-off when the timeout passes (or at once when VMware
    /// Tools do not run).
    case poweroff
}

extension VSphereSession {
    /// The VM's power state now (`poweredOn`, `poweredOff`, `suspended`).
    public func powerState(of vm: ManagedObject) async throws(VSphereError) -> String {
        try await retrieve([vm], paths: ["runtime.powerState"]).first?.text("runtime.powerState") ?? "unknown"
    }

    /// Brings `vm` (called `name` in messages) to poweredOff as `policy` says, waiting up to
    /// `timeout` for a guest shutdown. Returns what was done, one line for the log.
    /// - Throws: `.timedOut` when the guest is still up with `.guest`; a fault when vSphere
    ///   refuses (no VMware Tools for `.guest`, a locked VM).
    public func shutDown(_ vm: ManagedObject, name: String, policy: ShutdownPolicy, timeout: Duration)
        async throws(VSphereError) -> String
    {
        let state = try await powerState(of: vm)
        if state == "poweredOff" { return "\(name) is already off" }
        let tools = try await retrieve([vm], paths: ["guest.toolsRunningStatus"]).first?.text("guest.toolsRunningStatus")
        if tools == "guestToolsRunning" {
            _ = try await call("ShutdownGuest", this: vm)
            if try await waitUntilOff(vm, timeout: timeout) { return "\(name) was shut down by its guest (VMware Tools)" }
            guard policy == .poweroff else {
                throw VSphereError(
                    .timedOut,
                    "\(name) did not shut down within \(timeout.components.seconds) s of the guest shutdown request; it is still running, nothing was copied (use --shutdown poweroff to power it off after the timeout)")
            }
        } else if policy == .guest {
            throw VSphereError(
                .vmPoweredOn,
                "\(name) is powered on and VMware Tools are not running, so its guest cannot be asked to shut down; shut it down yourself or use --shutdown poweroff")
        }
        let task = try await call("PowerOffVM_Task", this: vm)
        guard let reference = task.reference("returnval") else {
            throw VSphereError(.protocolError, "\(connection.endpoint.label): PowerOffVM_Task answered no task")
        }
        try await waitFor(task: reference, what: "powering off \(name)")
        return tools == "guestToolsRunning"
            ? "\(name) did not shut down within \(timeout.components.seconds) s; it was powered off"
            : "\(name) was powered off (VMware Tools not running)"
    }

    /// Polls until the VM is off; false when `timeout` passed first.
    private func waitUntilOff(_ vm: ManagedObject, timeout: Duration) async throws(VSphereError) -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if try await powerState(of: vm) == "poweredOff" { return true }
            try? await Task.sleep(for: .seconds(1))
        }
        return try await powerState(of: vm) == "poweredOff"
    }

    /// Waits for a task to end.
    /// - Throws: `.fault` with the task's error when it failed.
    func waitFor(task: ManagedObject, what: String) async throws(VSphereError) {
        while true {
            let info = try await retrieve([task], paths: ["info.state", "info.error"]).first
            switch info?.text("info.state") {
            case "success":
                return
            case "error":
                let message = info?.value("info.error")?.text("localizedMessage") ?? "no reason given"
                throw VSphereError(.fault, "\(connection.endpoint.label): \(what) failed: \(message)")
            default:
                try? await Task.sleep(for: .milliseconds(500))
            }
        }
    }
}
