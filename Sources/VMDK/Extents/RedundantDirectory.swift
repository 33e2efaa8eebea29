/// Picks the grain directory to read through when a hosted sparse file has two copies.
///
/// Both copies are read once at open, only the tables they point at. If the primary copy is
/// damaged (a pointer out of bounds, a table unreadable) and the redundant one passes every
/// check, the redundant one is used and a warning says so. If both pass but map some grain
/// differently, there is no telling which one is right, so the file is refused: reading
/// either would risk importing the wrong data without a word.
enum RedundantDirectory {
    struct Choice {
        let tables: GrainTables<UInt32>
        let warnings: [String]
    }

    static func choose(
        primary: Result<LoadedDirectory, VMDKError>, redundant: Result<LoadedDirectory, VMDKError>?, grainCount: Int,
        path: String
    ) throws(VMDKError) -> Choice {
        switch (primary, redundant) {
        case (.success(let primary), nil):
            return Choice(tables: primary.tables, warnings: [])
        case (.failure(let error), nil), (.failure(let error), .failure?):
            throw error
        case (.success(let primary), .failure(let error)?):
            return Choice(
                tables: primary.tables,
                warnings: ["\(path): the redundant grain directory is damaged and was not used: \(summary(error))"])
        case (.failure(let error), .success(let copy)?):
            return Choice(
                tables: copy.tables,
                warnings: [
                    "\(path): the grain directory is damaged (\(summary(error))); read through the redundant grain directory at \(hex(copy.offset)) instead"
                ])
        case (.success(let primary), .success(let copy)?):
            if let grain = primary.tables.firstDifference(from: copy.tables, below: grainCount) {
                let first = primary.tables.entry(grain)
                let second = copy.tables.entry(grain)
                throw VMDKError(
                    .badTable, file: path, field: "grain table entry for grain \(grain)",
                    offset: primary.tables.fileOffset(ofGrain: grain) ?? primary.offset,
                    "the grain directory at \(hex(primary.offset)) maps grain \(grain) to sector \(first) (entry at \(hex(primary.tables.fileOffset(ofGrain: grain) ?? primary.offset))), the redundant grain directory at \(hex(copy.offset)) to sector \(second) (entry at \(hex(copy.tables.fileOffset(ofGrain: grain) ?? copy.offset))): the copies disagree"
                )
            }
            return Choice(tables: primary.tables, warnings: [])
        }
    }

    /// An error's message with its field and offset, without the file name the warning
    /// already starts with.
    private static func summary(_ error: VMDKError) -> String {
        var text = error.message
        if let field = error.field { text += ", field \(field)" }
        if let offset = error.offset { text += " at offset \(hex(offset))" }
        return text
    }
}

extension GrainTables {
    /// The first grain below `grainCount` whose entry differs between the two sets of
    /// tables (an absent table counts as all zeros), or nil if they agree. Visits only
    /// tables present in either, so its cost follows the file, not the capacity.
    func firstDifference(from other: GrainTables, below grainCount: Int) -> Int? {
        let tables = Swift.max(tableCount, other.tableCount)
        for table in 0..<tables where !(isAbsent(table) && other.isAbsent(table)) {
            let first = table * entriesPerTable
            for grain in first..<Swift.min(first + entriesPerTable, grainCount) where entry(grain) != other.entry(grain) {
                return grain
            }
        }
        return nil
    }
}
