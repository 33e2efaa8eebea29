import Ceph
import FerryBasics
import Foundation
import VSphere
import Yams

/// A wave of VMs to migrate, as an admin writes it in YAML:
///
/// ```yaml
/// name: wave-1
/// defaults:
///   pool: rbd                      # POOL or POOL/NAMESPACE
///   networks: {"VM Network": "bridge:br0"}
///   start: false
/// vms:
///   - source: /exports/web01/web01.vmx
///     priority: 80
///   - source: /exports/db01.ova
///     name: db01
///     node: kvm2
///     start: true
/// ```
///
/// Every key of `defaults` may be overridden per VM. Relative sources are resolved against
/// the plan file's folder (or `base:`, for plans sent over the API).
public struct MigrationPlan: Sendable, Hashable {
    /// Settings a VM entry or the defaults may give; nil means "not said here".
    public struct Settings: Codable, Sendable, Hashable {
        public var pool: String?
        public var node: String?
        public var networks: [String: String]?
        public var defaultNetwork: String?
        public var keepBus: Bool?
        public var start: Bool?
        public var priority: Int?
        public var domainType: String?
        public var maxAttempts: Int?
        /// RBD object size in bytes for the VM's images (a power of two, 4 KiB … 32 MiB); the
        /// pool's default when absent.
        public var objectSize: UInt64?
        /// A separate (e.g. erasure-coded) pool for the images' data objects.
        public var dataPool: String?
        /// For a running vSphere VM: `guest` or `poweroff` (see `ferry migrate --shutdown`).
        public var shutdown: ShutdownPolicy?

        enum CodingKeys: String, CodingKey {
            case pool, node, networks, priority, start, shutdown
            case defaultNetwork = "default_network", keepBus = "keep_bus", domainType = "domain_type"
            case maxAttempts = "max_attempts", objectSize = "object_size", dataPool = "data_pool"
        }

        public init() {}

        /// This entry's settings, with `defaults` filling what it leaves out.
        func over(_ defaults: Settings) -> Settings {
            var merged = self
            merged.pool = pool ?? defaults.pool
            merged.node = node ?? defaults.node
            // Networks merge key by key: a VM adds to or overrides the wave's map.
            merged.networks = (defaults.networks ?? [:]).merging(networks ?? [:]) { _, own in own }
            merged.defaultNetwork = defaultNetwork ?? defaults.defaultNetwork
            merged.keepBus = keepBus ?? defaults.keepBus
            merged.start = start ?? defaults.start
            merged.priority = priority ?? defaults.priority
            merged.domainType = domainType ?? defaults.domainType
            merged.maxAttempts = maxAttempts ?? defaults.maxAttempts
            merged.objectSize = objectSize ?? defaults.objectSize
            merged.dataPool = dataPool ?? defaults.dataPool
            merged.shutdown = shutdown ?? defaults.shutdown
            return merged
        }
    }

    /// One VM of the plan.
    public struct Entry: Sendable, Hashable {
        public var source: String
        public var name: String?
        public var settings: Settings
    }

    public var name: String
    public var defaults: Settings
    public var vms: [Entry]
    /// The folder relative sources are resolved against.
    public var base: String?

    /// Parses a plan.
    /// - Parameters:
    ///   - source: the file name (for messages, the default plan name and relative paths), or
    ///     e.g. "plan from API" with no folder.
    /// - Throws: `PlanError` naming the field, for malformed YAML, unknown keys, a VM without
    ///   a source or pool, a bad network target or domain type.
    public init(yaml text: String, source: String) throws(PlanError) {
        struct RawEntry: Decodable {
            var source: String
            var name: String?
            var settings: Settings
            enum CodingKeys: String, CodingKey { case source, name }
            init(from decoder: any Decoder) throws {
                let container = try decoder.container(keyedBy: CodingKeys.self)
                source = try container.decode(String.self, forKey: .source)
                name = try container.decodeIfPresent(String.self, forKey: .name)
                settings = try Settings(from: decoder)
                try RawPlan.refuseUnknownKeys(decoder, known: ["source", "name"] + Settings.allKeys)
            }
        }
        struct RawPlan: Decodable {
            var name: String?
            var base: String?
            var defaults: Settings?
            var vms: [RawEntry]
            enum CodingKeys: String, CodingKey { case name, base, defaults, vms }
            init(from decoder: any Decoder) throws {
                let container = try decoder.container(keyedBy: CodingKeys.self)
                name = try container.decodeIfPresent(String.self, forKey: .name)
                base = try container.decodeIfPresent(String.self, forKey: .base)
                defaults = try container.decodeIfPresent(Settings.self, forKey: .defaults)
                vms = try container.decode([RawEntry].self, forKey: .vms)
                try Self.refuseUnknownKeys(decoder, known: ["name", "base", "defaults", "vms"])
                if defaults != nil {
                    let nested = try container.superDecoder(forKey: .defaults)
                    try Self.refuseUnknownKeys(nested, known: Settings.allKeys)
                }
            }
            /// A misspelt key ("keepbus") silently ignored would migrate with the wrong settings.
            static func refuseUnknownKeys(_ decoder: any Decoder, known: [String]) throws {
                let container = try decoder.container(keyedBy: AnyKey.self)
                for key in container.allKeys where !known.contains(key.stringValue) {
                    throw DecodingError.dataCorrupted(
                        .init(codingPath: decoder.codingPath + [key], debugDescription: "unknown key \"\(key.stringValue)\" (known: \(known.joined(separator: ", ")))"))
                }
            }
        }
        let raw: RawPlan
        do {
            raw = try YAMLDecoder().decode(RawPlan.self, from: text)
        } catch {
            throw PlanError(source: source, message: DecodingErrorText.describe(error))
        }
        name = raw.name ?? URL(fileURLWithPath: source).deletingPathExtension().lastPathComponent
        defaults = raw.defaults ?? Settings()
        vms = raw.vms.map { Entry(source: $0.source, name: $0.name, settings: $0.settings) }
        base = raw.base ?? (source.hasPrefix("/") ? URL(fileURLWithPath: source).deletingLastPathComponent().path : nil)
        guard !vms.isEmpty else { throw PlanError(source: source, message: "the plan lists no VMs under \"vms\"") }
        for (index, entry) in vms.enumerated() {
            let settings = entry.settings.over(defaults)
            let field = "vms[\(index)] (\(entry.source))"
            guard let pool = settings.pool, !pool.isEmpty else {
                throw PlanError(source: source, message: "\(field): no pool (set \"pool\" here or under \"defaults\")")
            }
            guard RBDPoolSpec(parsing: pool) != nil else {
                throw PlanError(source: source, message: "\(field): pool \"\(pool)\" is not POOL or POOL/NAMESPACE")
            }
            // The assembly jobs use, so a plan that parses here builds its domains there.
            let domain = DomainSettings(
                networks: settings.networks ?? [:], defaultNetwork: settings.defaultNetwork,
                domainType: settings.domainType ?? "kvm")
            do {
                _ = try domain.domainPlan()
            } catch {
                let problem = switch error.setting {
                case .network(let network):
                    "network \"\(network)\" maps to \"\(error.value)\", not bridge:NAME, network:NAME or ovs:BRIDGE"
                case .defaultNetwork: "default_network \"\(error.value)\" is not bridge:NAME, network:NAME or ovs:BRIDGE"
                case .domainType: "domain_type \"\(error.value)\" is not kvm or qemu"
                }
                throw PlanError(source: source, message: "\(field): \(problem)")
            }
            if let attempts = settings.maxAttempts, !(1...20).contains(attempts) {
                throw PlanError(source: source, message: "\(field): max_attempts must be 1…20, not \(attempts)")
            }
            if let bytes = settings.objectSize, ImageCreateOptions.order(forObjectSize: bytes) == nil {
                throw PlanError(source: source, message: "\(field): object_size must be a power of two from 4096 to 33554432 bytes, not \(bytes)")
            }
            if let dataPool = settings.dataPool, dataPool.isEmpty || dataPool.contains("/") {
                throw PlanError(source: source, message: "\(field): data_pool \"\(dataPool)\" is not a pool name")
            }
        }
    }

    /// Reads and parses a plan file.
    /// - Throws: `PlanError`, for an unreadable file in the errno's words ("No such file or
    ///   directory (ENOENT)").
    public init(contentsOf path: String) throws(PlanError) {
        let text: String?
        do throws(WholeFile.Failure) {
            text = try WholeFile.utf8Text(path)
        } catch {
            throw PlanError(source: path, message: "cannot read the plan: \(error)")
        }
        guard let text else { throw PlanError(source: path, message: "cannot read the plan: not UTF-8 text") }
        let absolute = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        try self.init(yaml: text, source: URL(fileURLWithPath: absolute).standardized.path)
    }

    /// The absolute path of an entry's source.
    public func resolvedSource(_ entry: Entry) -> String {
        if entry.source.hasPrefix("/") { return URL(fileURLWithPath: entry.source).standardized.path }
        // Left relative: the caller refuses it rather than guessing a folder.
        guard let base else { return entry.source }
        return URL(fileURLWithPath: base).appendingPathComponent(entry.source).standardized.path
    }
}

extension MigrationPlan.Settings {
    static let allKeys = [
        "pool", "node", "networks", "default_network", "keep_bus", "start", "priority", "domain_type", "max_attempts",
        "object_size", "data_pool", "shutdown",
    ]
}

/// A coding key for listing whatever keys a mapping holds.
struct AnyKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

/// A plan that cannot be used, with the file and the field.
public struct PlanError: ReportableError, Sendable {
    public var source: String
    public var message: String

    public init(source: String, message: String) {
        self.source = source
        self.message = message
    }

    public var description: String { "\(source): \(message)" }
}
