/// Small OVF 1.x descriptors for unit tests: an Envelope with the usual namespaces around
/// the given References, sections and VirtualSystem body.
enum OVFBuilder {
    static func envelope(references: String = "", sections: String = "", system: String) -> String {
        """
        <?xml version="1.0" encoding="UTF-8"?>
        <Envelope xmlns="http://schemas.dmtf.org/ovf/envelope/1" xmlns:ovf="http://schemas.dmtf.org/ovf/envelope/1" \
        xmlns:rasd="http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_ResourceAllocationSettingData" \
        xmlns:vssd="http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_VirtualSystemSettingData" \
        xmlns:vmw="http://www.vmware.com/schema/ovf">
          <References>\(references)</References>
          \(sections)
          <VirtualSystem ovf:id="vm">
            <Info>A virtual machine</Info>
            <Name>test-vm</Name>
            \(system)
          </VirtualSystem>
        </Envelope>
        """
    }

    /// A VirtualHardwareSection with CPU and memory items plus `items`.
    static func hardware(cpus: Int = 2, memory: String = "4096", units: String = "byte * 2^20", _ items: String = "")
        -> String
    {
        """
        <VirtualHardwareSection>
          <Info>Virtual hardware requirements</Info>
          <System><vssd:InstanceID>0</vssd:InstanceID><vssd:VirtualSystemType>vmx-19</vssd:VirtualSystemType></System>
          <Item><rasd:InstanceID>1</rasd:InstanceID><rasd:ResourceType>3</rasd:ResourceType><rasd:VirtualQuantity>\(cpus)</rasd:VirtualQuantity></Item>
          <Item><rasd:AllocationUnits>\(units)</rasd:AllocationUnits><rasd:InstanceID>2</rasd:InstanceID><rasd:ResourceType>4</rasd:ResourceType><rasd:VirtualQuantity>\(memory)</rasd:VirtualQuantity></Item>
          \(items)
        </VirtualHardwareSection>
        """
    }

    static func item(_ id: Int, type: Int, _ properties: [String: String], attributes: String = "") -> String {
        let body = properties.sorted { $0.key < $1.key }.map { "<rasd:\($0.key)>\($0.value)</rasd:\($0.key)>" }.joined()
        return
            "<Item\(attributes.isEmpty ? "" : " " + attributes)><rasd:InstanceID>\(id)</rasd:InstanceID><rasd:ResourceType>\(type)</rasd:ResourceType>\(body)</Item>"
    }

    static let diskSection = """
        <DiskSection><Info>Virtual disk information</Info>
          <Disk ovf:capacity="40" ovf:capacityAllocationUnits="byte * 2^30" ovf:diskId="vmdisk1" ovf:fileRef="file1" ovf:format="http://www.vmware.com/interfaces/specifications/vmdk.html#streamOptimized"/>
        </DiskSection>
        """

    static let networkSection = """
        <NetworkSection><Info>Networks</Info><Network ovf:name="VM Network"><Description>n</Description></Network></NetworkSection>
        """
}
