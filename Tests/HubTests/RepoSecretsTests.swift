import Foundation
import Testing
@testable import HubCore

/// Repository credentials at rest: sealed with a key of the hub's own, bound to their URL.
@Suite struct RepoSecretsTests {
    @Test func sealedSecretsOpenOnlyWithTheKeyAndForTheirURL() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hawser-keys-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let keyFile = dir + "/repo-credentials.key"
        let secrets = try RepoSecrets.loadOrCreate(keyFile: keyFile)
        let mode = try FileManager.default.attributesOfItem(atPath: keyFile)[.posixPermissions] as? Int
        #expect(mode == 0o600)

        let sealed = try secrets.seal(.init(password: "hunter2-token", sshPrivateKey: nil), url: "https://git.example.com/org/app")
        #expect(!String(decoding: sealed, as: UTF8.self).contains("hunter2"))
        // The same key, loaded again after a restart, opens it.
        #expect(try RepoSecrets.loadOrCreate(keyFile: keyFile).open(sealed, url: "https://git.example.com/org/app").password == "hunter2-token")
        // Copied onto another repository's row, it does not.
        #expect(throws: HubError.self) { try secrets.open(sealed, url: "https://git.example.com/org/other") }
        // Nor with another hub's key.
        #expect(throws: HubError.self) { try RepoSecrets(key: .init(size: .bits256)).open(sealed, url: "https://git.example.com/org/app") }
    }

    @Test func aDamagedKeyFileIsRefusedNotReplaced() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("hawser-key-\(UUID().uuidString)").path
        try "not a key".write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        #expect(throws: HubError.self) { try RepoSecrets.loadOrCreate(keyFile: file) }
        #expect(try String(contentsOfFile: file, encoding: .utf8) == "not a key")
    }
}
