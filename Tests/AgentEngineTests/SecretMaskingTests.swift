import AgentEngine
import HawserProtocol
import Testing

/// A Secret's values must never appear in a diff (the hub shows diffs to read-only users and
/// in the web UI), yet the comparison must still tell Synced from OutOfSync and name the key.
struct SecretMaskingTests {
    static func secret(_ data: [String: JSONValue]) -> JSONValue {
        ["apiVersion": "v1", "kind": "Secret", "metadata": ["name": "db", "namespace": "shop"], "type": "Opaque", "data": .object(data)]
    }

    @Test func aChangedSecretIsOutOfSyncWithoutShowingValues() {
        let desired = Self.secret(["password": "bmV3LXBhc3N3b3Jk", "user": "YWRtaW4="])
        var live = Self.secret(["password": "b2xkLXBhc3N3b3Jk", "user": "YWRtaW4="])
        live.set("12", at: ["metadata", "resourceVersion"])
        live.set(.object(["kubectl.kubernetes.io/last-applied-configuration": "{\"data\":{\"password\":\"b2xkLXBhc3N3b3Jk\"}}"]), at: ["metadata", "annotations"])
        let cmp = compare(desired: desired, live: live)
        #expect(cmp.status == .outOfSync)
        let text = cmp.diff + "\n" + cmp.unifiedDiff
        #expect(text.contains("password"), "\(text)")
        for secret in ["bmV3LXBhc3N3b3Jk", "b2xkLXBhc3N3b3Jk", "YWRtaW4="] { #expect(!text.contains(secret), "\(text)") }
        #expect(text.contains("++++++++"))
        #expect(!cmp.diff.contains("user"), "an unchanged key is not a difference: \(cmp.diff)")
    }

    @Test func anUnchangedSecretIsSynced() {
        let s = Self.secret(["password": "c2VjcmV0"])
        #expect(compare(desired: s, live: s).status == .synced)
        // Other kinds are not masked.
        let cm: JSONValue = ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "c"], "data": ["k": "visible"]]
        var liveCM = cm
        liveCM.set("other", at: ["data", "k"])
        #expect(compare(desired: cm, live: liveCM).diff.contains("visible"))
    }
}
