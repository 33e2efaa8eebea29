import Ceph

extension JobSpec {
    /// The domain plan for this VM (disks, monitors and secret are filled in by `VMMigration`).
    func domainPlan() throws -> DomainPlan {
        var plan = DomainPlan(name: name, disks: [], monitors: [], cephUser: "", secretUUID: "")
        plan.busPolicy = keepBus ? .keep : .virtio
        plan.keepNICModels = keepBus
        plan.networks = try networks.mapValues { target in
            guard let parsed = NetworkTarget(argument: target) else {
                throw MigrationError(code: .invalidPlan, message: "network target \"\(target)\" is not bridge:NAME, network:NAME or ovs:BRIDGE")
            }
            return parsed
        }
        plan.defaultNetwork = try defaultNetwork.map { target in
            guard let parsed = NetworkTarget(argument: target) else {
                throw MigrationError(code: .invalidPlan, message: "default network \"\(target)\" is not bridge:NAME, network:NAME or ovs:BRIDGE")
            }
            return parsed
        }
        guard let type = DomainPlan.DomainType(rawValue: domainType) else {
            throw MigrationError(code: .invalidPlan, message: "domain type \"\(domainType)\" is not kvm or qemu")
        }
        plan.domainType = type
        return plan
    }

    /// The migration request a job runs: always resumable (a retried or taken-over job
    /// continues its images' checkpoints), verified, and never started by the registrar —
    /// the job starts the domain as a step of its own.
    func migrationRequest(environment: JobEnvironment, inventory: NodeInventory) throws -> VMMigration.Request {
        var options = ImportOptions(writeWindow: environment.window.buffers, resume: true)
        options.readers = environment.readers
        options.verify = true
        return VMMigration.Request(
            source: source, pool: pool, namespace: namespace, node: node, inventory: inventory, plan: try domainPlan(),
            datastores: environment.datastores, openOptions: environment.openOptions, importOptions: options,
            replace: false, start: false)
    }
}
