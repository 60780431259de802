import Foundation
import HawserProtocol

/// One resource type as API discovery describes it: what a kind is called in URLs and whether
/// its objects live in namespaces. Paths come from here, never from the manifest, so a
/// Namespace or ClusterRole that carries a stray `metadata.namespace` still gets a
/// cluster-scoped path.
public struct APIResourceInfo: Sendable, Hashable {
    public var group: String
    public var version: String
    public var kind: String
    /// The plural resource name used in URLs: `deployments`.
    public var name: String
    public var namespaced: Bool
    public var verbs: [String]

    public init(group: String, version: String, kind: String, name: String, namespaced: Bool, verbs: [String]) {
        self.group = group
        self.version = version
        self.kind = kind
        self.name = name
        self.namespaced = namespaced
        self.verbs = verbs
    }

    public var apiVersion: String { group.isEmpty ? version : "\(group)/\(version)" }

    /// `/api/v1` for the core group, `/apis/<group>/<version>` otherwise.
    public var groupVersionPath: String { Self.groupVersionPath(apiVersion: apiVersion) }

    static func groupVersionPath(apiVersion: String) -> String {
        apiVersion.contains("/") ? "/apis/\(apiVersion)" : "/api/\(apiVersion)"
    }

    /// The collection: `/apis/apps/v1/namespaces/web/deployments`, or across all namespaces
    /// (and for cluster-scoped kinds) `/apis/apps/v1/deployments`.
    public func collectionPath(namespace: String?) -> String {
        if namespaced, let namespace, !namespace.isEmpty {
            return "\(groupVersionPath)/namespaces/\(Self.segment(namespace))/\(name)"
        }
        return "\(groupVersionPath)/\(name)"
    }

    /// One object. The namespace is ignored for cluster-scoped kinds.
    public func objectPath(namespace: String?, name objectName: String) -> String {
        "\(collectionPath(namespace: namespaced ? namespace : nil))/\(Self.segment(objectName))"
    }

    /// Percent-encodes a path segment. Kubernetes names are DNS labels, but a bad manifest must
    /// not be able to turn a name into a different path.
    static func segment(_ s: String) -> String {
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: "/?#")
        return s.addingPercentEncoding(withAllowedCharacters: allowed) ?? s
    }
}
