import Foundation
import Testing

/// The OpenAPI description (Hub/HubAPI/openapi.yaml) and the routes the hub serves
/// (Hub/HubAPI/HubRoutes.swift) cannot drift apart: every route is in the spec with its method,
/// and every operation in the spec is a route. Both files are read as text (no YAML library): the
/// spec is written with 2-space indentation, path keys at 2 spaces and method keys at 4.
@Suite struct OpenAPICoverageTests {
    /// One HTTP operation, e.g. `GET /api/v1/clusters/{name}`.
    struct HTTPOperation: Hashable, Comparable, CustomStringConvertible {
        var method: String
        var path: String
        var description: String { "\(method) \(path)" }
        static func < (a: HTTPOperation, b: HTTPOperation) -> Bool { (a.path, a.method) < (b.path, b.method) }
    }

    /// Routes deliberately left out of the spec (e.g. static files of a web UI), as "GET /path".
    static let undocumented: Set<String> = []

    static let routesFile = "Hub/HubAPI/HubRoutes.swift"
    static let specFile = "Hub/HubAPI/openapi.yaml"

    /// Tests/HubTests/OpenAPICoverageTests.swift → the repository root.
    static let repoRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent() // Tests/HubTests
        .deletingLastPathComponent() // Tests
        .deletingLastPathComponent() // repository root

    static func read(_ relativePath: String) throws -> String {
        try String(contentsOf: repoRoot.appendingPathComponent(relativePath), encoding: .utf8)
    }

    // MARK: Routes from the Swift source

    /// Every `router.get("/x")`, `api.post("/x")`… call, with the prefix of the group the
    /// receiver was made from (`let api = router.group("/api/v1")` → `/api/v1/x`).
    static func routes(inSwift source: String) throws -> [HTTPOperation] {
        // Whole-line comments could mention a route that is not served.
        let code = source.split(separator: "\n", omittingEmptySubsequences: false)
            .filter { !$0.trimmingCharacters(in: .whitespaces).hasPrefix("//") }
            .joined(separator: "\n")

        var prefixes: [String: String] = [:]
        for m in try matches(#"let\s+(\w+)\s*=\s*Router\s*\("#, in: code) { prefixes[m[1]] = "" }
        if prefixes.isEmpty { prefixes["router"] = "" }
        for m in try matches(#"let\s+(\w+)\s*=\s*(\w+)\s*\.\s*group\(\s*"([^"]*)""#, in: code) {
            guard let parent = prefixes[m[2]] else { continue }
            prefixes[m[1]] = join(parent, m[3])
        }

        var out: [HTTPOperation] = []
        for m in try matches(#"\b(\w+)\s*\.\s*(get|post|put|delete|patch|head)\(\s*"([^"]*)""#, in: code) {
            guard let prefix = prefixes[m[1]] else { continue } // e.g. queryParameters.get("limit")
            out.append(HTTPOperation(method: m[2].uppercased(), path: openAPIPath(join(prefix, m[3]))))
        }
        return out
    }

    static func join(_ prefix: String, _ path: String) -> String {
        var p = prefix
        while p.hasSuffix("/") { p.removeLast() }
        let rest = path.isEmpty ? "" : (path.hasPrefix("/") ? path : "/" + path)
        let joined = p + rest
        return joined.isEmpty ? "/" : joined
    }

    /// Hummingbird's `:name` parameters written as OpenAPI's `{name}`; no trailing slash.
    static func openAPIPath(_ path: String) -> String {
        var segments = path.split(separator: "/", omittingEmptySubsequences: false).map { s -> String in
            s.hasPrefix(":") ? "{\(s.dropFirst())}" : String(s)
        }
        while segments.count > 2, segments.last == "" { segments.removeLast() }
        return segments.joined(separator: "/")
    }

    // MARK: Operations from the spec

    struct Spec {
        var operations: [HTTPOperation: String?] = [:] // operation → operationId
        var duplicates: [String] = []
    }

    /// Path keys (`  /api/v1/clusters/{name}:`, quoted or not) and their method keys
    /// (`    get:`) in the top-level `paths:` block.
    static func operations(inYAML yaml: String) throws -> Spec {
        let pathKey = try NSRegularExpression(pattern: #"^  (["']?)(/[^"'\s]*)\1:\s*(#.*)?$"#)
        let methodKey = try NSRegularExpression(pattern: #"^    (get|put|post|delete|patch|head|options|trace):\s*(#.*)?$"#)
        let operationIdKey = try NSRegularExpression(pattern: #"^      operationId:\s*["']?([^"'\s#]+)["']?\s*(#.*)?$"#)

        var spec = Spec()
        var inPaths = false
        var path: String?
        var current: HTTPOperation?
        for raw in yaml.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = raw.hasSuffix("\r") ? String(raw.dropLast()) : String(raw)
            if let first = line.first, first != " ", first != "#" {
                // A top-level key: `paths:` opens the block, any other closes it.
                inPaths = line.hasPrefix("paths:")
                path = nil
                current = nil
                continue
            }
            guard inPaths else { continue }
            if let g = groups(pathKey, line) {
                path = g[2]
                current = nil
            } else if line.hasPrefix("  "), !line.hasPrefix("   "), !line.trimmingCharacters(in: .whitespaces).hasPrefix("#") {
                path = nil // some other key at path level
                current = nil
            } else if let path, let g = groups(methodKey, line) {
                let op = HTTPOperation(method: g[1].uppercased(), path: path)
                if spec.operations.keys.contains(op) { spec.duplicates.append(op.description) }
                spec.operations.updateValue(nil, forKey: op)
                current = op
            } else if line.hasPrefix("    "), !line.hasPrefix("     "), !line.trimmingCharacters(in: .whitespaces).hasPrefix("#") {
                current = nil // `parameters:` or another non-method key of the path
            } else if let op = current, let g = groups(operationIdKey, line) {
                spec.operations.updateValue(g[1], forKey: op)
            }
        }
        return spec
    }

    // MARK: Tests

    @Test func theSpecIsOpenAPI3() throws {
        let yaml = try Self.read(Self.specFile)
        #expect(yaml.hasPrefix("openapi: 3."), "\(Self.specFile) must start with `openapi: 3.` (an OpenAPI 3 document)")
        #expect(yaml.contains("\npaths:"), "\(Self.specFile) has no top-level `paths:` block")
    }

    @Test func everyRouteIsInTheSpec() throws {
        let routes = try Self.routes(inSwift: Self.read(Self.routesFile))
        // Guard against a parser that silently finds nothing.
        #expect(routes.count >= 10, "found only \(routes.count) routes in \(Self.routesFile); has the way routes are declared changed? Update OpenAPICoverageTests")
        #expect(routes.contains(HTTPOperation(method: "GET", path: "/healthz")), "GET /healthz not found in \(Self.routesFile)")
        #expect(routes.contains(HTTPOperation(method: "POST", path: "/api/v1/session")), "POST /api/v1/session not found in \(Self.routesFile)")

        let spec = try Self.operations(inYAML: Self.read(Self.specFile))
        for route in Set(routes).sorted() where !Self.undocumented.contains(route.description) {
            let lower = route.method.lowercased()
            #expect(spec.operations.keys.contains(route),
                    """
                    \(route) is served (\(Self.routesFile)) but not described: add it to \(Self.specFile) under `paths:` \
                    as the path key `  \(route.path):` with the method key `    \(lower):` (operationId, summary, the RBAC \
                    permission it needs, parameters, requestBody and responses)
                    """)
        }
    }

    @Test func everyOperationInTheSpecIsARoute() throws {
        let routes = Set(try Self.routes(inSwift: Self.read(Self.routesFile)))
        let spec = try Self.operations(inYAML: Self.read(Self.specFile))
        #expect(!spec.operations.isEmpty, "found no operations under `paths:` in \(Self.specFile); path keys go at 2 spaces, methods at 4")
        for op in spec.operations.keys.sorted() {
            #expect(routes.contains(op),
                    """
                    \(op) is in \(Self.specFile) but \(Self.routesFile) serves no such route: remove it from \
                    \(Self.specFile), or fix its path or method there to match the route
                    """)
        }
    }

    @Test func everyOperationHasAUniqueOperationId() throws {
        let spec = try Self.operations(inYAML: Self.read(Self.specFile))
        #expect(spec.duplicates.isEmpty, "operations listed twice in \(Self.specFile): \(spec.duplicates.joined(separator: ", "))")
        var seen: [String: HTTPOperation] = [:]
        for (op, id) in spec.operations.sorted(by: { $0.key < $1.key }) {
            guard let id else {
                Issue.record("\(op) in \(Self.specFile) has no operationId: add `      operationId: <name>` to its block")
                continue
            }
            if let other = seen[id] {
                Issue.record("operationId \(id) is used by both \(other) and \(op) in \(Self.specFile): give each operation its own")
            }
            seen[id] = op
        }
    }

    // MARK: Regex helpers

    /// Capture groups of every match of `pattern` in `text` (index 0 is the whole match; an
    /// unmatched group is "").
    static func matches(_ pattern: String, in text: String) throws -> [[String]] {
        let regex = try NSRegularExpression(pattern: pattern)
        let range = NSRange(text.startIndex..<text.endIndex, in: text)
        return regex.matches(in: text, range: range).map { captures($0, in: text) }
    }

    static func groups(_ regex: NSRegularExpression, _ line: String) -> [String]? {
        let range = NSRange(line.startIndex..<line.endIndex, in: line)
        return regex.firstMatch(in: line, range: range).map { captures($0, in: line) }
    }

    static func captures(_ match: NSTextCheckingResult, in text: String) -> [String] {
        (0..<match.numberOfRanges).map { i in
            Range(match.range(at: i), in: text).map { String(text[$0]) } ?? ""
        }
    }
}
