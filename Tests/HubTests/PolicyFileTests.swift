import Foundation
import Testing
@testable import HubCore

/// `--rbac-policy` as Kubernetes mounts it from a ConfigMap: policy.csv is a link to
/// `..data/policy.csv`, and an update swaps the `..data` link. The hub must notice, even when
/// the new file has the same size and time, or a removed grant would stay in force.
@Suite struct PolicyFileTests {
    @Test func aPolicyBehindASwappedLinkIsReadAgain() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("policy-\(UUID().uuidString.prefix(8))").path
        let fm = FileManager.default
        for v in ["v1", "v2"] { try fm.createDirectory(atPath: "\(dir)/\(v)", withIntermediateDirectories: true) }
        let before = "g, bob, role:admin\n"
        let after = "g, bob, role:other\n"   // the same length
        try before.write(toFile: "\(dir)/v1/policy.csv", atomically: true, encoding: .utf8)
        try after.write(toFile: "\(dir)/v2/policy.csv", atomically: true, encoding: .utf8)
        let time = Date(timeIntervalSince1970: 1_800_000_000)
        for v in ["v1", "v2"] { try fm.setAttributes([.modificationDate: time], ofItemAtPath: "\(dir)/\(v)/policy.csv") }
        try fm.createSymbolicLink(atPath: "\(dir)/..data", withDestinationPath: "v1")
        try fm.createSymbolicLink(atPath: "\(dir)/policy.csv", withDestinationPath: "..data/policy.csv")

        let state = RBACState(configuration: RBACConfiguration(policyFile: "\(dir)/policy.csv"))
        #expect(try await state.policyText() == before)
        try fm.removeItem(atPath: "\(dir)/..data")
        try fm.createSymbolicLink(atPath: "\(dir)/..data", withDestinationPath: "v2")
        #expect(try await state.policyText() == after)
        try? fm.removeItem(atPath: dir)
    }
}
