/// RBD image feature bits (`RBD_FEATURE_*` in rbd/features.h).
public struct ImageFeatures: OptionSet, Sendable, Hashable {
    public let rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }

    public static let layering = ImageFeatures(rawValue: 1 << 0)
    public static let stripingV2 = ImageFeatures(rawValue: 1 << 1)
    public static let exclusiveLock = ImageFeatures(rawValue: 1 << 2)
    public static let objectMap = ImageFeatures(rawValue: 1 << 3)
    public static let fastDiff = ImageFeatures(rawValue: 1 << 4)
    public static let deepFlatten = ImageFeatures(rawValue: 1 << 5)
    public static let journaling = ImageFeatures(rawValue: 1 << 6)
    public static let dataPool = ImageFeatures(rawValue: 1 << 7)

    /// What `rbd create` enables on Pacific unless `rbd_default_features` says otherwise.
    public static let rbdDefault: ImageFeatures = [.layering, .exclusiveLock, .objectMap, .fastDiff, .deepFlatten]

    /// Parses the rbd CLI spelling: `layering,exclusive-lock` or a number.
    public init?(parsing text: String) {
        if let number = UInt64(text) {
            self.init(rawValue: number)
            return
        }
        var features: ImageFeatures = []
        for word in text.split(separator: ",").map({ $0.trimmingCharacters(in: " ") }) {
            guard let feature = Self.names[word] else { return nil }
            features.insert(feature)
        }
        self = features
    }

    static let names: [String: ImageFeatures] = [
        "layering": .layering, "striping": .stripingV2, "exclusive-lock": .exclusiveLock,
        "object-map": .objectMap, "fast-diff": .fastDiff, "deep-flatten": .deepFlatten,
        "journaling": .journaling, "data-pool": .dataPool,
    ]
}

extension Substring {
    fileprivate func trimmingCharacters(in set: Character) -> String {
        String(self.drop(while: { $0 == set }).reversed().drop(while: { $0 == set }).reversed())
    }
}
