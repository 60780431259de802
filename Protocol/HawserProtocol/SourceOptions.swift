/// How an application's directory is turned into manifests (Argo CD's `spec.source.directory`
/// and `spec.source.helm`). A directory holding a `kustomization.yaml` is built with kustomize,
/// one holding a `Chart.yaml` with `helm template`, anything else read as plain YAML/JSON.
public struct SourceOptions: Codable, Sendable, Hashable {
    public var directory: DirectoryOptions?
    public var helm: HelmOptions?

    public init(directory: DirectoryOptions? = nil, helm: HelmOptions? = nil) {
        self.directory = directory
        self.helm = helm
    }

    public var isEmpty: Bool { directory == nil && helm == nil }
}

public struct DirectoryOptions: Codable, Sendable, Hashable {
    /// Include files in subdirectories. Hawser's default is true (its first releases always
    /// recursed); Argo CD's is false.
    public var recurse: Bool?
    /// Glob over paths relative to the app's directory, e.g. `{*.yaml,*.yml}`; only matching files render.
    public var include: String?
    /// Glob over paths relative to the app's directory, e.g. `tests/*`; matching files never render.
    public var exclude: String?

    public init(recurse: Bool? = nil, include: String? = nil, exclude: String? = nil) {
        self.recurse = recurse
        self.include = include
        self.exclude = exclude
    }
}

public struct HelmOptions: Codable, Sendable, Hashable {
    /// Default: the application's name.
    public var releaseName: String?
    /// Values files relative to the chart's directory, applied in order.
    public var valueFiles: [String]?
    /// Inline values (YAML), applied after the files.
    public var values: String?
    /// `--set NAME=VALUE` parameters, applied last.
    public var parameters: [HelmParameter]?

    public init(releaseName: String? = nil, valueFiles: [String]? = nil, values: String? = nil, parameters: [HelmParameter]? = nil) {
        self.releaseName = releaseName
        self.valueFiles = valueFiles
        self.values = values
        self.parameters = parameters
    }
}

public struct HelmParameter: Codable, Sendable, Hashable {
    public var name: String
    public var value: String
    /// `--set-string` instead of `--set` (a value that must stay a string, like "true" or "0123").
    public var forceString: Bool?

    public init(name: String, value: String, forceString: Bool? = nil) {
        self.name = name
        self.value = value
        self.forceString = forceString
    }
}
