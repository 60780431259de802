@testable import AgentKube
import Foundation
import HawserProtocol
import Testing

struct KubeAPITests {
    static let deployments = APIResourceInfo(group: "apps", version: "v1", kind: "Deployment", name: "deployments",
                                             namespaced: true, verbs: ["get", "list", "patch", "delete"])
    static let namespaces = APIResourceInfo(group: "", version: "v1", kind: "Namespace", name: "namespaces",
                                            namespaced: false, verbs: ["get"])

    @Test func namespacedPaths() {
        #expect(Self.deployments.objectPath(namespace: "shop", name: "web") == "/apis/apps/v1/namespaces/shop/deployments/web")
        #expect(Self.deployments.collectionPath(namespace: "shop") == "/apis/apps/v1/namespaces/shop/deployments")
        #expect(Self.deployments.collectionPath(namespace: nil) == "/apis/apps/v1/deployments")
    }

    @Test func clusterScopedPathsIgnoreTheNamespace() {
        #expect(Self.namespaces.objectPath(namespace: "shop", name: "shop") == "/api/v1/namespaces/shop")
        #expect(Self.namespaces.collectionPath(namespace: "shop") == "/api/v1/namespaces")
        let clusterRoles = APIResourceInfo(group: "rbac.authorization.k8s.io", version: "v1", kind: "ClusterRole",
                                           name: "clusterroles", namespaced: false, verbs: [])
        #expect(clusterRoles.objectPath(namespace: "oops", name: "system:reader")
            == "/apis/rbac.authorization.k8s.io/v1/clusterroles/system:reader")
    }

    @Test func namesCannotEscapeTheirPathSegment() {
        #expect(Self.deployments.objectPath(namespace: "a", name: "../b?c") == "/apis/apps/v1/namespaces/a/deployments/..%2Fb%3Fc")
    }

    @Test func queryStringsAreEncoded() {
        #expect(KubeClient.queryString([]) == "")
        #expect(KubeClient.queryString([("labelSelector", "app.hawser.io/instance=shop,tier in (a,b)"), ("force", "true")])
            == "?labelSelector=app.hawser.io/instance%3Dshop,tier%20in%20(a,b)&force=true")
    }

    @Test func discoveryListsSkipSubresources() throws {
        let list = try JSONValue.parse(Data("""
            {"kind":"APIResourceList","groupVersion":"apps/v1","resources":[
              {"name":"deployments","singularName":"deployment","namespaced":true,"kind":"Deployment","verbs":["create","get","patch"]},
              {"name":"deployments/status","namespaced":true,"kind":"Deployment","verbs":["get"]},
              {"name":"controllerrevisions","namespaced":true,"kind":"ControllerRevision","verbs":["get"]}]}
            """.utf8))
        let infos = parseResourceList(list, apiVersion: "apps/v1")
        #expect(infos.map(\.name) == ["deployments", "controllerrevisions"])
        #expect(infos[0] == APIResourceInfo(group: "apps", version: "v1", kind: "Deployment", name: "deployments",
                                            namespaced: true, verbs: ["create", "get", "patch"]))
        let core = parseResourceList(try JSONValue.parse(Data(#"{"resources":[{"name":"namespaces","namespaced":false,"kind":"Namespace","verbs":[]}]}"#.utf8)),
                                     apiVersion: "v1")
        #expect(core[0].group == "" && core[0].version == "v1" && core[0].groupVersionPath == "/api/v1")
    }

    @Test func statusObjectsBecomeErrors() {
        let body = #"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"deployments.apps \"web\" is forbidden: User \"bot\" cannot patch","reason":"Forbidden","details":{"name":"web","group":"apps","kind":"deployments"},"code":403}"#
        let error = KubeError(httpStatus: 403, body: Array(body.utf8))
        #expect(error.code == 403)
        #expect(error.reason == "Forbidden")
        #expect(error.message == #"deployments.apps "web" is forbidden: User "bot" cannot patch"#)
        #expect(error.description == #"Forbidden (403): deployments.apps "web" is forbidden: User "bot" cannot patch"#)
    }

    @Test func nonStatusBodiesStillReadWell() {
        let error = KubeError(httpStatus: 502, body: Array("<html>Bad Gateway</html>\n".utf8))
        #expect(error.code == 502)
        #expect(error.reason == "Unknown")
        #expect(error.description == "Unknown (502): <html>Bad Gateway</html>")
        #expect(KubeError(httpStatus: 404, body: []).description == "NotFound (404)")
        #expect(KubeError(httpStatus: 409, body: Array(#"{"kind":"Status","code":409}"#.utf8)).reason == "Conflict")
    }
}
