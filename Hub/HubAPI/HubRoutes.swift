import Foundation
import HawserProtocol
import HubCore
import Hummingbird

extension ListResponse: ResponseEncodable {}
extension ClusterView: ResponseEncodable {}
extension ClusterCreateResponse: ResponseEncodable {}
extension AppView: ResponseEncodable {}
extension VersionInfo: ResponseEncodable {}
extension ProjectView: ResponseEncodable {}

/// The REST API. Handlers only translate HTTP to the domain (`Hub`) and back.
public enum HubRoutes {
    public static func router(hub: Hub) -> Router<HubRequestContext> {
        let router = Router(context: HubRequestContext.self)
        router.add(middleware: ErrorMappingMiddleware())
        router.get("/healthz") { _, _ in "ok" }
        router.get("/api/version") { _, _ in hub.versionInfo() }

        let api = router.group("/api/v1").add(middleware: AuthenticationMiddleware(hub: hub))

        // Clusters
        api.post("/clusters") { request, context -> EditedResponse<ClusterCreateResponse> in
            let body = try await request.decode(as: ClusterCreateRequest.self, context: context)
            return .init(status: .created, response: try await hub.addCluster(body))
        }
        api.get("/clusters") { _, _ in ListResponse(items: try await hub.clusters()) }
        api.get("/clusters/{name}") { _, context in try await hub.cluster(named: try context.parameters.require("name")) }
        api.post("/clusters/{name}/token") { request, context -> EditedResponse<ClusterCreateResponse> in
            let ttl = request.uri.queryParameters.get("ttlSeconds").flatMap(Double.init)
            return .init(status: .created, response: try await hub.newBootstrapToken(clusterNamed: try context.parameters.require("name"), ttl: ttl))
        }
        api.delete("/clusters/{name}") { _, context -> HTTPResponse.Status in
            try await hub.removeCluster(named: try context.parameters.require("name"))
            return .noContent
        }
        api.post("/clusters/{name}/revoke") { _, context in try await hub.revokeCluster(named: try context.parameters.require("name")) }

        // Applications
        api.post("/applications") { request, context -> EditedResponse<AppView> in
            let spec = try await request.decode(as: AppSpec.self, context: context)
            return .init(status: .created, response: try await hub.createApp(spec))
        }
        api.get("/applications") { _, _ in ListResponse(items: try await hub.apps()) }
        api.get("/applications/{name}") { _, context in try await hub.app(named: try context.parameters.require("name")) }
        api.delete("/applications/{name}") { request, context -> HTTPResponse.Status in
            let cascade = request.uri.queryParameters.get("cascade").map { $0 != "false" } ?? true
            try await hub.deleteApp(named: try context.parameters.require("name"), cascade: cascade)
            return .noContent
        }
        api.post("/applications/{name}/sync") { _, context in
            try await hub.syncApp(named: try context.parameters.require("name"), initiatedBy: context.principal!)
        }
        api.post("/applications/{name}/refresh") { _, context in
            try await hub.refresh(appNamed: try context.parameters.require("name"))
        }

        // Projects
        api.post("/projects") { request, context -> EditedResponse<ProjectView> in
            let body = try await request.decode(as: ProjectView.self, context: context)
            return .init(status: .created, response: try await hub.createProject(body))
        }
        api.get("/projects") { _, _ in ListResponse(items: try await hub.projects()) }
        api.get("/projects/{name}") { _, context in try await hub.project(named: try context.parameters.require("name")) }
        api.put("/projects/{name}") { request, context in
            let body = try await request.decode(as: ProjectView.self, context: context)
            let name = try context.parameters.require("name")
            guard body.name == name else {
                throw HubError(.invalid, "the body names project \"\(body.name)\" but the URL names \"\(name)\"; a project cannot be renamed")
            }
            return try await hub.updateProject(named: name, spec: body.spec)
        }
        api.delete("/projects/{name}") { _, context -> HTTPResponse.Status in
            try await hub.deleteProject(named: try context.parameters.require("name"))
            return .noContent
        }
        return router
    }
}
