import AgentEngine
import Foundation
import HawserProtocol
import Testing

/// Golden tests over `testdata/health/<kind>/*.yaml`: each fixture is a live object whose
/// expected result is stated in its leading comments (`# status: …`, `# message: …`; no
/// `# message:` line means no message).
///
/// Every folder under `testdata/health` is read, so a new kind only needs a new folder named
/// after its lowercased kind; an empty folder fails, so a kind cannot lose its fixtures quietly.
struct HealthGoldenTests {
    static let testdata = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("testdata/health")

    struct Fixture: CustomTestStringConvertible, Sendable {
        var name: String
        var folder: String
        var object: JSONValue
        var status: HealthStatusCode
        var message: String?
        var testDescription: String { name }
    }

    struct FixtureError: Error, CustomStringConvertible {
        var file: String
        var problem: String
        var description: String { "\(file): \(problem)" }
    }

    /// The kind folders under `testdata/health`, sorted.
    static func folders() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: testdata.path).filter { name in
            var isDirectory: ObjCBool = false
            return FileManager.default.fileExists(atPath: testdata.appendingPathComponent(name).path, isDirectory: &isDirectory)
                && isDirectory.boolValue
        }.sorted()
    }

    static func fixtures(kind: String) throws -> [Fixture] {
        let folder = testdata.appendingPathComponent(kind)
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".yaml") }.sorted()
        return try files.map { file in
            let text = try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)
            var status: HealthStatusCode?
            var message: String?
            // Only the leading comment block states expectations.
            for line in text.split(separator: "\n") {
                guard line.hasPrefix("#") else { break }
                let comment = line.dropFirst().trimmingCharacters(in: .whitespaces)
                if comment.hasPrefix("status:") {
                    status = HealthStatusCode(rawValue: comment.dropFirst("status:".count).trimmingCharacters(in: .whitespaces))
                } else if comment.hasPrefix("message:") {
                    message = comment.dropFirst("message:".count).trimmingCharacters(in: .whitespaces)
                }
            }
            guard let status else { throw FixtureError(file: "\(kind)/\(file)", problem: "no valid `# status:` line") }
            return Fixture(name: "\(kind)/\(file)", folder: kind, object: try YAMLToJSON.parse(text), status: status, message: message)
        }
    }

    static func allFixtures() throws -> [Fixture] {
        try folders().flatMap { try fixtures(kind: $0) }
    }

    @Test(arguments: try allFixtures())
    func golden(_ fixture: Fixture) {
        let result = health(of: fixture.object)
        #expect(result.status == fixture.status)
        #expect(result.message == fixture.message)
        #expect(fixture.object["kind"]?.stringValue?.lowercased() == fixture.folder, "fixture filed under the wrong kind")
    }

    @Test func everyKindFolderHasFixtures() throws {
        let folders = try Self.folders()
        #expect(!folders.isEmpty)
        for folder in folders {
            #expect(try !Self.fixtures(kind: folder).isEmpty, "testdata/health/\(folder) has no fixtures")
        }
    }

    /// The statuses each kind can reach; its folder must reach every one of them, so that a
    /// branch cannot lose its fixture unnoticed. A kind missing here is still golden-tested.
    static let reachableStatuses: [String: Set<HealthStatusCode>] = [
        "deployment": [.healthy, .suspended, .progressing, .degraded],
        "statefulset": [.healthy, .progressing],
        "daemonset": [.healthy, .progressing],
        "replicaset": [.healthy, .progressing, .degraded],
        "pod": [.healthy, .progressing, .degraded],
        "service": [.healthy, .progressing],
        "ingress": [.healthy, .progressing],
        "persistentvolumeclaim": [.healthy, .progressing, .degraded, .unknown],
        "job": [.healthy, .suspended, .progressing, .degraded],
        "cronjob": [.healthy, .suspended, .progressing, .degraded],
        "horizontalpodautoscaler": [.healthy, .progressing, .degraded, .unknown],
        "customresourcedefinition": [.healthy, .progressing, .degraded],
        "apiservice": [.healthy, .progressing],
    ]

    @Test(arguments: reachableStatuses.keys.sorted())
    func folderCoversEveryStatus(_ kind: String) throws {
        let statuses = Set(try Self.fixtures(kind: kind).map(\.status))
        #expect(statuses == Self.reachableStatuses[kind])
    }

    @Test func missingObjectIsMissing() {
        #expect(health(of: nil).status == .missing)
    }

    @Test func kindsWithoutTheirOwnFileAreHealthyWhenPresent() {
        let configMap: JSONValue = ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "c"]]
        #expect(health(of: configMap) == HealthResult(status: .healthy))
    }

    @Test func pendingDeletionComesBeforeTheKindsOwnCheck() {
        let pod: JSONValue = [
            "apiVersion": "v1", "kind": "Pod",
            "metadata": ["name": "p", "deletionTimestamp": "2025-01-02T03:04:05Z"],
            "status": ["phase": "Failed"],
        ]
        #expect(health(of: pod) == HealthResult(status: .progressing, message: "Pending deletion"))
    }

    @Test func integersSurviveYAMLConversion() throws {
        let value = try YAMLToJSON.parse("a: 3\nb: 3.5\nc: \"3\"\nd: 25%\ne: true\nf: null\nt: 2025-01-02T03:04:05Z\n")
        #expect(value == ["a": 3, "b": 3.5, "c": "3", "d": "25%", "e": true, "f": nil, "t": "2025-01-02T03:04:05Z"])
    }
}
