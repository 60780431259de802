import Foundation
import HawserProtocol

/// Manifests from what kustomize or helm printed: the same parsing and checks as files in Git,
/// with errors naming the command's output instead of a file.
enum ToolOutput {
    static func manifests(_ output: Data, source: String) throws(RenderError) -> [Manifest] {
        let text = try DirectoryRenderer.decodeUTF8(output, file: source)
        var manifests: [Manifest] = []
        for document in try YAMLDocuments.parse(text, file: source) {
            manifests += try ManifestValidation.manifests(from: document, file: source)
        }
        return manifests
    }

}

/// Paths users write inside a repository (value files, symbolic link targets).
public enum RepositoryPath {
    /// Whether `relative`, read from directory `base` (both repository-relative), stays inside
    /// the repository: not absolute, and no `..` past the root.
    public static func staysInside(_ relative: String, base: String) -> Bool {
        guard !relative.hasPrefix("/") else { return false }
        var parts = base.split(separator: "/").map(String.init)
        for part in relative.split(separator: "/") {
            switch part {
            case ".": continue
            case "..":
                if parts.isEmpty { return false }
                parts.removeLast()
            default: parts.append(String(part))
            }
        }
        return true
    }
}

/// A directory with a `kustomization.yaml`: `kustomize build`, or `kubectl kustomize` when only
/// kubectl is installed (it embeds kustomize), as Argo CD does.
public struct KustomizeRenderer: Sendable {
    public static let markers = ["kustomization.yaml", "kustomization.yml", "Kustomization"]

    public init() {}

    /// - Parameters:
    ///   - checkout: a directory holding the repository's files at the rendered commit.
    ///   - path: the app's directory, relative to the checkout.
    public func render(checkout: String, path: String, runner: ToolRunner, home: String) async throws(RenderError) -> [Manifest] {
        let dir = path.isEmpty ? checkout : checkout + "/" + path
        try Self.refuseRemoteReferences(checkout: checkout)
        let output: Data
        if let kustomize = runner.locate("kustomize") {
            output = try await runner.run(kustomize, ["build", dir], in: checkout, home: home, what: "kustomize build \(path)", file: path)
        } else if let kubectl = runner.locate("kubectl") {
            output = try await runner.run(kubectl, ["kustomize", dir], in: checkout, home: home, what: "kubectl kustomize \(path)", file: path)
        } else {
            throw RenderError(file: path, line: nil, message: "this directory holds a kustomization, and the hub has neither kustomize nor kubectl on its PATH; install one of them where the hub runs (kubectl includes kustomize)")
        }
        return try ToolOutput.manifests(output, source: "\(path) (kustomize output)")
    }
}

extension KustomizeRenderer {
    /// Renders read the commit and nothing else: a kustomization naming a URL (a remote base,
    /// a remote resource, a chart repository) would make the hub fetch it from its own network,
    /// loopback included. Every kustomization in the checkout is read before kustomize runs.
    static func refuseRemoteReferences(checkout: String) throws(RenderError) {
        let root = URL(fileURLWithPath: checkout).standardized.path
        guard let walker = FileManager.default.enumerator(atPath: root) else { return }
        for case let relative as String in walker where markers.contains((relative as NSString).lastPathComponent) {
            guard let text = try? String(contentsOfFile: root + "/" + relative, encoding: .utf8) else { continue }
            for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let t = line.trimmingCharacters(in: .whitespaces)
                guard !t.hasPrefix("#") else { continue }
                if t.contains("://") || t.range(of: #"(^|[\s"'-])git@[^\s]+:"#, options: .regularExpression) != nil {
                    throw RenderError(file: relative, line: index + 1, message: "names a remote location (\(t)); the hub renders from the commit only: vendor the base or chart into the repository")
                }
            }
        }
    }
}

/// A directory with a `Chart.yaml`: `helm template` with the app's values, as Argo CD does.
public struct HelmRenderer: Sendable {
    public static let marker = "Chart.yaml"

    /// Helm's rule for release names: at most 53 characters, DNS-1123 labels joined by dots.
    public static func validReleaseName(_ s: String) -> Bool {
        guard !s.isEmpty, s.count <= 53 else { return false }
        return s.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { label in
            !label.isEmpty && label.first != "-" && label.last != "-"
                && label.allSatisfy { ($0.isLowercase && $0.isASCII && $0.isLetter) || ($0.isASCII && $0.isNumber) || $0 == "-" }
        }
    }

    public let options: HelmOptions
    public let releaseName: String
    public let namespace: String

    public init(options: HelmOptions?, releaseName: String, namespace: String) {
        self.options = options ?? HelmOptions()
        self.releaseName = options?.releaseName ?? releaseName
        self.namespace = namespace
    }

    public func render(checkout: String, path: String, runner: ToolRunner, home: String) async throws(RenderError) -> [Manifest] {
        guard let helm = runner.locate("helm") else {
            throw RenderError(file: path + "/Chart.yaml", line: nil, message: "this directory is a Helm chart, and the hub has no helm on its PATH; install helm 3 where the hub runs")
        }
        guard Self.validReleaseName(releaseName) else {
            throw RenderError(file: path, line: nil, message: "Helm release name \"\(releaseName)\" is invalid: use at most 53 lowercase letters, digits and '-', starting and ending with a letter or digit")
        }
        let dir = path.isEmpty ? checkout : checkout + "/" + path
        var arguments = ["template", "--namespace", namespace, "--include-crds"]
        for file in options.valueFiles ?? [] {
            guard RepositoryPath.staysInside(file, base: path) else {
                throw RenderError(file: path, line: nil, message: "values file \"\(file)\" is outside the repository; give a path relative to the chart that stays inside it")
            }
            let full = dir + "/" + file
            guard FileManager.default.fileExists(atPath: full) else {
                throw RenderError(file: path, line: nil, message: "values file \"\(file)\" does not exist in the chart's directory at this commit")
            }
            arguments += ["--values", full]
        }
        if let values = options.values, !values.isEmpty {
            let inline = home + "/inline-values.yaml"
            do { try values.write(toFile: inline, atomically: true, encoding: .utf8) } catch {
                throw RenderError(file: path, line: nil, message: "cannot write the inline values for helm: \(error)")
            }
            arguments += ["--values", inline]
        }
        for p in options.parameters ?? [] {
            arguments += [p.forceString == true ? "--set-string" : "--set", "\(p.name)=\(p.value)"]
        }
        // Positional arguments last, after `--`: nothing a user wrote is read as a flag.
        arguments += ["--", releaseName, dir]
        let output = try await runner.run(helm, arguments, in: checkout, home: home, what: "helm template \(path)", file: path)
        return try ToolOutput.manifests(output, source: "\(path) (helm template output)")
    }
}
