// List pagination the way the real server (etcd3 storage) does it: the continue token names the
// last key returned and the resourceVersion of the first page, so the next page starts after that
// key, whatever was created or deleted in between (an offset would skip or repeat items), and every
// page reports the first page's resourceVersion, from which a watch then misses nothing.

import Foundation
import HawserProtocol

struct ContinueToken: Sendable, Equatable {
    var resourceVersion: Int
    /// `<namespace>/<name>` of the last item of the previous page ("" namespace for cluster-scoped).
    var start: ObjectKey

    /// Base64 of `{"v":"meta.k8s.io/v1","rv":N,"start":"ns/name"}`, the shape kube-apiserver uses.
    var encoded: String {
        let json: JSONValue = ["v": "meta.k8s.io/v1", "rv": .int(Int64(resourceVersion)), "start": .string("\(start.namespace)/\(start.name)")]
        return Data(json.jsonString().utf8).base64EncodedString()
    }

    init(resourceVersion: Int, start: ObjectKey) {
        self.resourceVersion = resourceVersion
        self.start = start
    }

    init(decoding text: String) throws(APIError) {
        guard let data = Data(base64Encoded: text), let json = try? JSONValue.parse(data), json["v"] == "meta.k8s.io/v1",
            let rv = json["rv"]?.intValue, let start = json["start"]?.stringValue, let slash = start.firstIndex(of: "/")
        else { throw APIError.badRequest("continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)") }
        self.init(resourceVersion: Int(rv), start: ObjectKey(namespace: String(start[..<slash]), name: String(start[start.index(after: slash)...])))
    }

    /// One page of `items` (sorted by key, as `Store.list` returns them): those after `after`, at
    /// most `limit`, and the token for the rest if any remain.
    static func page(
        _ items: [JSONValue], after: ContinueToken?, limit: Int?, resourceVersion: Int
    ) -> (items: [JSONValue], next: ContinueToken?, remaining: Int) {
        var rest = items[...]
        if let after {
            rest = rest.drop { ObjectKey(namespace: $0.namespace, name: $0.name) <= after.start }
        }
        guard let limit, limit > 0, rest.count > limit else { return (Array(rest), nil, 0) }
        let page = Array(rest.prefix(limit))
        let last = page[page.count - 1]
        let token = ContinueToken(resourceVersion: after?.resourceVersion ?? resourceVersion, start: ObjectKey(namespace: last.namespace, name: last.name))
        return (page, token, rest.count - limit)
    }
}
