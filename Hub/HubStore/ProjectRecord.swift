import Foundation
import HawserProtocol

/// A project (tenant) as stored: its name and its Argo CD-shaped spec.
public struct ProjectRecord: Codable, Sendable, Hashable {
    /// Unique; the primary key.
    public var name: String
    public var spec: ProjectSpec
    public var createdAt: Date
    public var updatedAt: Date
    /// Set when a config repository defines the project.
    public var managedBy: ManagedBy?

    public init(name: String, spec: ProjectSpec, createdAt: Date, updatedAt: Date? = nil, managedBy: ManagedBy? = nil) {
        self.managedBy = managedBy
        self.name = name
        self.spec = spec
        self.createdAt = createdAt
        self.updatedAt = updatedAt ?? createdAt
    }
}
