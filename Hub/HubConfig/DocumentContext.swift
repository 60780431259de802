import HawserProtocol
import HubRender

/// Reading one document: typed access to its fields that records, instead of throwing, every
/// problem with the field's path and line, so one pass reports everything wrong with a file.
struct DocumentContext {
    let file: String
    let line: Int
    let fields: FieldLines
    private(set) var errors: [ConfigDiagnostic] = []
    private(set) var warnings: [ConfigDiagnostic] = []

    init(file: String, line: Int, fields: FieldLines) {
        self.file = file
        self.line = line
        self.fields = fields
    }

    func diagnostic(_ field: String?, _ message: String) -> ConfigDiagnostic {
        ConfigDiagnostic(file: file, line: field.flatMap { fields.line(of: $0) } ?? line, field: field, message: message)
    }

    mutating func error(_ field: String?, _ message: String) { errors.append(diagnostic(field, message)) }
    mutating func warn(_ field: String?, _ message: String) { warnings.append(diagnostic(field, message)) }

    // MARK: Typed fields (nil when absent or null; a wrong type is an error)

    mutating func string(_ value: JSONValue?, _ field: String) -> String? {
        switch value {
        case nil, .null?: return nil
        case .string(let s)?: return s
        case let other?:
            error(field, "expected a string, got \(Self.shape(other))" + (Self.isScalar(other) ? "; quote it" : ""))
            return nil
        }
    }

    mutating func bool(_ value: JSONValue?, _ field: String) -> Bool? {
        switch value {
        case nil, .null?: return nil
        case .bool(let b)?: return b
        case let other?:
            error(field, "expected true or false, got \(Self.shape(other))")
            return nil
        }
    }

    mutating func int(_ value: JSONValue?, _ field: String) -> Int? {
        switch value {
        case nil, .null?: return nil
        case .int(let i)?: return Int(i)
        case .double(let d)? where d == d.rounded() && abs(d) < 1e15: return Int(d)
        case let other?:
            error(field, "expected a whole number, got \(Self.shape(other))")
            return nil
        }
    }

    mutating func number(_ value: JSONValue?, _ field: String) -> Double? {
        switch value {
        case nil, .null?: return nil
        case .int(let i)?: return Double(i)
        case .double(let d)?: return d
        case let other?:
            error(field, "expected a number, got \(Self.shape(other))")
            return nil
        }
    }

    mutating func object(_ value: JSONValue?, _ field: String) -> [String: JSONValue]? {
        switch value {
        case nil, .null?: return nil
        case .object(let o)?: return o
        case let other?:
            error(field, "expected a mapping, got \(Self.shape(other))")
            return nil
        }
    }

    mutating func list(_ value: JSONValue?, _ field: String) -> [JSONValue]? {
        switch value {
        case nil, .null?: return nil
        case .array(let a)?: return a
        case let other?:
            error(field, "expected a list, got \(Self.shape(other))")
            return nil
        }
    }

    mutating func strings(_ value: JSONValue?, _ field: String) -> [String]? {
        guard let items = list(value, field) else { return nil }
        return items.enumerated().compactMap { string($1, "\(field)[\($0)]") }
    }

    mutating func stringMap(_ value: JSONValue?, _ field: String) -> [String: String]? {
        guard let o = object(value, field) else { return nil }
        var out: [String: String] = [:]
        for (k, v) in o { if let s = string(v, "\(field).\(k)") { out[k] = s } }
        return out
    }

    static func isScalar(_ v: JSONValue) -> Bool {
        switch v {
        case .bool, .int, .double: true
        default: false
        }
    }

    static func shape(_ v: JSONValue) -> String {
        switch v {
        case .null: "null"
        case .bool(let b): "\(b)"
        case .int(let i): "the number \(i)"
        case .double(let d): "the number \(d)"
        case .string(let s): "the string \"\(s.prefix(40))\""
        case .array: "a list"
        case .object: "a mapping"
        }
    }
}

/// The fields a kind has, for reporting the ones Hawser does not know instead of dropping them
/// unseen. The converters read the `value` fields; everything else is decided here.
indirect enum KnownFields: Sendable {
    /// Read by the converter.
    case value
    /// A mapping with fields of its own.
    case fields([String: KnownFields])
    /// A list whose items have these fields.
    case list(KnownFields)
    /// Accepted and not used: set by a server (`metadata.uid`, `status`), not by the author.
    case ignored
    /// Not supported; ignored with a warning giving this reason.
    case unsupported(String)
    /// Not supported, and applying without it would deploy something else: an error.
    case refused(String)

    func check(_ value: JSONValue, _ path: String, _ context: inout DocumentContext) {
        switch self {
        case .value, .ignored:
            return
        case .unsupported(let reason):
            context.warn(path, reason + "; ignored")
        case .refused(let reason):
            context.error(path, reason)
        case .list(let item):
            guard case .array(let items) = value else { return }
            for (i, v) in items.enumerated() { item.check(v, "\(path)[\(i)]", &context) }
        case .fields(let known):
            guard case .object(let o) = value else { return }
            for key in o.keys.sorted() {
                let child = path.isEmpty ? key : "\(path).\(key)"
                guard let k = known[key] else {
                    context.warn(child, "not a field Hawser knows; ignored")
                    continue
                }
                if let v = o[key], v != .null { k.check(v, child, &context) }
            }
        }
    }

    /// Server-set metadata of an exported object (`kubectl get -o yaml`): never the author's.
    static let metadata: [String: KnownFields] = [
        "name": .value, "namespace": .ignored, "labels": .value, "annotations": .value, "finalizers": .value,
        "uid": .ignored, "resourceVersion": .ignored, "generation": .ignored, "creationTimestamp": .ignored,
        "managedFields": .ignored, "selfLink": .ignored, "deletionTimestamp": .ignored, "deletionGracePeriodSeconds": .ignored,
        "generateName": .refused("give the object a name (metadata.name); generated names cannot be tracked in Git"),
        "ownerReferences": .ignored,
    ]
}
