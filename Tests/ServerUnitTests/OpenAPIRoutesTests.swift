import Foundation
import HTTPTypes
import Hummingbird
import Testing
import Yams

/// openapi.yaml is what API checkers and client generators read: it must list exactly the
/// operations the server registers, no more (a documented route that answers 404) and no
/// fewer (an undocumented one).
@Suite("openapi.yaml lists exactly the routes the server registers")
struct OpenAPIRoutesTests {
    static let methods = ["get", "put", "post", "delete", "options", "head", "patch", "trace"]

    /// "METHOD /path" for every operation of the document the server serves.
    static func documented(_ text: String) throws -> Set<String> {
        let document = try #require(try Yams.load(yaml: text) as? [String: Any])
        let paths = try #require(document["paths"] as? [String: Any])
        var operations: Set<String> = []
        for (path, item) in paths {
            let item = try #require(item as? [String: Any], "\(path)")
            for key in item.keys where methods.contains(key) { operations.insert("\(key.uppercased()) \(path)") }
        }
        return operations
    }

    @Test("the served document's operations are the router's, both ways")
    func sameOperations() async throws {
        let api = try APIHarness()
        let declared = Set(api.operations.map { "\($0.method.rawValue) \($0.path)" })
        #expect(declared.count == api.operations.count, "no operation registered twice")
        let registeredPaths = Set(api.router.routes.map(\.path.description))
        // What the router has beyond the declared operations: OPTIONS everywhere, HEAD where
        // GET is, and the 405 answers; probed below to prove they are not operations.
        let extras = api.router.routes.map { (method: $0.method, path: $0.path.description) }.filter { route in
            !declared.contains("\(route.method.rawValue) \(route.path)")
        }
        try await api.run { client in
            let served = try await client.request(.get, "/openapi.yaml", as: .none)
            #expect(served.status == 200)
            let documented = try Self.documented(served.text)
            #expect(documented.count >= 10, "the document lists the API: \(documented.sorted())")
            let undocumented = declared.subtracting(documented)
            let unregistered = documented.subtracting(declared)
            #expect(undocumented.isEmpty, "registered but not in openapi.yaml: \(undocumented.sorted())")
            #expect(unregistered.isEmpty, "in openapi.yaml but not registered: \(unregistered.sorted())")
            let documentedPaths = Set(documented.map { String($0.split(separator: " ", maxSplits: 1)[1]) })
            #expect(registeredPaths == documentedPaths, "the router has no path the document lacks, and none missing")

            for route in extras {
                // HEAD runs the GET handler (router option); not sent, since GET /api/v1/events never ends.
                if route.method == .head && declared.contains("GET \(route.path)") { continue }
                let uri = route.path.replacingOccurrences(of: "{id}", with: "0123-abcd")
                let answer = try await client.request(route.method, uri)
                let expected = route.method == .options ? 204 : 405
                #expect(answer.status == expected, "\(route.method.rawValue) \(route.path) is not an operation: \(answer)")
            }
        }
    }
}
