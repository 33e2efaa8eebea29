import Ceph

extension JobSpec {
    /// The domain plan for this VM (disks, monitors and secret are filled in by `VMMigration`).
    /// - Throws: `MigrationError` `.invalidPlan` with the setting's problem.
    func domainPlan() throws -> DomainPlan {
        let settings = DomainSettings(
            name: name, keepBus: keepBus, networks: networks, defaultNetwork: defaultNetwork, domainType: domainType)
        do {
            return try settings.domainPlan()
        } catch {
            throw MigrationError(code: .invalidPlan, message: error.description)
        }
    }

    /// The migration request a job runs: always resumable (a retried or taken-over job
    /// continues its images' checkpoints), verified, and never started by the registrar —
    /// the job starts the domain as a step of its own.
    func migrationRequest(environment: JobEnvironment, inventory: NodeInventory) throws -> VMMigration.Request {
        var options = ImportOptions(writeWindow: environment.window.buffers, resume: true)
        options.readers = environment.readers ?? ImportOptions.defaultReaders(for: source)
        options.verify = true
        options.image.order = objectSize.flatMap(ImageCreateOptions.order(forObjectSize:))
        options.image.dataPool = dataPool
        var request = VMMigration.Request(
            source: source, pool: pool, namespace: namespace, node: node, inventory: inventory, plan: try domainPlan(),
            datastores: environment.datastores, openOptions: environment.openOptions, importOptions: options,
            replace: false, start: false)
        request.shutdown = shutdown
        return request
    }
}
