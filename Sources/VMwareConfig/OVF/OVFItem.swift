/// One RASD `Item` (or OVF 2.0 `StorageItem` / `EthernetPortItem`) of a VirtualHardwareSection:
/// a CIM resource allocation, addressed by its `InstanceID` and typed by `ResourceType`.
struct OVFItem {
    /// CIM_ResourceAllocationSettingData.ResourceType values OVF writers use.
    enum ResourceType {
        static let other = 1
        static let processor = 3
        static let memory = 4
        static let ideController = 5
        static let scsiController = 6
        static let fibreChannelHBA = 7
        static let iSCSIHBA = 8
        static let ethernet = 10
        static let otherNetwork = 11
        static let floppy = 14
        static let cdDrive = 15
        static let dvdDrive = 16
        static let disk = 17
        static let tape = 18
        static let otherStorage = 20
        static let serialPort = 21
        static let parallelPort = 22
        static let usbController = 23
        static let graphics = 24
    }

    let element: XMLTree.Element
    let instanceID: String
    let resourceType: Int
    /// `ovf:bound`: min, max or normal (nil = normal).
    let bound: String?
    /// Property elements by lowercased local name (InstanceID/InstanceId alike).
    private let properties: [String: XMLTree.Element]
    /// `vmw:Config` entries on the item.
    let config: [String: String]

    /// The CIM properties an allocation item may carry (RASD, plus the SASD and EPASD
    /// additions of OVF 2.0, plus OVF 0.9's BusNumber), lowercased.
    static let knownProperties: Set<String> = Set(
        [
            "Address", "AddressOnParent", "AllocationUnits", "AutomaticAllocation", "AutomaticDeallocation", "Caption",
            "ChangeableType", "ConfigurationName", "Connection", "ConsumerVisibility", "Description", "ElementName",
            "Generation", "HostResource", "InstanceID", "Limit", "MappingBehavior", "OtherResourceType", "Parent",
            "PoolID", "Reservation", "ResourceSubType", "ResourceType", "VirtualQuantity", "VirtualQuantityUnits",
            "Weight", "BusNumber", "Access", "HostExtentName", "HostExtentNameFormat", "HostExtentNameNamespace",
            "HostExtentStartingAddress", "HostResourceBlockSize", "OtherHostExtentNameFormat",
            "OtherHostExtentNameNamespace", "VirtualResourceBlockSize", "AllowedPriorities",
            "AllowedToReceiveMACAddresses", "AllowedToReceiveVLANs", "AllowedToTransmitMACAddresses",
            "AllowedToTransmitVLANs", "DefaultPortVID", "DefaultPriority", "DesiredVLANEndpointMode", "GroupID",
            "ManagerID", "NetworkPortProfileID", "NetworkPortProfileIDType", "OtherEndpointMode",
            "OtherNetworkPortProfileIDTypeInfo", "PortCorrelationID", "PortVID", "Promiscuous",
            "ReceiveBandwidthLimit", "ReceiveBandwidthReservation", "SourceMACFilteringEnabled", "VSITypeID",
            "VSITypeIDVersion",
        ].map { $0.lowercased() })

    /// Properties that are CIM integers; a non-number there is a broken descriptor.
    static let integerProperties = ["VirtualQuantity", "Reservation", "Limit", "Weight"]

    init(_ element: XMLTree.Element, reader: OVFReader) throws(VMwareConfigError) {
        self.element = element
        var properties: [String: XMLTree.Element] = [:]
        var config: [String: String] = [:]
        for child in element.children {
            if child.name == "Config", let key = child.attribute("key") {
                config[key] = child.attribute("value") ?? ""
                continue
            }
            let isCIM = child.namespace.map { $0.contains("cim-schema") } ?? true
            if isCIM, !Self.knownProperties.contains(child.name.lowercased()), child.isRequired {
                throw reader.error(
                    .unsupported, child,
                    "<\(child.name)> is not a resource property Ferry knows, and it is not marked ovf:required=\"false\""
                )
            }
            if properties[child.name.lowercased()] == nil {
                properties[child.name.lowercased()] = child
            }
        }
        self.properties = properties
        self.config = config
        guard let id = properties["instanceid"]?.trimmedText, !id.isEmpty else {
            throw reader.error(.missingField, element, "an Item has no InstanceID")
        }
        self.instanceID = id
        guard let typeText = properties["resourcetype"]?.trimmedText, !typeText.isEmpty else {
            throw reader.error(.missingField, element, "Item \(id) has no ResourceType")
        }
        guard let type = Int(typeText), type >= 0 else {
            throw reader.error(.invalidValue, element, "Item \(id) has ResourceType \"\(typeText)\", not a number")
        }
        self.resourceType = type
        let bound = element.attribute("bound")?.trimmingSpaces().lowercased()
        self.bound = bound == "normal" || bound?.isEmpty == true ? nil : bound
        for name in Self.integerProperties {
            _ = try integer(name, reader: reader)
        }
    }

    /// The trimmed text of a property (`"VirtualQuantity"`), nil when absent or empty.
    func text(_ name: String) -> String? {
        guard let value = properties[name.lowercased()]?.trimmedText, !value.isEmpty else { return nil }
        return value
    }

    func property(_ name: String) -> XMLTree.Element? { properties[name.lowercased()] }

    /// The display name (`ElementName`, or OVF 0.9's `Caption`).
    var displayName: String { text("ElementName") ?? text("Caption") ?? "Item \(instanceID)" }

    /// `ResourceSubType`, lowercased; may list alternatives ("buslogic, lsilogic").
    var subtypes: [String] {
        (text("ResourceSubType") ?? "").lowercased().split(whereSeparator: { $0 == "," || $0 == " " }).map(String.init)
    }

    /// A non-negative integer property, nil when absent.
    func integer(_ name: String, reader: OVFReader) throws(VMwareConfigError) -> UInt64? {
        guard let text = text(name) else { return nil }
        guard let value = UInt64(text) else {
            throw reader.error(
                .invalidValue, property(name) ?? element, "\(displayName): \(name) \"\(text)\" is not a whole number")
        }
        return value
    }
}
