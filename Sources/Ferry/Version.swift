public enum FerryVersion { public static let string = "0.1.0-dev" }
