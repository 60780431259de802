// Request bodies arrive as JSON (kubectl, client-go) or YAML (server-side apply allows both):
// JSON is parsed exactly; anything else goes through Yams with tags resolved like YAML 1.1 minus
// timestamps, so `creationTimestamp: 2024-01-01T00:00:00Z` stays a string as Kubernetes keeps it.

import Foundation
import HawserProtocol
import Yams

enum BodyDecoding {
    static func decode(_ data: Data) throws(APIError) -> JSONValue {
        if let value = try? JSONValue.parse(data) { return value }
        guard let text = String(data: data, encoding: .utf8) else {
            throw APIError.badRequest("request body is not UTF-8")
        }
        do {
            guard let node = try Yams.compose(yaml: text, resolver) else { return .null }
            return try convert(node)
        } catch let error as APIError {
            throw error
        } catch {
            throw APIError.badRequest("error decoding YAML: \(error)")
        }
    }

    private static let resolver = Resolver.default.removing(.timestamp)

    private static func convert(_ node: Node) throws -> JSONValue {
        switch node {
        case .scalar(let scalar):
            switch Tag.Name(rawValue: node.tag.rawValue) {
            case .null: return .null
            case .bool: return node.bool.map(JSONValue.bool) ?? .string(scalar.string)
            case .int: return node.int.map { .int(Int64($0)) } ?? .string(scalar.string)
            case .float: return node.float.map(JSONValue.double) ?? .string(scalar.string)
            default: return .string(scalar.string)
            }
        case .mapping(let mapping):
            var object: [String: JSONValue] = [:]
            for (key, value) in mapping {
                guard let k = key.string else { throw APIError.badRequest("YAML mapping key is not a string") }
                object[k] = try convert(value)
            }
            return .object(object)
        case .sequence(let sequence):
            return .array(try sequence.map(convert))
        case .alias:
            throw APIError.badRequest("YAML aliases are not supported")
        }
    }
}
