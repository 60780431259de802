/// A JSON document held as a value.
///
/// Kubernetes objects travel through Hawser untyped: the hub renders them from Git, the wire carries
/// them inside frames, the agent diffs and applies them, KubeSim stores them. One exact, `Codable`
/// representation keeps integers integers (a `replicas: 3` must not come back as `3.0`) and lets
/// every side compare objects with `==`.
public enum JSONValue: Hashable, Sendable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])
}

extension JSONValue: Codable {
    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() {
            self = .null
        } else if let b = try? c.decode(Bool.self) {
            self = .bool(b)
        } else if let i = try? c.decode(Int64.self) {
            self = .int(i)
        } else if let d = try? c.decode(Double.self) {
            self = .double(d)
        } else if let s = try? c.decode(String.self) {
            self = .string(s)
        } else if let a = try? c.decode([JSONValue].self) {
            self = .array(a)
        } else if let o = try? c.decode([String: JSONValue].self) {
            self = .object(o)
        } else {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "not a JSON value")
        }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .null: try c.encodeNil()
        case .bool(let b): try c.encode(b)
        case .int(let i): try c.encode(i)
        case .double(let d): try c.encode(d)
        case .string(let s): try c.encode(s)
        case .array(let a): try c.encode(a)
        case .object(let o): try c.encode(o)
        }
    }
}

extension JSONValue {
    public subscript(key: String) -> JSONValue? {
        get {
            if case .object(let o) = self { return o[key] }
            return nil
        }
        set {
            guard case .object(var o) = self else { return }
            o[key] = newValue
            self = .object(o)
        }
    }

    /// Follows a path of object keys; `nil` when any step is missing or not an object.
    public subscript(path path: [String]) -> JSONValue? {
        var cur: JSONValue? = self
        for p in path { cur = cur?[p] }
        return cur
    }

    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    /// Integers, and doubles that hold a whole number (YAML and JSON producers differ here).
    public var intValue: Int64? {
        switch self {
        case .int(let i): return i
        case .double(let d) where d == d.rounded() && abs(d) < 9.0e15: return Int64(d)
        case .string(let s): return Int64(s)
        default: return nil
        }
    }

    public var boolValue: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }

    public var objectValue: [String: JSONValue]? {
        if case .object(let o) = self { return o }
        return nil
    }

    public var arrayValue: [JSONValue]? {
        if case .array(let a) = self { return a }
        return nil
    }

    public var isNull: Bool { self == .null }

    /// Sets a value at a path, creating intermediate objects.
    public mutating func set(_ value: JSONValue?, at path: [String]) {
        guard let first = path.first else {
            if let value { self = value }
            return
        }
        var obj = objectValue ?? [:]
        if path.count == 1 {
            obj[first] = value
        } else {
            var child = obj[first] ?? .object([:])
            if child.objectValue == nil { child = .object([:]) }
            child.set(value, at: Array(path.dropFirst()))
            obj[first] = child
        }
        self = .object(obj)
    }
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByFloatLiteral, ExpressibleByNilLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int64) { self = .int(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(nilLiteral: ()) { self = .null }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(Dictionary(elements, uniquingKeysWith: { _, b in b }))
    }
}

import Foundation

extension JSONValue {
    /// Compact JSON with sorted keys: stable bytes for digests and golden files.
    ///
    /// The compact form is written directly (see `JSONValue+Serialize.swift`), byte for byte
    /// what `JSONEncoder` with `.sortedKeys` and `.withoutEscapingSlashes` produces, at a
    /// fraction of the cost; the pretty form is for people and keeps `JSONEncoder`'s layout.
    public func jsonData(pretty: Bool = false) throws -> Data {
        guard pretty else { return Data(jsonBytes()) }
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return try e.encode(self)
    }

    public func jsonString(pretty: Bool = false) -> String {
        guard pretty else { return String(decoding: jsonBytes(), as: UTF8.self) }
        return (try? String(decoding: jsonData(pretty: pretty), as: UTF8.self)) ?? "null"
    }
}
