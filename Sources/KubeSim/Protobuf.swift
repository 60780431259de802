// kubectl 1.32+ sends create/update bodies of built-in types from typed clients as Kubernetes
// protobuf (`application/vnd.kubernetes.protobuf`), with no fallback to JSON. Decoding the
// generated schemas of every type is out of scope; this reads the envelope and the few simple
// kinds `kubectl create` makes that way (namespace, configmap, secret, serviceaccount). Others get 415.
//
//   "k8s\0" | runtime.Unknown { 1: TypeMeta { 1: apiVersion, 2: kind }, 2: raw object bytes }

import Foundation
import HawserProtocol

enum Protobuf {
    static func decode(_ data: Data) throws(APIError) -> JSONValue {
        let bytes = [UInt8](data)
        guard bytes.count >= 4, bytes[0..<4] == [0x6b, 0x38, 0x73, 0x00] else { throw APIError.badRequest("not a Kubernetes protobuf envelope") }
        let unknown = try fields(bytes[4...])
        let typeMeta = try fields(unknown.bytes(1) ?? [])
        let apiVersion = typeMeta.string(1) ?? ""
        let kind = typeMeta.string(2) ?? ""
        let raw = try fields(unknown.bytes(2) ?? [])
        var obj: JSONValue = ["apiVersion": .string(apiVersion), "kind": .string(kind), "metadata": try objectMeta(raw.bytes(1) ?? [])]
        switch (apiVersion, kind) {
        case ("v1", "Namespace"):
            let spec = try fields(raw.bytes(2) ?? [])
            let finalizers = spec.strings(1)
            if !finalizers.isEmpty { obj["spec"] = ["finalizers": .array(finalizers.map(JSONValue.string))] }
        case ("v1", "ConfigMap"):
            if let d = try map(raw, 2) { obj["data"] = d }
            if let d = try map(raw, 3, base64: true) { obj["binaryData"] = d }
            if let b = raw.varint(4) { obj["immutable"] = .bool(b != 0) }
        case ("v1", "Secret"):
            if let d = try map(raw, 2, base64: true) { obj["data"] = d }
            if let t = raw.string(3), !t.isEmpty { obj["type"] = .string(t) }
            if let d = try map(raw, 4) { obj["stringData"] = d }
            if let b = raw.varint(5) { obj["immutable"] = .bool(b != 0) }
        case ("v1", "ServiceAccount"):
            if let b = raw.varint(4) { obj["automountServiceAccountToken"] = .bool(b != 0) }
        default:
            throw APIError(code: 415, reason: "UnsupportedMediaType",
                           message: "KubeSim cannot decode \(kind) from protobuf; send application/json")
        }
        return obj
    }

    private static func objectMeta(_ bytes: [UInt8]) throws(APIError) -> JSONValue {
        let m = try fields(bytes)
        var meta: [String: JSONValue] = [:]
        for (field, key) in [(1, "name"), (2, "generateName"), (3, "namespace"), (6, "resourceVersion")] {
            if let s = m.string(field), !s.isEmpty { meta[key] = .string(s) }
        }
        if let labels = try map(m, 11) { meta["labels"] = labels }
        if let annotations = try map(m, 12) { meta["annotations"] = annotations }
        let finalizers = m.strings(14)
        if !finalizers.isEmpty { meta["finalizers"] = .array(finalizers.map(JSONValue.string)) }
        return .object(meta)
    }

    /// A `map<string, string|bytes>` field: repeated entries { 1: key, 2: value }.
    private static func map(_ message: Fields, _ field: Int, base64: Bool = false) throws(APIError) -> JSONValue? {
        let entries = message.all(field)
        guard !entries.isEmpty else { return nil }
        var result: [String: JSONValue] = [:]
        for entry in entries {
            let e = try fields(entry)
            let value = e.bytes(2) ?? []
            result[e.string(1) ?? ""] = .string(base64 ? Data(value).base64EncodedString() : String(decoding: value, as: UTF8.self))
        }
        return .object(result)
    }

    // MARK: Wire format

    struct Fields {
        var lengthDelimited: [(Int, [UInt8])] = []
        var varints: [(Int, UInt64)] = []
        func all(_ f: Int) -> [[UInt8]] { lengthDelimited.filter { $0.0 == f }.map(\.1) }
        func bytes(_ f: Int) -> [UInt8]? { all(f).last }
        func string(_ f: Int) -> String? { bytes(f).map { String(decoding: $0, as: UTF8.self) } }
        func strings(_ f: Int) -> [String] { all(f).map { String(decoding: $0, as: UTF8.self) } }
        func varint(_ f: Int) -> UInt64? { varints.last { $0.0 == f }?.1 }
    }

    static func fields<C: Collection<UInt8>>(_ input: C) throws(APIError) -> Fields {
        let bytes = Array(input)
        var i = 0
        var out = Fields()
        func readVarint() throws(APIError) -> UInt64 {
            var value: UInt64 = 0
            var shift: UInt64 = 0
            while true {
                guard i < bytes.count, shift < 64 else { throw APIError.badRequest("truncated protobuf varint") }
                let b = bytes[i]
                i += 1
                value |= UInt64(b & 0x7f) << shift
                if b & 0x80 == 0 { return value }
                shift += 7
            }
        }
        while i < bytes.count {
            let key = try readVarint()
            let field = Int(key >> 3)
            switch key & 7 {
            case 0: out.varints.append((field, try readVarint()))
            case 1: i += 8
            case 5: i += 4
            case 2:
                guard let length = Int(exactly: try readVarint()), length <= bytes.count - i else {
                    throw APIError.badRequest("truncated protobuf field")
                }
                out.lengthDelimited.append((field, Array(bytes[i..<(i + length)])))
                i += length
            default: throw APIError.badRequest("unsupported protobuf wire type \(key & 7)")
            }
        }
        return out
    }
}
