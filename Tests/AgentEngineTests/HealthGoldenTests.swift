import AgentEngine
import Foundation
import HawserProtocol
import Testing

/// Golden tests over `testdata/health/<kind>/*.yaml`: each fixture is a live object whose
/// expected result is stated in leading comments (`# status: …`, `# message: …`).
struct HealthGoldenTests {
    static let testdata = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("testdata/health")

    struct Fixture: CustomTestStringConvertible, Sendable {
        var name: String
        var object: JSONValue
        var status: HealthStatusCode
        var message: String?
        var testDescription: String { name }
    }

    static func fixtures(kind: String) throws -> [Fixture] {
        let folder = testdata.appendingPathComponent(kind)
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".yaml") }.sorted()
        return try files.map { file in
            let text = try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)
            var status: HealthStatusCode?
            var message: String?
            for line in text.split(separator: "\n") where line.hasPrefix("#") {
                let comment = line.dropFirst().trimmingCharacters(in: .whitespaces)
                if comment.hasPrefix("status:") {
                    status = HealthStatusCode(rawValue: comment.dropFirst("status:".count).trimmingCharacters(in: .whitespaces))
                } else if comment.hasPrefix("message:") {
                    message = comment.dropFirst("message:".count).trimmingCharacters(in: .whitespaces)
                }
            }
            guard let status else { throw FixtureError(file: file, problem: "no valid `# status:` line") }
            return Fixture(name: "\(kind)/\(file)", object: try YAMLToJSON.parse(text), status: status, message: message)
        }
    }

    struct FixtureError: Error, CustomStringConvertible {
        var file: String
        var problem: String
        var description: String { "\(file): \(problem)" }
    }

    @Test(arguments: try fixtures(kind: "deployment"))
    func deployment(_ fixture: Fixture) {
        let result = health(of: fixture.object)
        #expect(result.status == fixture.status)
        #expect(result.message == fixture.message)
    }

    @Test func deploymentFolderCoversEveryBranch() throws {
        let statuses = Set(try Self.fixtures(kind: "deployment").map(\.status))
        #expect(statuses == [.healthy, .suspended, .progressing, .degraded])
    }

    @Test func missingObjectIsMissing() {
        #expect(health(of: nil).status == .missing)
    }

    @Test func kindsWithoutTheirOwnFileAreHealthyWhenPresent() {
        let configMap: JSONValue = ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "c"]]
        #expect(health(of: configMap) == HealthResult(status: .healthy))
    }

    @Test func integersSurviveYAMLConversion() throws {
        let value = try YAMLToJSON.parse("a: 3\nb: 3.5\nc: \"3\"\nd: 25%\ne: true\nf: null\nt: 2025-01-02T03:04:05Z\n")
        #expect(value == ["a": 3, "b": 3.5, "c": "3", "d": "25%", "e": true, "f": nil, "t": "2025-01-02T03:04:05Z"])
    }
}
