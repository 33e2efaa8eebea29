import BlockingCalls
import Ceph
import Foundation
import Libvirt
import VMDK
import VMwareConfig
import VSphere

/// One VM's migration: inspect the VMX or OVA, place it on a node, import every disk into RBD in
/// parallel, then define (and optionally start) its libvirt domain with RBD network disks.
///
/// Everything that can be refused is refused before the first byte is copied: unreadable
/// disks, unmapped networks, hardware the builder cannot express, a node without room,
/// a domain name already taken. A failure after the import leaves the images complete and
/// marked so, and `--resume` reuses them instead of copying again.
public struct VMMigration: Sendable {
    public struct Request: Sendable {
        /// The VM's `.vmx` or `.ova`.
        public var source: String
        public var pool: String
        public var namespace: String?
        public var node: String?
        public var inventory: NodeInventory
        public var plan: DomainPlan
        public var datastores: DatastoreMap
        public var openOptions: OpenOptions
        public var importOptions: ImportOptions
        public var replace: Bool
        public var start: Bool
        /// For a VM read from vSphere that is running: how to bring it down before the copy
        /// (nil: refuse it), and how long a guest shutdown may take.
        public var shutdown: ShutdownPolicy?
        public var shutdownTimeout: Duration = .seconds(300)

        public init(
            source: String, pool: String, namespace: String? = nil, node: String? = nil, inventory: NodeInventory,
            plan: DomainPlan, datastores: DatastoreMap = DatastoreMap(), openOptions: OpenOptions = .init(),
            importOptions: ImportOptions = .init(), replace: Bool = false, start: Bool = false
        ) {
            self.source = source
            self.pool = pool
            self.namespace = namespace
            self.node = node
            self.inventory = inventory
            self.plan = plan
            self.datastores = datastores
            self.openOptions = openOptions
            self.importOptions = importOptions
            self.replace = replace
            self.start = start
        }
    }

    /// What would be done (dry run) or what was prepared before importing.
    public struct Prepared: Sendable {
        public var inspection: VMInspection
        public var node: ClusterNode
        public var hypervisor: Hypervisor
        public var definition: DomainDefinition
        public var images: [RBDSpec]
        public var secret: CephSecretIdentity
        public var notes: [String]
        /// The OVA's only disk is read in one pass, its manifest checked on the way.
        public var singlePass: Bool
    }

    public struct Outcome: Sendable {
        public var prepared: Prepared
        public var imports: [ImportResult]
        public var registration: DomainRegistrar.Registration
        /// How a running vSphere VM was brought down (nil when it was off, or is no vSphere VM).
        public var sourceNote: String?
    }

    public let cluster: RadosCluster
    public let request: Request

    public init(cluster: RadosCluster, request: Request) {
        self.cluster = cluster
        self.request = request
    }

    /// Every check that needs no copying: the dry run stops here. Runs off the cooperative
    /// pool: it reads the source's files and asks the cluster and every node. A VM on
    /// vSphere is read through the API first.
    public func prepare() async throws -> Prepared {
        var inspected: VMInspection?
        if VSphereURL.names(request.source) {
            let inspection = try await VMInspection.inspect(vsphere: request.source, options: request.openOptions)
            if let vsphere = inspection.vsphere {
                if let refusal = vsphere.refusals.first { throw InspectionError(.unusableDisk, refusal) }
                if !vsphere.isOff, request.shutdown == nil { throw Self.poweredOnRefusal(vsphere) }
            }
            inspected = inspection
        }
        return try await OffPool.run { [inspected] in try self.checkWithoutCopying(inspected: inspected) }
    }

    /// Brings a running vSphere VM down as the request says, just before its disks are
    /// copied, and checks it is off: a VM started again since `prepare` is refused here.
    /// Returns what was done, for the log and the job record (nil for other sources).
    /// - Throws: `VSphereError` `.vmPoweredOn` when it runs and no shutdown was asked,
    ///   `.timedOut` when a guest shutdown did not finish.
    public func stopSource(_ prepared: Prepared) async throws -> String? {
        guard let vsphere = prepared.inspection.vsphere else { return nil }
        let session = try await VSphereSessions.shared.session(vsphere.endpoint)
        let vm = ManagedObject(type: "VirtualMachine", value: vsphere.object)
        guard let policy = request.shutdown else {
            let state = try await session.powerState(of: vm)
            guard state == "poweredOff" else {
                var now = vsphere
                now.powerState = state
                throw Self.poweredOnRefusal(now)
            }
            return nil
        }
        return try await session.shutDown(vm, name: vsphere.url, policy: policy, timeout: request.shutdownTimeout)
    }

    private static func poweredOnRefusal(_ vsphere: VSphereVM) -> VSphereError {
        VSphereError(
            .vmPoweredOn,
            "\(vsphere.url) is \(vsphere.powerState); a cold migration copies a VM that is off: shut it down first, or pass --shutdown guest (or poweroff)")
    }

    private func checkWithoutCopying(inspected: VMInspection?) throws -> Prepared {
        // An OVA whose only disk is streamOptimized after its .ovf is imported in one pass,
        // its manifest checked during the import rather than in a reading of its own now.
        let singlePass =
            try SourceKind.of(request.source) == .ova
            && SequentialDisk.isSinglePassOVA(request.source, onlyDisk: true)
        var openOptions = request.openOptions
        if singlePass { openOptions.verifyManifest = false }
        let inspection = try inspected ?? VMInspection.inspect(
            source: request.source, datastores: request.datastores, options: openOptions)
        if let problem = inspection.disks.compactMap(\.error).first { throw InspectionError(.unusableDisk, problem) }
        let vm = inspection.vm
        let base = DomainName.sanitize(request.plan.name ?? vm.name)
        let images = inspection.disks.indices.map {
            RBDSpec(pool: request.pool, namespace: request.namespace, image: "\(base)-disk\($0)")
        }
        // A missing data pool would only show when the first image is created; say it now,
        // with nothing created, like every other refusal.
        if let dataPool = request.importOptions.image.dataPool {
            do {
                try cluster.ioContext(pool: dataPool).close()
            } catch {
                throw MigrationError(code: .invalidPlan, message: "data pool \(dataPool) cannot be used", cause: error)
            }
        }
        let secret = CephSecretIdentity(clusterFSID: try cluster.fsid(), user: cluster.configuration.userID)
        var plan = request.plan
        plan.disks = images
        plan.monitors = try cluster.monitors()
        plan.cephUser = cluster.configuration.userID
        plan.secretUUID = secret.uuid
        let definition = try DomainBuilder(plan: plan).build(for: vm)
        let decision = try Placement(inventory: request.inventory).choose(
            node: request.node, memoryMiB: vm.memoryMiB, replacing: request.replace ? definition.name : nil)
        if !request.replace, try decision.hypervisor.domain(named: definition.name) != nil {
            throw MigrationError(
                code: .domainExists,
                message: "a domain named \(definition.name) already exists on node \(decision.node.name); use --replace or another --name")
        }
        // libvirt keys domains by UUID too. VMs copied on VMware (not cloned) keep their
        // uuid.bios; say so before copying instead of failing at the define after the import.
        if let uuid = definition.uuid, let other = try decision.hypervisor.domain(uuid: uuid), other.name != definition.name {
            throw MigrationError(code: .uuidConflict, message: "node \(decision.node.name) already has domain \(other.name) with UUID \(uuid), the uuid.bios of \(vm.name) (a copied VM keeps its UUID); give the copy a new uuid.bios in its VMX, or remove \(other.name)")
        }
        return Prepared(
            inspection: inspection, node: decision.node, hypervisor: decision.hypervisor, definition: definition,
            images: images, secret: secret, notes: decision.notes + definition.notes, singlePass: singlePass)
    }

    /// Imports the disks and registers the domain.
    public func run(
        _ prepared: Prepared, report: @escaping @Sendable (Int, ImportProgress.Snapshot) -> Void = { _, _ in }
    ) async throws -> Outcome {
        let sourceNote = try await stopSource(prepared)
        let imports = try await importDisks(prepared, report: report)
        let registration = try await register(prepared)
        return Outcome(prepared: prepared, imports: imports, registration: registration, sourceNote: sourceNote)
    }

    /// Imports every disk into its image, all at once under one window (`window`, when
    /// several migrations on this host share one budget, or a window of the VM's own).
    public func importDisks(
        _ prepared: Prepared, window: ImportWindow? = nil,
        report: @escaping @Sendable (Int, ImportProgress.Snapshot) -> Void = { _, _ in }
    ) async throws -> [ImportResult] {
        let pool = try cluster.ioContext(pool: request.pool, namespace: request.namespace)
        var items: [MultiDiskImport.Item] = []
        defer { items.forEach { $0.source.close() } }
        for (disk, target) in zip(prepared.inspection.disks, prepared.images) {
            guard let source = try disk.importSource(options: request.openOptions, singlePass: prepared.singlePass)
            else { continue }
            items.append(MultiDiskImport.Item(source: source, imageName: target.image))
        }
        return try await MultiDiskImport(items: items, pool: pool, options: request.importOptions)
            .run(window: window, report: report)
    }

    /// Ensures the cephx secret on the node and defines (and, if asked, starts) the domain.
    /// Runs off the cooperative pool (libvirt calls, the keyring read).
    /// - Throws: `MigrationError.registrationFailed` saying the images are kept and how to continue.
    public func register(_ prepared: Prepared) async throws -> DomainRegistrar.Registration {
        try await OffPool.run { try self.registerNow(prepared) }
    }

    private func registerNow(_ prepared: Prepared) throws -> DomainRegistrar.Registration {
        let key = try Keyring(path: try cluster.keyringPath()).keyBytes(for: cluster.configuration.entityName)
        do {
            return try DomainRegistrar(hypervisor: prepared.hypervisor).register(
                prepared.definition, secret: prepared.secret, key: key,
                options: .init(replace: request.replace, start: request.start))
        } catch {
            let images = prepared.images.map(\.description).joined(separator: ", ")
            throw MigrationError(
                code: .registrationFailed,
                message: "disks imported to \(images), but registering \(prepared.definition.name) on \(prepared.node.name) failed",
                cause: error, remedy: "fix that and re-run with --resume (the images are reused, not copied again)")
        }
    }
}
