import Foundation

// MARK: Declarative configuration (`hawser apply`, `hawser export`, config repositories)

/// One problem with a declarative file, where it is: `apps/web.yaml:14: spec.source.plugin:
/// config management plugins are not supported…`. Errors stop the whole set of files (a
/// config repository's commit) from being applied; warnings (a field Hawser does not support
/// and ignores) are reported with what was applied.
public struct ConfigDiagnostic: Codable, Sendable, Hashable, CustomStringConvertible {
    public var file: String
    public var line: Int?
    /// The field's path in the document, e.g. `spec.destination.name`; nil for the document.
    public var field: String?
    public var message: String

    public init(file: String, line: Int?, field: String?, message: String) {
        self.file = file
        self.line = line
        self.field = field
        self.message = message
    }

    public var description: String {
        "\(file)\(line.map { ":\($0)" } ?? ""): " + (field.map { "\($0): " } ?? "") + message
    }
}

/// Which config repository, and which file in it, an application or project comes from. The
/// API refuses changes to such objects: Git is where they change.
public struct ManagedBy: Codable, Sendable, Hashable {
    /// The config repository's name (`hawser config-repo list`).
    public var configRepo: String
    public var repoURL: String
    /// The file, relative to the repository root.
    public var file: String
    /// Argo CD's resources finalizer was on the app: removing it from Git deletes what it deployed.
    public var deletesResources: Bool
    /// `Prune=false`: removing it from Git leaves it in place (released, no longer managed).
    public var pruneDisabled: Bool

    public init(configRepo: String, repoURL: String, file: String, deletesResources: Bool = false, pruneDisabled: Bool = false) {
        self.configRepo = configRepo
        self.repoURL = repoURL
        self.file = file
        self.deletesResources = deletesResources
        self.pruneDisabled = pruneDisabled
    }

    /// "config repository platform (https://git.example.com/platform.git, file apps/web.yaml)"
    public var description: String { "config repository \(configRepo) (\(repoURL), file \(file))" }
}

/// `POST /api/v1/apply`: the files of `hawser apply -f`, applied whole or not at all.
public struct ApplyRequest: Codable, Sendable, Hashable {
    public struct File: Codable, Sendable, Hashable {
        /// As given on the command line (used in messages).
        public var path: String
        public var content: String
        public init(path: String, content: String) {
            self.path = path
            self.content = content
        }
    }
    public var files: [File]
    /// Check and report what would change; change nothing.
    public var dryRun: Bool
    /// Argo CD's `destination.server` URLs mapped to Hawser cluster names.
    public var serverClusters: [String: String]

    public init(files: [File], dryRun: Bool = false, serverClusters: [String: String] = [:]) {
        self.files = files
        self.dryRun = dryRun
        self.serverClusters = serverClusters
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        files = try c.decode([File].self, forKey: .files)
        dryRun = try c.decodeIfPresent(Bool.self, forKey: .dryRun) ?? false
        serverClusters = try c.decodeIfPresent([String: String].self, forKey: .serverClusters) ?? [:]
    }
}

/// What one object of a declarative set became.
public struct ConfigOutcome: Codable, Sendable, Hashable {
    public enum Action: String, Codable, Sendable, Hashable {
        case created, configured, unchanged, deleted
        /// Removed from Git but kept: `Prune=false`, or the config repository does not prune.
        case orphaned
    }
    /// `Application`, `AppProject` or `RBACPolicy`.
    public var kind: String
    public var name: String
    public var action: Action
    /// Where it is defined (nil for an object removed from Git).
    public var file: String?
    public init(kind: String, name: String, action: Action, file: String?) {
        self.kind = kind
        self.name = name
        self.action = action
        self.file = file
    }
}

public struct ApplyResponse: Codable, Sendable, Hashable {
    public var objects: [ConfigOutcome]
    public var warnings: [ConfigDiagnostic]
    public var dryRun: Bool
    public init(objects: [ConfigOutcome], warnings: [ConfigDiagnostic], dryRun: Bool) {
        self.objects = objects
        self.warnings = warnings
        self.dryRun = dryRun
    }
}

/// `GET /api/v1/export`: `hawser.io/v1` documents that `hawser apply` reads back unchanged.
public struct ExportResponse: Codable, Sendable, Hashable {
    public struct Document: Codable, Sendable, Hashable {
        public var kind: String
        public var name: String
        /// Suggested file: `projects/NAME.yaml`, `applications/NAME.yaml`.
        public var path: String
        public var yaml: String
        public init(kind: String, name: String, path: String, yaml: String) {
            self.kind = kind
            self.name = name
            self.path = path
            self.yaml = yaml
        }
    }
    public var documents: [Document]
    public init(documents: [Document]) { self.documents = documents }
}

/// `POST /api/v1/configrepos`: the hub reconciles its applications, projects and RBAC policy
/// from a directory of this repository (Argo CD's app of apps).
public struct ConfigRepoCreateRequest: Codable, Sendable, Hashable {
    /// Default: from the URL and path (`platform-config`, `platform-config-clusters-prod`).
    public var name: String?
    public var url: String
    public var path: String
    public var revision: String
    /// Delete objects whose file was removed (else they stay, released, and are reported).
    public var prune: Bool
    public var serverClusters: [String: String]

    public init(name: String? = nil, url: String, path: String = ".", revision: String = "HEAD", prune: Bool = false, serverClusters: [String: String] = [:]) {
        self.name = name
        self.url = url
        self.path = path
        self.revision = revision
        self.prune = prune
        self.serverClusters = serverClusters
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decodeIfPresent(String.self, forKey: .name)
        url = try c.decode(String.self, forKey: .url)
        path = try c.decodeIfPresent(String.self, forKey: .path) ?? "."
        revision = try c.decodeIfPresent(String.self, forKey: .revision) ?? "HEAD"
        prune = try c.decodeIfPresent(Bool.self, forKey: .prune) ?? false
        serverClusters = try c.decodeIfPresent([String: String].self, forKey: .serverClusters) ?? [:]
    }
}

public struct ConfigRepoView: Codable, Sendable, Hashable {
    public var name: String
    public var url: String
    public var path: String
    public var revision: String
    public var prune: Bool
    public var serverClusters: [String: String]
    public var createdAt: Date
    public var createdBy: String
    /// The commit whose objects the hub holds now.
    public var appliedCommit: CommitInfo?
    public var appliedAt: Date?
    /// The newest commit read; differs from `appliedCommit` when it was refused (`errors`).
    public var lastCommit: CommitInfo?
    public var checkedAt: Date?
    /// Why `lastCommit` was not applied (nothing of it was), or why the repository cannot be read.
    public var errors: [ConfigDiagnostic]
    public var warnings: [ConfigDiagnostic]
    /// What the applied commit defines, and objects removed from it but kept.
    public var objects: [ConfigOutcome]

    public init(name: String, url: String, path: String, revision: String, prune: Bool, serverClusters: [String: String], createdAt: Date, createdBy: String,
                appliedCommit: CommitInfo? = nil, appliedAt: Date? = nil, lastCommit: CommitInfo? = nil, checkedAt: Date? = nil,
                errors: [ConfigDiagnostic] = [], warnings: [ConfigDiagnostic] = [], objects: [ConfigOutcome] = []) {
        self.name = name
        self.url = url
        self.path = path
        self.revision = revision
        self.prune = prune
        self.serverClusters = serverClusters
        self.createdAt = createdAt
        self.createdBy = createdBy
        self.appliedCommit = appliedCommit
        self.appliedAt = appliedAt
        self.lastCommit = lastCommit
        self.checkedAt = checkedAt
        self.errors = errors
        self.warnings = warnings
        self.objects = objects
    }
}
