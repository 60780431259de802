import Foundation
import HawserProtocol
import HubCore
import Testing

/// The hub's disk fills up, or another process locks its database: writes fail with an error
/// that says which and what to do, nothing is half-written, and the hub carries on by itself
/// once the disk has room or the lock is gone.
@Suite(.serialized) struct StorageFaultTests {
    static let configMap = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: disk\ndata:\n  k: v\n"

    /// A small tmpfs to fill (root only); nil when it cannot be mounted.
    static func smallDisk() -> String? {
        let dir = tempDirectory("small-disk")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/mount")
        p.arguments = ["-t", "tmpfs", "-o", "size=24m", "tmpfs", dir]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        guard (try? p.run()) != nil else { return nil }
        p.waitUntilExit()
        return p.terminationStatus == 0 ? dir : nil
    }

    static func unmount(_ dir: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/umount")
        p.arguments = ["-l", dir]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try? p.run()
        p.waitUntilExit()
    }

    static func integrity(_ db: String) async throws -> String {
        try await Proc.run("python3", ["-c", "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('PRAGMA integrity_check').fetchone()[0])", db])
            .stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test func aFullDiskFailsWritesClearlyAndTheHubRecoversWhenThereIsRoomAgain() async throws {
        guard let disk = Self.smallDisk() else {
            print("StorageFaultTests.aFullDiskFailsWritesClearly skipped: needs root to mount a small tmpfs")
            return
        }
        defer { Self.unmount(disk) }
        let h = try await HubHarness.start { $0.dataDirectory = disk + "/hub" }
        defer { Task { await h.stop() } }
        let repo = try await TestRepo.create(files: ["app/cm.yaml": Self.configMap])
        _ = try await h.hub.addCluster(ClusterCreateRequest(name: "c1"))
        _ = try await h.hub.createApp(AppSpec(name: "before", repoURL: repo.path, path: "app", cluster: "c1", namespace: "default"))

        // Fill the disk.
        let filler = disk + "/filler"
        FileManager.default.createFile(atPath: filler, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: filler))
        let chunk = Data(count: 1 << 20)
        while (try? handle.write(contentsOf: chunk)) != nil {}
        let small = Data(count: 4096)
        while (try? handle.write(contentsOf: small)) != nil {}
        try? handle.close()

        do {
            _ = try await h.hub.addCluster(ClusterCreateRequest(name: "c2", labels: ["padding": String(repeating: "p", count: 60)]))
            for i in 0..<200 { _ = try await h.hub.addCluster(ClusterCreateRequest(name: "more-\(i)", labels: ["padding": String(repeating: "p", count: 60)])) }
            Issue.record("writes kept succeeding on a full disk")
        } catch {
            let message = "\(error)"
            #expect(message.contains("full") && message.contains(disk), "the error says the disk is full and where: \(message)")
        }
        // Room again: the hub writes without a restart, and the store is intact.
        try FileManager.default.removeItem(atPath: filler)
        do { _ = try await h.hub.addCluster(ClusterCreateRequest(name: "after")) } catch {
            Issue.record("the first write after space returned failed: \(error); df: \(try await Proc.run("df", ["-k", disk]).stdout)")
            throw error
        }
        _ = try await h.hub.createApp(AppSpec(name: "after", repoURL: repo.path, path: "app", cluster: "after", namespace: "default"))
        #expect(try await h.hub.app(named: "before").spec.name == "before")
        #expect(try await Self.integrity(disk + "/hub/hawser.db") == "ok")
    }

    @Test func aLockedDatabaseFailsWritesClearlyAndTheHubCarriesOnWhenItIsFree() async throws {
        let h = try await HubHarness.start()
        defer { Task { await h.stop() } }
        let db = h.dataDirectory + "/hawser.db"
        // Another process holds the write lock for eight seconds (longer than the hub waits).
        let locker = Task {
            try await Proc.run("python3", ["-c", """
                import sqlite3, sys, time
                c = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=1)
                c.execute('BEGIN EXCLUSIVE')
                time.sleep(8)
                c.execute('COMMIT')
                """, db])
        }
        try await Task.sleep(for: .seconds(1))
        do {
            _ = try await h.hub.addCluster(ClusterCreateRequest(name: "blocked"))
            Issue.record("a write went through a database locked by another process")
        } catch {
            let message = "\(error)"
            #expect(message.contains("locked") && message.contains(db), "the error says the database is locked and which: \(message)")
        }
        _ = try await locker.value
        _ = try await h.hub.addCluster(ClusterCreateRequest(name: "free"))
        #expect(try await h.hub.cluster(named: "free").name == "free")
        #expect(try await Self.integrity(db) == "ok")
    }
}
