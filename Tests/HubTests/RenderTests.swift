import Foundation
import HawserProtocol
import Testing
@testable import HubRender

private func file(_ path: String, _ text: String) -> (path: String, data: Data) {
    (path: path, data: Data(text.utf8))
}

private func renderError(_ files: [(path: String, data: Data)], under root: String = "app") -> RenderError? {
    do {
        _ = try DirectoryRenderer().render(files: files, under: root)
        return nil
    } catch {
        return error
    }
}

@Suite struct RenderTests {
    /// `<package root>/../shared/fixtures/argocd-example-apps`
    static let fixtures = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("shared/fixtures/argocd-example-apps")

    @Test func rendersArgoCDGuestbook() throws {
        let dir = Self.fixtures.appendingPathComponent("guestbook")
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.path)
        let files = try names.map { (path: "guestbook/\($0)", data: try Data(contentsOf: dir.appendingPathComponent($0))) }

        let manifests = try DirectoryRenderer().render(files: files, under: "guestbook")
        #expect(manifests.map { $0.object["kind"] } == ["Deployment", "Service"])
        #expect(manifests.map(\.source) == ["guestbook/guestbook-ui-deployment.yaml", "guestbook/guestbook-ui-svc.yaml"])
        #expect(manifests.allSatisfy { $0.line == 1 })

        let deployment = manifests[0].object
        #expect(deployment[path: ["spec", "replicas"]] == .int(1))
        #expect(deployment[path: ["metadata", "name"]] == "guestbook-ui")
        let container = deployment[path: ["spec", "template", "spec", "containers"]]?.arrayValue?.first
        #expect(container?["ports"]?.arrayValue?.first?["containerPort"] == .int(80))
        let service = manifests[1].object
        #expect(service[path: ["spec", "ports"]]?.arrayValue?.first?["port"] == .int(80))
        #expect(ResourceKey(object: service)?.description == "Service/guestbook-ui")
    }

    @Test func multiDocumentYAMLKeepsLinesAndSkipsEmptyDocuments() throws {
        let yaml = """
            # leading comment
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: one
            ---
            ---
            # only a comment
            ---
            apiVersion: v1
            kind: Secret
            metadata:
              name: two
            ...
            ---
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: three}

            """
        let manifests = try DirectoryRenderer().render(files: [file("app/all.yaml", yaml)], under: "app")
        #expect(manifests.map { $0.object[path: ["metadata", "name"]] } == ["one", "two", "three"])
        #expect(manifests.map(\.line) == [2, 10, 16])
        #expect(manifests.allSatisfy { $0.source == "app/all.yaml" })
    }

    @Test func scalarsResolveAsKubectlDoes() throws {
        let yaml = """
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: scalars
            values:
              int: 42
              negative: -7
              hex: 0x1F
              octal: 010
              underscored: 1_000
              float: 1.5
              exp: 1e3
              quotedInt: "8080"
              singleQuoted: '3'
              bool: true
              yes11: yes
              off11: Off
              quotedBool: "true"
              nullValue: null
              tilde: ~
              empty:
              taggedString: !!str 5
              taggedFloat: !!float 2
              date: 2024-01-02
              sexagesimal: 1:30
              version: 1.2.3
              block: |
                line
              1: numeric key
            """
        let manifests = try DirectoryRenderer().render(files: [file("app/s.yaml", yaml)], under: "app")
        let v = try #require(manifests.first?.object["values"])
        #expect(v["int"] == .int(42))
        #expect(v["negative"] == .int(-7))
        #expect(v["hex"] == .int(31))
        #expect(v["octal"] == .int(8))
        #expect(v["underscored"] == .int(1000))
        #expect(v["float"] == .double(1.5))
        #expect(v["exp"] == .double(1000))
        #expect(v["quotedInt"] == .string("8080"))
        #expect(v["singleQuoted"] == .string("3"))
        #expect(v["bool"] == .bool(true))
        #expect(v["yes11"] == .bool(true))
        #expect(v["off11"] == .bool(false))
        #expect(v["quotedBool"] == .string("true"))
        #expect(v["nullValue"] == .null)
        #expect(v["tilde"] == .null)
        #expect(v["empty"] == .null)
        #expect(v["taggedString"] == .string("5"))
        #expect(v["taggedFloat"] == .double(2))
        #expect(v["date"] == .string("2024-01-02"))
        #expect(v["sexagesimal"] == .string("1:30"))
        #expect(v["version"] == .string("1.2.3"))
        #expect(v["block"] == .string("line\n"))
        #expect(v["1"] == .string("numeric key"))
    }

    @Test func anchorsAndMergeKeys() throws {
        let yaml = """
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: merged
              labels: &common
                app: web
                tier: front
            data:
              <<: *common
              tier: back
            """
        let object = try #require(try DirectoryRenderer().render(files: [file("app/m.yaml", yaml)], under: "app").first?.object)
        #expect(object["data"] == ["app": "web", "tier": "back"])
    }

    @Test func refusesAliasBombs() throws {
        var yaml = "apiVersion: v1\nkind: ConfigMap\na0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
        for i in 1...9 { yaml += "a\(i): &a\(i) [" + Array(repeating: "*a\(i - 1)", count: 10).joined(separator: ", ") + "]\n" }
        let error = try #require(renderError([file("app/bomb.yaml", yaml)]))
        #expect(error.message.contains("expands to more than"))
    }

    @Test func refusesAliasesThatExpandToHugeText() throws {
        // Few nodes, many bytes: a 1 MiB string referenced 100 times is 100 MiB of JSON.
        let big = String(repeating: "x", count: 1 << 20)
        let refs = Array(repeating: "*big", count: 100).joined(separator: ", ")
        let yaml = "apiVersion: v1\nkind: ConfigMap\nbig: &big \(big)\ncopies: [\(refs)]\n"
        let error = try #require(renderError([file("app/wide.yaml", yaml)]))
        #expect(error.message.contains("MiB"), "message: \(error.message)")
    }

    @Test func expandsListsIntoItemsWithTheirLines() throws {
        let yaml = """
            apiVersion: v1
            kind: List
            items:
            - apiVersion: v1
              kind: ConfigMap
              metadata:
                name: a
            - apiVersion: v1
              kind: ConfigMap
              metadata:
                name: b
            """
        let manifests = try DirectoryRenderer().render(files: [file("app/list.yaml", yaml)], under: "app")
        #expect(manifests.map { $0.object[path: ["metadata", "name"]] } == ["a", "b"])
        #expect(manifests.map(\.line) == [4, 8])

        let badItem = renderError([file("app/list.yaml", "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  metadata: {}\n")])
        #expect(badItem?.line == 4)
        #expect(badItem?.message.contains("kind") == true)
    }

    @Test func invalidYAMLNamesFileAndLine() throws {
        let yaml = """
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: broken
            data:
              a: b: c
            """
        let error = try #require(renderError([file("app/ok.yaml", "apiVersion: v1\nkind: ConfigMap\n"), file("app/bad.yaml", yaml)]))
        #expect(error.file == "app/bad.yaml")
        #expect(error.line == 6)
        #expect(error.message.contains("mapping values are not allowed"))
        #expect(error.description.hasPrefix("app/bad.yaml:6: mapping values are not allowed"))

        let badIndent = try #require(renderError([file("app/indent.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n   bad: 1\n")]))
        #expect(badIndent.line == 5)

        let duplicate = try #require(renderError([file("app/dup.yaml", "apiVersion: v1\nkind: ConfigMap\nkind: Secret\n")]))
        #expect(duplicate.message.contains("duplicate key"))
        #expect(duplicate.line == 2)
    }

    @Test func rejectsDocumentsThatAreNotObjects() throws {
        let list = try #require(renderError([file("app/seq.yaml", "apiVersion: v1\nkind: ConfigMap\n---\n- a\n- b\n")]))
        #expect(list.line == 4)
        #expect(list.message.contains("not a mapping"))

        let scalar = try #require(renderError([file("app/scalar.yaml", "just text\n")]))
        #expect(scalar.line == 1)

        let noKind = try #require(renderError([file("app/nokind.yaml", "# c\napiVersion: v1\nmetadata:\n  name: x\n")]))
        #expect(noKind.line == 2)
        #expect(noKind.message.contains("no kind"))
        #expect(noKind.description.hasPrefix("app/nokind.yaml:2: "))

        let noAPIVersion = try #require(renderError([file("app/noapi.yaml", "kind: ConfigMap\n")]))
        #expect(noAPIVersion.message.contains("apiVersion"))

        let infinity = try #require(renderError([file("app/inf.yaml", "apiVersion: v1\nkind: X\nspec:\n  n: .inf\n")]))
        #expect(infinity.line == 4)
    }

    @Test func rendersJSONFiles() throws {
        let json = """
            {
              "apiVersion":"v1",
              "kind": "ConfigMap",
              "metadata": {"name": "from-json", "labels": {"a/b": "c"}},
              "spec": {"replicas": 3, "ratio": 0.5, "on": true, "nothing": null, "port": "80", "list": [1, "two"]}
            }
            """
        let manifests = try DirectoryRenderer().render(files: [file("app/cm.json", json)], under: "app")
        let object = try #require(manifests.first?.object)
        #expect(manifests.first?.line == 1)
        #expect(object[path: ["metadata", "labels", "a/b"]] == "c")
        #expect(object["spec"] == ["replicas": 3, "ratio": 0.5, "on": true, "nothing": nil, "port": "80", "list": [1, "two"]])

        let broken = try #require(renderError([file("app/bad.json", "{\n  \"apiVersion\": \"v1\",\n  \"kind\": \"ConfigMap\"\n  \"metadata\": {}\n}\n")]))
        #expect(broken.file == "app/bad.json")
        #expect(broken.line == 4)
    }

    @Test func selectsFilesByExtensionRootAndRecursion() throws {
        func cm(_ name: String) -> String { "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: \(name)\n" }
        let files = [
            file("app/b.yml", cm("b")),
            file("app/a.yaml", cm("a")),
            file("app/sub/c.yaml", cm("c")),
            file("app/README.md", "not yaml: ["),
            file("app/values.txt", "nope"),
            file("other/d.yaml", cm("d")),
            file("application/e.yaml", cm("e")),
            file("app/.github/workflows/ci.yaml", "on: push\n"),
            file("app/.pre-commit-config.yaml", "repos: []\n"),
        ]
        func names(_ renderer: DirectoryRenderer, _ root: String) throws -> [String] {
            try renderer.render(files: files, under: root).compactMap { $0.object[path: ["metadata", "name"]]?.stringValue }
        }
        #expect(try names(DirectoryRenderer(), "app") == ["a", "b", "c"])
        #expect(try names(DirectoryRenderer(recurse: false), "app") == ["a", "b"])
        #expect(try names(DirectoryRenderer(recurse: false), "./app/") == ["a", "b"])
        #expect(try names(DirectoryRenderer(), "") == ["a", "b", "c", "e", "d"])
        #expect(try names(DirectoryRenderer(recurse: false), ".") == [])
    }

    @Test func rejectsInvalidUTF8() throws {
        let bytes = Data("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ".utf8) + Data([0xC3, 0x28]) + Data("\n".utf8)
        let error = try #require(renderError([(path: "app/latin1.yaml", data: bytes)]))
        #expect(error.file == "app/latin1.yaml")
        #expect(error.message.contains("UTF-8"))
    }
}
