import Foundation
import HawserProtocol
import HubRender

/// The API versions declarative files may use: Argo CD's, accepted as Argo CD writes them, and
/// Hawser's own, which mirror them and add fleet targeting.
public enum ConfigAPIVersion: String, Sendable, CaseIterable {
    case argocd = "argoproj.io/v1alpha1"
    case hawser = "hawser.io/v1"
}

public enum ConfigKind: String, Codable, Sendable, Hashable, CaseIterable {
    case application = "Application"
    case project = "AppProject"
    case policy = "RBACPolicy"
}

/// One object read from a declarative file.
public struct ConfigObject: Sendable {
    public enum Content: Sendable, Hashable {
        case application(ApplicationDocument)
        case project(ProjectSpec)
        case policy(PolicyDocument)
    }
    public var kind: ConfigKind
    public var name: String
    public var content: Content
    public var file: String
    public var line: Int
    public var fields: FieldLines

    /// A problem found later (an unknown project, a cluster that is not registered), placed
    /// like the reader's own.
    public func diagnostic(_ field: String?, _ message: String) -> ConfigDiagnostic {
        ConfigDiagnostic(file: file, line: field.flatMap { fields.line(of: $0) } ?? line, field: field, message: message)
    }

    /// `application "web"`, for messages.
    public var label: String {
        switch kind {
        case .application: "application \"\(name)\""
        case .project: "project \"\(name)\""
        case .policy: "RBAC policy"
        }
    }

    public var application: ApplicationDocument? {
        if case .application(let a) = content { return a }
        return nil
    }
    public var project: ProjectSpec? {
        if case .project(let p) = content { return p }
        return nil
    }
    public var policy: PolicyDocument? {
        if case .policy(let p) = content { return p }
        return nil
    }
}

/// What a set of files holds: the objects read without a problem, and every problem. A set
/// with errors is never applied, not even the objects that read well.
public struct ConfigRead: Sendable {
    public var objects: [ConfigObject]
    public var errors: [ConfigDiagnostic]
    public var warnings: [ConfigDiagnostic]
    public init(objects: [ConfigObject], errors: [ConfigDiagnostic], warnings: [ConfigDiagnostic]) {
        self.objects = objects
        self.errors = errors
        self.warnings = warnings
    }
}

/// Reads declarative files (a directory of a config repository, or what `hawser apply -f`
/// sent): YAML or JSON, several documents per file, subdirectories included, dot-files skipped.
public enum ConfigFiles {
    /// - Parameter serverClusters: Argo CD names clusters by API server URL; this maps such
    ///   URLs to Hawser cluster names (a `destination.server` not in it is taken as a name).
    public static func read(files: [(path: String, data: Data)], under root: String = "", serverClusters: [String: String] = [:]) -> ConfigRead {
        let located: [LocatedManifest]
        do {
            located = try DirectoryRenderer(recurse: true).locatedManifests(files: files, under: root)
        } catch {
            let file = files.first { DirectoryRenderer.normalize($0.path) == error.file }?.path ?? error.file
            return ConfigRead(objects: [], errors: [ConfigDiagnostic(file: file, line: error.line, field: nil, message: error.message)], warnings: [])
        }
        var objects: [ConfigObject] = []
        var errors: [ConfigDiagnostic] = []
        var warnings: [ConfigDiagnostic] = []
        var seen: [String: ConfigObject] = [:]
        // Messages name files as the caller gave them (`/tmp/apps/web.yaml`, not `tmp/apps/web.yaml`).
        var given: [String: String] = [:]
        for f in files { given[DirectoryRenderer.normalize(f.path)] = f.path }
        for m in located {
            var context = DocumentContext(file: given[m.manifest.source] ?? m.manifest.source, line: m.manifest.line, fields: m.fields)
            // A document with an error of its own is left out; the others are checked further
            // (the hub finds unknown projects and clusters), so one pass reports everything.
            if let object = read(m.manifest.object, serverClusters: serverClusters, &context), context.errors.isEmpty {
                let key = object.kind == .policy ? "policy" : "\(object.kind.rawValue)/\(object.name)"
                if let first = seen[key] {
                    let what = object.kind == .policy ? "an RBAC policy is also defined" : "\(object.label) is also defined"
                    context.error(object.kind == .policy ? nil : "metadata.name",
                                  "\(what) at \(first.file):\(first.line); each \(object.kind == .policy ? "set of files holds one RBAC policy" : "name may be defined once")")
                } else {
                    seen[key] = object
                    objects.append(object)
                }
            }
            errors += context.errors
            warnings += context.warnings
        }
        return ConfigRead(objects: objects, errors: errors, warnings: warnings)
    }

    /// Files someone chose (`hawser apply -f`): each is read whatever its name or directory
    /// (`/home/me/.config/apps.yaml`, standard input), and messages name it as given.
    public static func read(chosen files: [(name: String, text: String)], serverClusters: [String: String] = [:]) -> ConfigRead {
        // Neutral names, so the directory rules (extensions, dot-directories) pass every file.
        let names = files.indices.map { "\($0)/file.yaml" }
        var result = read(files: zip(names, files).map { (path: $0.0, data: Data($0.1.text.utf8)) }, serverClusters: serverClusters)
        let given = Dictionary(uniqueKeysWithValues: zip(names, files.map(\.name)))
        func rename(_ d: ConfigDiagnostic) -> ConfigDiagnostic {
            var d = d
            d.file = given[d.file] ?? d.file
            d.message = names.indices.reversed().reduce(d.message) { $0.replacingOccurrences(of: names[$1], with: files[$1].name) }
            return d
        }
        result.errors = result.errors.map(rename)
        result.warnings = result.warnings.map(rename)
        for i in result.objects.indices { result.objects[i].file = given[result.objects[i].file] ?? result.objects[i].file }
        return result
    }

    static func read(_ object: JSONValue, serverClusters: [String: String], _ c: inout DocumentContext) -> ConfigObject? {
        guard case .object(let o) = object else { return nil }
        let apiVersion = c.string(o["apiVersion"], "apiVersion") ?? ""
        let kind = c.string(o["kind"], "kind") ?? ""
        let version = ConfigAPIVersion(rawValue: apiVersion)
        func make(_ kind: ConfigKind, _ name: String, _ content: ConfigObject.Content) -> ConfigObject {
            ConfigObject(kind: kind, name: name, content: content, file: c.file, line: c.line, fields: c.fields)
        }
        switch (kind, version) {
        case ("Application", let v?):
            guard let doc = ApplicationDocument.read(o, apiVersion: v, serverClusters: serverClusters, &c) else { return nil }
            return make(.application, doc.spec.name, .application(doc))
        case ("AppProject", let v?):
            guard let (name, spec) = ProjectDocument.read(o, apiVersion: v, serverClusters: serverClusters, &c) else { return nil }
            return make(.project, name, .project(spec))
        case ("RBACPolicy", .hawser?), ("ConfigMap", _) where apiVersion == "v1" || version == .hawser:
            guard let policy = PolicyDocument.read(o, kind: kind, &c) else { return nil }
            return make(.policy, "policy", .policy(policy))
        case ("ApplicationSet", _):
            c.error("kind", "ApplicationSets are not supported; a hawser.io/v1 Application with spec.destination.clusterSelector deploys to every matching cluster, one deployment each")
        case ("Application", nil), ("AppProject", nil):
            c.error("apiVersion", "\(kind) must have apiVersion \(ConfigAPIVersion.argocd.rawValue) (Argo CD's) or \(ConfigAPIVersion.hawser.rawValue), not \"\(apiVersion)\"")
        default:
            c.error("kind", "\(apiVersion) \(kind) is not a Hawser configuration kind; these files may hold Application and AppProject (\(ConfigAPIVersion.argocd.rawValue) or \(ConfigAPIVersion.hawser.rawValue)), RBACPolicy (\(ConfigAPIVersion.hawser.rawValue)) or Argo CD's ConfigMap argocd-rbac-cm")
        }
        return nil
    }

    /// `metadata.name`, required and a valid name.
    static func name(_ o: [String: JSONValue], what: String, _ c: inout DocumentContext) -> String? {
        let metadata = c.object(o["metadata"], "metadata") ?? [:]
        guard let name = c.string(metadata["name"], "metadata.name"), !name.isEmpty else {
            c.error("metadata.name", "the \(what) needs a name")
            return nil
        }
        guard Self.isName(name) else {
            c.error("metadata.name", "\"\(name)\" is not a valid name: use at most 63 lowercase letters, digits and '-', starting and ending with a letter or digit")
            return nil
        }
        return name
    }

    static func isName(_ s: String) -> Bool {
        guard (1...63).contains(s.count), let first = s.first, let last = s.last,
              first.isLetter || first.isNumber, last.isLetter || last.isNumber else { return false }
        return s.allSatisfy { ($0.isASCII && ($0.isLowercase || $0.isNumber)) || $0 == "-" }
    }
}
