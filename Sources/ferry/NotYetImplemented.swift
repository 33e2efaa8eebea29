import Ferry

extension FerryFailure {
    /// The honest answer of a verb whose issue has not landed: an error, never a fake success.
    static func notImplemented(_ verb: String) -> FerryFailure {
        FerryFailure("\(verb): not implemented yet in this build of Ferry")
    }
}
