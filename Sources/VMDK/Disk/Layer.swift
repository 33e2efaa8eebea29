/// One VMDK image of a chain: its descriptor and its extents, concatenated.
///
/// A layer only knows its own content; where it has no data it hands the range to its
/// parent through the `ParentReader` it is given, so the chain logic stays in
/// ``VirtualDisk``.
struct Layer: Sendable {
    /// The path as shown to the user.
    let path: String
    /// Canonical path, for loop detection (nil for an OVA member).
    let canonicalPath: String?
    let createType: String
    let version: Int
    let cid: UInt32?
    let parentCID: UInt32?
    let parentFileNameHint: String?
    let database: [String: String]
    let extents: [any Extent]
    /// Start of each extent on the virtual disk, in bytes.
    let starts: [UInt64]
    let capacity: UInt64
    let warnings: [String]

    /// What each extent looks like to `ferry inspect`, placed on the virtual disk.
    var extentInfos: [ExtentInfo] {
        zip(extents, starts).map { extent, start in
            var info = extent.info
            info.offset = start
            if let access = accessOverride { info.access = access }
            return info
        }
    }
    /// The access a monolithic file's embedded descriptor declares for itself.
    var accessOverride: String? = nil

    var info: LayerInfo {
        LayerInfo(
            path: path, createType: createType, cid: cid.map(cidString), parentCID: parentCID.map(cidString),
            parentFileNameHint: parentFileNameHint, capacity: capacity, extents: extentInfos)
    }

    /// This layer's own map (its unallocated ranges are not resolved against a parent).
    func ownAllocation() throws(VMDKError) -> [AllocationRun] {
        var builder = RunBuilder()
        for (extent, start) in zip(extents, starts) {
            try extent.appendAllocation(to: &builder, base: start)
        }
        return builder.runs
    }

    /// Reads `[offset, offset + buffer.count)`; `parent` receives layer-relative offsets.
    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: UInt64, parent: ParentReader) throws(VMDKError) {
        var index = extentIndex(containing: offset)
        var done = 0
        while done < buffer.count {
            let position = offset + UInt64(done)
            let extent = extents[index]
            let start = starts[index]
            let count = Int(min(UInt64(buffer.count - done), start + extent.length - position))
            let slice = UnsafeMutableRawBufferPointer(rebasing: buffer[done..<(done + count)])
            try extent.read(into: slice, at: position - start) { (piece, pieceOffset) throws(VMDKError) in
                try parent(piece, start + pieceOffset)
            }
            done += count
            index += 1
        }
    }

    private func extentIndex(containing offset: UInt64) -> Int {
        var low = 0
        var high = starts.count - 1
        while low < high {
            let mid = (low + high + 1) / 2
            if starts[mid] <= offset { low = mid } else { high = mid - 1 }
        }
        return low
    }
}

// MARK: - Opening

/// What a layer may refer to while it is opened.
struct LayerContext {
    /// Where every file the layer names is looked up, and what it may name.
    let access: any FileAccess
    /// The file being opened: the names it writes resolve against its folder.
    var location: FileLocation
    /// Open files by location, so several extents in one file share one handle.
    var files: [String: any ReadableFile] = [:]

    /// Resolves a name the layer's file writes (`field` says where) and opens it.
    mutating func open(_ reference: String, field: String) throws(VMDKError) -> (FileLocation, RandomAccessFile) {
        let target = try access.resolve(reference, from: location, field: field)
        return (target, try open(target))
    }

    mutating func open(_ target: FileLocation) throws(VMDKError) -> RandomAccessFile {
        if let file = files[target.path] { return RandomAccessFile(file) }
        let file = try access.open(target)
        files[target.path] = file
        return RandomAccessFile(file)
    }
}

extension Layer {
    /// createTypes that describe raw device access: the data is on a LUN or a host disk,
    /// not in a file Ferry could copy.
    static let rawDeviceTypes: Set<String> = [
        "vmfsRawDeviceMap", "vmfsPassthroughRawDeviceMap", "vmfsRaw", "vmfsRDM", "vmfsRDMP",
        "fullDevice", "partitionedDevice",
    ]
    static let knownTypes: Set<String> = [
        "monolithicSparse", "monolithicFlat", "twoGbMaxExtentSparse", "twoGbMaxExtentFlat", "streamOptimized",
        "vmfs", "vmfsThin", "vmfsPreallocated", "vmfsEagerZeroedThick", "vmfsSparse", "seSparse", "custom",
    ]

    /// Opens the image in `file`: a hosted sparse file with an embedded descriptor, or a
    /// text descriptor whose extents are other files.
    static func open(_ file: RandomAccessFile, canonicalPath: String?, context: inout LayerContext) throws(VMDKError)
        -> Layer
    {
        let path = file.displayPath
        guard file.length >= 4 else {
            throw VMDKError(.truncated, file: path, "file is \(file.length) bytes long: not a VMDK")
        }
        switch try FileFormat.sniff(file) {
        case .hostedSparse:
            let headers = try HostedSparseExtent.readHeader(file)
            if headers.effective.capacity == 0, headers.effective.descriptorOffset != 0 {
                // A sparse header that only wraps a descriptor (some ESX tools write these).
                let descriptor = try readEmbeddedDescriptor(file, header: headers.effective)
                return try fromDescriptor(descriptor, file: file, canonicalPath: canonicalPath, context: &context)
            }
            return try monolithic(file, headers: headers, canonicalPath: canonicalPath)
        case .vmfsSparseDelta:
            throw VMDKError(
                .unsupported, file: path,
                "this is a vmfsSparse (COWD) snapshot delta; open its descriptor (the .vmdk without -delta) so the parent is found"
            )
        case .seSparseDelta:
            throw VMDKError(
                .unsupported, file: path,
                "this is a seSparse snapshot delta; open its descriptor (the .vmdk without -sesparse) so the parent is found"
            )
        case .text:
            break
        case .tarArchive, .unknown:
            throw VMDKError(
                .badMagic, file: path, offset: 0,
                "not a VMDK: no KDMV, COWD or seSparse magic and not a text descriptor (a -flat.vmdk is opened through its descriptor)"
            )
        }
        guard file.length <= UInt64(Descriptor.maximumSize) else {
            throw VMDKError(
                .limitExceeded, file: path,
                "text descriptor is \(file.length) bytes; more than \(Descriptor.maximumSize) is not a real descriptor")
        }
        let bytes = try file.bytes(at: 0, count: Int(file.length))
        if let firstNUL = bytes.firstIndex(of: 0), !FileFormat.isLeftoverAfterText(bytes[firstNUL...]) {
            throw VMDKError(.badDescriptor, file: path, offset: UInt64(firstNUL), "descriptor text contains NUL bytes")
        }
        let descriptor = try Descriptor.parse(bytes, file: path)
        return try fromDescriptor(descriptor, file: file, canonicalPath: canonicalPath, context: &context)
    }

    private static func readEmbeddedDescriptor(_ file: RandomAccessFile, header: SparseHeader) throws(VMDKError)
        -> Descriptor
    {
        guard header.descriptorSize <= UInt64(Descriptor.maximumSize) / Limits.sectorSize else {
            throw VMDKError(
                .limitExceeded, file: file.displayPath, field: "descriptorSize",
                offset: SparseHeader.Field.descriptorSize.rawValue,
                "embedded descriptor of \(header.descriptorSize) sectors is larger than \(Descriptor.maximumSize) bytes"
            )
        }
        guard header.descriptorOffset >= 1, header.descriptorOffset <= file.length / Limits.sectorSize else {
            throw VMDKError(
                .outOfBounds, file: file.displayPath, field: "descriptorOffset",
                offset: SparseHeader.Field.descriptorOffset.rawValue,
                "embedded descriptor at sector \(header.descriptorOffset) is outside the \(file.length)-byte file")
        }
        let start = header.descriptorOffset * Limits.sectorSize
        let bytes = try file.bytes(
            at: start, count: Int(header.descriptorSize * Limits.sectorSize), field: "embedded descriptor")
        let descriptor = try Descriptor.parse(bytes, file: file.displayPath, baseOffset: start)
        guard descriptor.hasSignature else {
            // VMware and qemu always start it with "# Disk DescriptorFile"; anything else
            // means descriptorOffset points somewhere else (oslo: "Wrong descriptor location").
            throw VMDKError(
                .badDescriptor, file: file.displayPath, field: "descriptorOffset",
                offset: SparseHeader.Field.descriptorOffset.rawValue,
                "no \"# Disk DescriptorFile\" at the embedded descriptor offset \(hex(start))")
        }
        return descriptor
    }

    /// A self-contained hosted sparse file (monolithicSparse, streamOptimized).
    private static func monolithic(
        _ file: RandomAccessFile, headers: (first: SparseHeader, effective: SparseHeader), canonicalPath: String?
    ) throws(VMDKError) -> Layer {
        let path = file.displayPath
        let compressed = headers.effective.isCompressed
        var descriptor = Descriptor()
        var warnings: [String] = []
        let template = ExtentInfo(
            access: "RW", type: "SPARSE", file: path, offset: 0, size: 0, fileOffset: nil, format: "",
            headerVersion: nil,
            grainSize: nil, compressed: false)
        let extent = try HostedSparseExtent(file: file, header: headers, template: template)
        if extent.embeddedDescriptorRange != nil {
            descriptor = try readEmbeddedDescriptor(file, header: headers.effective)
            if descriptor.cid == nil {
                throw VMDKError(.badDescriptor, file: path, field: "CID", "embedded descriptor has no CID")
            }
            // The embedded extent line describes this very file; its size must agree.
            if let line = descriptor.extents.first {
                guard descriptor.extents.count == 1, line.kind == .sparse else {
                    throw VMDKError(
                        .badDescriptor, file: path, field: "extent",
                        "embedded descriptor of a single-file sparse disk lists \(descriptor.extents.count) extents / type \(line.kind.rawValue)"
                    )
                }
                guard line.sectors == headers.effective.capacity else {
                    throw VMDKError(
                        .sizeMismatch, file: path, field: "extent",
                        "embedded descriptor says \(line.sectors) sectors, the sparse header says \(headers.effective.capacity)"
                    )
                }
            } else {
                warnings.append("\(path): embedded descriptor lists no extent")
            }
        } else {
            warnings.append(
                "\(path): sparse file has no embedded descriptor (one extent of a split disk opened alone?)")
        }
        let createType = descriptor.createType ?? (compressed ? "streamOptimized" : "monolithicSparse")
        if !["monolithicSparse", "streamOptimized", "vmfsSparse", "twoGbMaxExtentSparse"].contains(createType) {
            warnings.append("\(path): a single sparse file describes itself as createType \(createType)")
        }
        try checkParentKeys(descriptor, path: path)
        var layer = Layer(
            path: path, canonicalPath: canonicalPath, createType: createType, version: descriptor.version,
            cid: descriptor.cid, parentCID: descriptor.parentCID, parentFileNameHint: descriptor.parentFileNameHint,
            database: descriptor.database, extents: [extent], starts: [0], capacity: extent.length,
            warnings: descriptor.warnings.map { "\(path): \($0)" } + warnings + extent.warnings)
        layer.accessOverride = descriptor.extents.first?.access.rawValue
        return layer
    }

    /// A descriptor whose extents are other files (flat, split, ESXi, snapshot deltas).
    private static func fromDescriptor(
        _ descriptor: Descriptor, file: RandomAccessFile, canonicalPath: String?, context: inout LayerContext
    ) throws(VMDKError) -> Layer {
        let path = file.displayPath
        var warnings = descriptor.warnings.map { "\(path): \($0)" }
        guard let createType = descriptor.createType else {
            throw VMDKError(.badDescriptor, file: path, field: "createType", "descriptor has no createType")
        }
        if rawDeviceTypes.contains(createType) {
            throw VMDKError(
                .unsupported, file: path, field: "createType",
                "createType \"\(createType)\" is a raw device mapping: the data lives on a SAN LUN or host device, not in a file; migrate the LUN separately or convert the disk to a virtual disk first"
            )
        }
        if !knownTypes.contains(createType) {
            warnings.append("\(path): unknown createType \"\(createType)\"")
        }
        guard descriptor.cid != nil else {
            throw VMDKError(.badDescriptor, file: path, field: "CID", "descriptor has no CID")
        }
        guard !descriptor.extents.isEmpty else {
            throw VMDKError(.badDescriptor, file: path, "descriptor lists no extents")
        }
        try checkParentKeys(descriptor, path: path)

        var extents: [any Extent] = []
        var starts: [UInt64] = []
        var capacity: UInt64 = 0
        for line in descriptor.extents {
            let field = "extent line \(line.line)"
            if line.kind.isRawDevice {
                throw VMDKError(
                    .unsupported, file: path, field: field,
                    "extent type \(line.kind.rawValue) is a raw device mapping (the data is on a LUN, not in \"\(line.fileName ?? "")\"); migrate the LUN separately"
                )
            }
            if line.access == .noAccess {
                throw VMDKError(.unsupported, file: path, field: field, "NOACCESS extent cannot be read")
            }
            guard line.sectors <= Limits.maximumCapacity / Limits.sectorSize,
                capacity + line.sectors * Limits.sectorSize <= Limits.maximumCapacity
            else {
                throw VMDKError(
                    .limitExceeded, file: path, field: field,
                    "extents add up to more than \(humanBytes(Limits.maximumCapacity))")
            }
            let length = line.sectors * Limits.sectorSize
            var template = ExtentInfo(
                access: line.access.rawValue, type: line.kind.rawValue, file: nil, offset: 0, size: length,
                fileOffset: nil, format: "", headerVersion: nil, grainSize: nil, compressed: false)
            let extent: any Extent
            if line.kind == .zero {
                template.format = "zero"
                extent = ZeroExtent(length: length, info: template)
            } else {
                let (target, extentFile) = try context.open(line.fileName ?? "", field: field)
                if let canonicalPath, target.path == canonicalPath {
                    throw VMDKError(.badDescriptor, file: path, field: field, "extent refers to the descriptor itself")
                }
                template.file = target.displayPath
                extent = try openExtent(line, file: extentFile, template: template, descriptorPath: path, field: field)
            }
            starts.append(capacity)
            extents.append(extent)
            capacity += length
            warnings += extent.warnings
        }
        return Layer(
            path: path, canonicalPath: canonicalPath, createType: createType, version: descriptor.version,
            cid: descriptor.cid, parentCID: descriptor.parentCID, parentFileNameHint: descriptor.parentFileNameHint,
            database: descriptor.database, extents: extents, starts: starts, capacity: capacity, warnings: warnings)
    }

    private static func openExtent(
        _ line: ExtentDescription, file: RandomAccessFile, template: ExtentInfo, descriptorPath: String, field: String
    ) throws(VMDKError) -> any Extent {
        let length = line.sectors * Limits.sectorSize
        var template = template
        switch line.kind {
        case .flat, .vmfs:
            let offset = line.offset ?? 0
            guard offset <= file.length / Limits.sectorSize else {
                throw VMDKError(
                    .sizeMismatch, file: descriptorPath, field: field,
                    "flat extent starts at sector \(offset), past the end of the \(file.length)-byte \(file.displayPath)"
                )
            }
            let base = offset * Limits.sectorSize
            template.format = "flat"
            template.fileOffset = base
            return try FlatExtent(file: file, base: base, length: length, info: template)
        case .sparse, .vmfsSparse:
            // Both kinds may hold either header: qemu and VMware tools sniff the magic too.
            let magic = file.length >= 4 ? try file.bytes(at: 0, count: 4).le32(0) : 0
            let extent: any Extent
            let headerCapacity: UInt64
            if magic == SparseHeader.magic {
                let headers = try HostedSparseExtent.readHeader(file)
                if headers.effective.capacity == 0 {
                    throw VMDKError(
                        .badDescriptor, file: file.displayPath, field: "capacity",
                        "extent file is itself a descriptor wrapper, not data")
                }
                let sparse = try HostedSparseExtent(file: file, header: headers, template: template)
                headerCapacity = sparse.length
                extent = sparse
            } else if magic == COWDExtent.magic {
                let cowd = try COWDExtent(file: file, template: template)
                headerCapacity = cowd.length
                extent = cowd
            } else {
                throw VMDKError(
                    .badMagic, file: file.displayPath, field: "magicNumber", offset: 0,
                    "\(line.kind.rawValue) extent is neither a KDMV nor a COWD sparse file")
            }
            guard headerCapacity == length else {
                throw VMDKError(
                    .sizeMismatch, file: descriptorPath, field: field,
                    "descriptor gives \(file.displayPath) \(line.sectors) sectors but its header says \(headerCapacity / Limits.sectorSize)"
                )
            }
            return extent
        case .seSparse:
            let extent = try SESparseExtent(file: file, template: template)
            guard extent.length == length else {
                throw VMDKError(
                    .sizeMismatch, file: descriptorPath, field: field,
                    "descriptor gives \(file.displayPath) \(line.sectors) sectors but its header says \(extent.length / Limits.sectorSize)"
                )
            }
            return extent
        case .zero, .vmfsRDM, .vmfsRaw, .vmfsRDMP:
            throw VMDKError(.unsupported, file: descriptorPath, field: field, "extent type \(line.kind.rawValue)")
        }
    }

    /// A parent needs both a CID to match and a name to find it.
    private static func checkParentKeys(_ descriptor: Descriptor, path: String) throws(VMDKError) {
        switch (descriptor.parentCID, descriptor.parentFileNameHint) {
        case (nil, let hint?):
            throw VMDKError(
                .chainMismatch, file: path, field: "parentCID",
                "names a parent (\"\(hint)\") but parentCID is ffffffff (no parent)")
        case (let parent?, nil):
            throw VMDKError(
                .chainMismatch, file: path, field: "parentFileNameHint",
                "has parentCID=\(cidString(parent)) but no parentFileNameHint to find the parent")
        default:
            break
        }
    }
}
