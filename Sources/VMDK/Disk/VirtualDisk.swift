#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A VMware virtual disk opened for reading: one VMDK in any of its forms, with its
/// snapshot chain resolved, or a disk read in place from an OVA.
///
/// Immutable after `open`, so one instance can be read from many threads at once.
public final class VirtualDisk: DiskReader, Sendable {
    public let info: DiskInfo
    public let capacity: UInt64
    /// Child first, base last.
    let layers: [Layer]
    private let map: [AllocationRun]
    private let files: [any ReadableFile]

    /// Opens `path`: a descriptor, a sparse/streamOptimized file, or an OVA (whose first
    /// disk is opened). Follows `parentFileNameHint` through the snapshot chain, checking
    /// every parent's CID. Throws ``VMDKError`` for anything malformed or unsafe.
    public static func open(_ path: String, options: OpenOptions = .init()) throws(VMDKError) -> VirtualDisk {
        try open(path, access: LocalFiles(allowedRoots: options.allowedRoots), options: options)
    }

    /// Opens `path` as `access` reaches it (and every file the disk names, confined as
    /// `access` allows); otherwise like ``open(_:options:)``.
    public static func open(_ path: String, access: any FileAccess, options: OpenOptions = .init()) throws(VMDKError)
        -> VirtualDisk
    {
        let location = try access.locate(path)
        let file = RandomAccessFile(try access.open(location))
        if try FileFormat.sniff(file) == .tarArchive {
            return try open(package: OVAPackage(file: file), member: nil, options: options)
        }
        var context = LayerContext(access: access, location: location)
        context.files[location.path] = file.file
        let top = try Layer.open(file, canonicalPath: location.path, context: &context)
        return try assemble(top: top, context: &context, options: options, archive: nil)
    }

    /// Opens the disk `member` of the OVA at `ova` in place (no extraction). `member` is
    /// the file name the OVF references (for a chunked disk, the name without the
    /// `.000000000` suffix); nil picks the first disk.
    public static func open(
        ova: String, member: String?, access: (any FileAccess)? = nil, options: OpenOptions = .init()
    ) throws(VMDKError) -> VirtualDisk {
        try open(package: OVAPackage.open(ova, access: access ?? LocalFiles()), member: member, options: options)
    }

    private static func open(package: OVAPackage, member: String?, options: OpenOptions) throws(VMDKError)
        -> VirtualDisk
    {
        let disk = try package.disk(named: member)
        var warnings = package.warnings
        let manifestStatus =
            try options.verifyManifest
            ? package.verify(members: disk.members + (package.descriptorMember.map { [$0] } ?? []), warnings: &warnings)
            : "not verified (verification disabled)"
        var context = LayerContext(
            access: ArchiveFiles(package: package),
            location: FileLocation(path: disk.members[0], displayPath: disk.source.displayPath))
        let top = try Layer.open(disk.source, canonicalPath: nil, context: &context)
        if let hint = top.parentFileNameHint {
            throw VMDKError(
                .unsupported, file: disk.source.displayPath, field: "parentFileNameHint",
                "a disk inside an OVA refers to a parent (\"\(hint)\"); OVA disks must be self-contained")
        }
        let archive = ArchiveInfo(path: package.path, members: disk.members, manifest: manifestStatus)
        context.files[package.path] = package.file.file
        return try assemble(top: top, context: &context, options: options, archive: archive, extraWarnings: warnings)
    }

    private static func assemble(
        top: Layer, context: inout LayerContext, options: OpenOptions, archive: ArchiveInfo?,
        extraWarnings: [String] = []
    ) throws(VMDKError) -> VirtualDisk {
        var extraWarnings = extraWarnings
        var layers = [top]
        var seen: Set<String> = top.canonicalPath.map { [$0] } ?? []
        while let hint = layers[layers.count - 1].parentFileNameHint {
            let child = layers[layers.count - 1]
            guard layers.count < options.maximumChainDepth else {
                throw VMDKError(
                    .chainTooDeep, file: top.path,
                    "snapshot chain is deeper than \(options.maximumChainDepth) layers")
            }
            guard let childPath = child.canonicalPath else {
                throw VMDKError(
                    .unsupported, file: child.path, field: "parentFileNameHint", "parent of an archived disk")
            }
            let (parentLocation, note) = try resolveParent(
                hint, child: child, from: FileLocation(path: childPath, displayPath: child.path), access: context.access)
            let parentPath = parentLocation.path
            if let note { extraWarnings.append(note) }
            if seen.contains(parentPath) {
                throw VMDKError(
                    .chainLoop, file: child.path, field: "parentFileNameHint",
                    "parent \"\(hint)\" (\(parentPath)) is already part of this chain: the chain loops")
            }
            seen.insert(parentPath)
            var parentContext = LayerContext(access: context.access, location: parentLocation, files: context.files)
            let parentFile = try parentContext.open(parentLocation)
            let parent = try Layer.open(parentFile, canonicalPath: parentPath, context: &parentContext)
            context.files.merge(parentContext.files) { first, _ in first }
            guard parent.cid == child.parentCID else {
                // qemu only notices this on the first read (EINVAL), after opening "fine".
                throw VMDKError(
                    .chainMismatch, file: child.path, field: "parentCID",
                    "parentCID=\(child.parentCID.map(cidString) ?? "none") but its parent \(parent.path) has CID=\(parent.cid.map(cidString) ?? "none"): the parent was modified or is the wrong file"
                )
            }
            guard parent.capacity == child.capacity else {
                throw VMDKError(
                    .chainMismatch, file: child.path,
                    "capacity \(child.capacity) differs from its parent \(parent.path) (\(parent.capacity))")
            }
            layers.append(parent)
        }

        var map = try layers[layers.count - 1].ownAllocation()
        for layer in layers.dropLast().reversed() {
            map = overlay(try layer.ownAllocation(), on: map)
        }
        let info = makeInfo(layers: layers, map: map, archive: archive, warnings: extraWarnings)
        return VirtualDisk(info: info, layers: layers, map: map, files: Array(context.files.values))
    }

    /// Resolves a parentFileNameHint. Hints written on the source host are often absolute
    /// (`/vmfs/volumes/<uuid>/vm/base.vmdk` on ESXi, `C:\VMs\base.vmdk` on Workstation) and
    /// do not exist once the folder was copied; then a file of the same name next to the
    /// child is used, with a warning. The CID check that follows still has to pass, and a
    /// hint that exists but lies outside the allowed folders is never replaced.
    private static func resolveParent(_ hint: String, child: Layer, from childLocation: FileLocation, access: any FileAccess)
        throws(VMDKError) -> (location: FileLocation, note: String?)
    {
        let isWindowsPath = hint.contains("\\") || (hint.count > 2 && hint.dropFirst().hasPrefix(":"))
        if !isWindowsPath {
            do throws(VMDKError) {
                return (try access.resolve(hint, from: childLocation, field: "parentFileNameHint"), nil)
            } catch where error.code == .notFound && hint.hasPrefix("/") {
                // Fall through to the same name next to the child.
            }
        }
        let name = String(hint.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last ?? Substring(hint))
        let location = try access.resolve(name, from: childLocation, field: "parentFileNameHint")
        return (
            location,
            "\(child.path): parent \"\(hint)\" is not reachable as written; using \(location.path) from the same folder"
        )
    }

    private init(info: DiskInfo, layers: [Layer], map: [AllocationRun], files: [any ReadableFile]) {
        self.info = info
        self.capacity = layers[0].capacity
        self.layers = layers
        self.map = map
        self.files = files
    }

    public func allocationMap() throws(VMDKError) -> [AllocationRun] { map }

    public func read(into buffer: UnsafeMutableRawBufferPointer, at offset: UInt64) throws(VMDKError) {
        guard offset <= capacity, UInt64(buffer.count) <= capacity - offset else {
            throw VMDKError(
                .invalidArgument, file: info.path, offset: offset,
                "read of \(buffer.count) bytes at \(offset) passes the end of the \(capacity)-byte disk")
        }
        try read(layer: 0, into: buffer, at: offset)
    }

    private func read(layer index: Int, into buffer: UnsafeMutableRawBufferPointer, at offset: UInt64) throws(VMDKError)
    {
        guard index < layers.count else {
            buffer.initializeMemory(as: UInt8.self, repeating: 0)
            return
        }
        try layers[index].read(into: buffer, at: offset) { (piece, pieceOffset) throws(VMDKError) in
            try self.read(layer: index + 1, into: piece, at: pieceOffset)
        }
    }

    /// Closes every file of the disk. Idempotent; reads afterwards throw `.closed`. Must
    /// not be called while other threads are still reading.
    public func close() {
        for file in files { file.close() }
    }

    private static func makeInfo(layers: [Layer], map: [AllocationRun], archive: ArchiveInfo?, warnings: [String])
        -> DiskInfo
    {
        let top = layers[0]
        var totals: [AllocationKind: UInt64] = [:]
        for run in map { totals[run.kind, default: 0] += run.length }
        let database = top.database
        var geometry: DiskInfo.Geometry?
        if let cylinders = database["geometry.cylinders"].flatMap({ UInt64($0) }),
            let heads = database["geometry.heads"].flatMap({ UInt64($0) }),
            let sectors = database["geometry.sectors"].flatMap({ UInt64($0) })
        {
            geometry = DiskInfo.Geometry(cylinders: cylinders, heads: heads, sectors: sectors)
        }
        return DiskInfo(
            path: top.path, format: archive == nil ? "vmdk" : "ova", createType: top.createType, capacity: top.capacity,
            version: top.version, cid: top.cid.map(cidString), parentCID: top.parentCID.map(cidString),
            adapterType: database["adapterType"], geometry: geometry, uuid: database["uuid"],
            longContentID: database["longContentID"], virtualHardwareVersion: database["virtualHWVersion"],
            thinProvisioned: database["thinProvisioned"].map { $0 == "1" || $0.lowercased() == "true" },
            extents: top.extentInfos, chain: layers.map(\.info), warnings: warnings + layers.flatMap(\.warnings),
            allocatedBytes: totals[.data, default: 0], zeroBytes: totals[.zero, default: 0],
            unallocatedBytes: totals[.unallocated, default: 0], archive: archive)
    }
}
