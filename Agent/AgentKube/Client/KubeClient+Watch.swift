import AsyncHTTPClient
import Foundation
import HawserProtocol
import NIOCore

/// One change from a watch stream.
public struct WatchEvent: Sendable {
    /// `ADDED`, `MODIFIED`, `DELETED`, `BOOKMARK` or `ERROR`.
    public var type: String
    public var object: JSONValue
}

extension KubeClient {
    /// Streams changes to one kind (all namespaces when `namespace` is nil) matching a label
    /// selector, from `resourceVersion` (nil: the current state first, as ADDED events).
    ///
    /// The server ends the stream after `timeoutSeconds`, below the client's read timeout, so
    /// an idle watch is renewed rather than cut; callers re-watch from the last resourceVersion
    /// they saw, and from scratch after an `ERROR` (e.g. 410 Expired).
    public func watch(apiVersion: String, kind: String, namespace: String?, labelSelector: String?,
                      resourceVersion: String?, timeoutSeconds: Int = 25) -> AsyncThrowingStream<WatchEvent, any Error> {
        AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    let info = try await resourceInfo(apiVersion: apiVersion, kind: kind)
                    var query = [("watch", "true"), ("timeoutSeconds", String(timeoutSeconds)), ("allowWatchBookmarks", "true")]
                    if let labelSelector, !labelSelector.isEmpty { query.append(("labelSelector", labelSelector)) }
                    if let resourceVersion { query.append(("resourceVersion", resourceVersion)) }
                    let request = authorizedRequest(config.server + info.collectionPath(namespace: namespace) + Self.queryString(query))
                    let response = try await http.execute(request, timeout: .seconds(Int64(timeoutSeconds) + 15), logger: logger)
                    guard response.status.code < 400 else {
                        let body = try await response.body.collect(upTo: 1 << 20)
                        throw KubeError(httpStatus: Int(response.status.code), body: Array(body.readableBytesView))
                    }
                    var pending: [UInt8] = []
                    for try await chunk in response.body {
                        pending.append(contentsOf: chunk.readableBytesView)
                        while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                            let line = Array(pending[..<newline])
                            pending.removeSubrange(...newline)
                            guard !line.isEmpty, let event = try? JSONValue.parse(Data(line)),
                                  let type = event["type"]?.stringValue, let object = event["object"] else { continue }
                            continuation.yield(WatchEvent(type: type, object: object))
                        }
                        if pending.count > Self.maxResponseBytes {
                            throw KubeError(code: 0, reason: "WatchEventTooLarge", message: "a watch event exceeded \(Self.maxResponseBytes) bytes")
                        }
                    }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }
}
