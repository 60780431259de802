import Foundation
import HawserProtocol
import SeededRandom
import Testing
@testable import HubRender

/// Property-based fuzzing of the manifest parser: mutated YAML and JSON (Argo CD's guestbook
/// shapes, multi-document files, anchors, flow style) must render or fail with a `RenderError`
/// naming the file — never crash or hang. Seeded, so a failure reproduces.
@Suite struct ManifestFuzzTests {
    static let seeds: [String] = [
        """
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: guestbook-ui
          labels: {app: guestbook-ui}
        spec:
          replicas: 1
          revisionHistoryLimit: 3
          selector:
            matchLabels:
              app: guestbook-ui
          template:
            metadata:
              labels:
                app: guestbook-ui
            spec:
              containers:
              - image: gcr.io/heptio-images/ks-guestbook-demo:0.2
                name: guestbook-ui
                ports:
                - containerPort: 80
        """,
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: guestbook-ui\nspec:\n  ports:\n  - port: 80\n    targetPort: 80\n  selector:\n    app: guestbook-ui\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata:\n  a: &x \"1\"\n  b: *x\n",
        #"{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "j", "namespace": "n"}, "data": {"k": "v\u00e9", "n": "12"}}"#,
        "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: l1\n- {apiVersion: v1, kind: Secret, metadata: {name: s}, stringData: {p: 'x: y'}}\n",
    ]

    static let interesting: [UInt8] = Array("-:{}[]&*!|>'\"#%@`,?\n\t ~0.e".utf8) + [0x00, 0xC3, 0xFF, 0xEF, 0xBB, 0xBF]

    /// Async, yielding every 100 inputs, so the suites running beside it keep their threads.
    @Test func theParserSurvives100000MutatedManifests() async throws {
        var rng = SplitMix64(seed: 0x59414D4C)  // "YAML"
        var rendered = 0, refused = 0
        for iteration in 0..<100_000 {
            if iteration % 100 == 0 { await Task.yield() }
            var bytes = Array(Self.seeds.randomElement(using: &rng)!.utf8)
            for _ in 0..<Int.random(in: 1...6, using: &rng) {
                let at = bytes.isEmpty ? 0 : Int.random(in: 0..<bytes.count, using: &rng)
                switch Int.random(in: 0..<6, using: &rng) {
                case 0 where !bytes.isEmpty: bytes[at] = Self.interesting.randomElement(using: &rng)!
                case 1: bytes.insert(Self.interesting.randomElement(using: &rng)!, at: at)
                case 2 where !bytes.isEmpty: bytes.remove(at: at)
                case 3 where !bytes.isEmpty:
                    let end = min(bytes.count, at + Int.random(in: 1...40, using: &rng))
                    bytes.insert(contentsOf: bytes[at..<end], at: at)
                case 4: bytes = Array(bytes.prefix(at))
                default: bytes.insert(contentsOf: Array("\n  ".utf8), at: at)
                }
            }
            do {
                _ = try DirectoryRenderer().render(files: [(path: "app/m.yaml", data: Data(bytes))], under: "app")
                rendered += 1
            } catch {
                // Typed throws: `error` is a RenderError.
                guard error.file == "app/m.yaml" else {
                    Issue.record("input \(iteration): the error names \(error.file), not the file\n\(String(decoding: bytes, as: UTF8.self))")
                    return
                }
                refused += 1
            }
        }
        #expect(rendered > 1_000 && refused > 1_000, "rendered \(rendered), refused \(refused)")
    }
}
