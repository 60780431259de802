import Foundation

/// Lists and maps live in TEXT columns as JSON with sorted keys: readable with `sqlite3`, and
/// byte-identical for equal values.
enum JSONColumn {
    static func encode<T: Encodable>(_ value: T) throws -> String {
        // Most statuses have no conditions and many no resources: skip the encoder for those.
        if let array = value as? any Collection, array.isEmpty, value is [any Encodable] { return "[]" }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .secondsSince1970
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    static func decode<T: Decodable>(_ type: T.Type, from text: String?, column: String) throws -> T {
        guard let text else { throw StoreCorruption(column: column, reason: "is NULL") }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .secondsSince1970
        do {
            return try decoder.decode(type, from: Data(text.utf8))
        } catch {
            throw StoreCorruption(column: column, reason: "holds invalid JSON: \(error)")
        }
    }
}

/// A stored value the store cannot read back (edited by hand, or written by a newer hub).
struct StoreCorruption: Error, CustomStringConvertible {
    var column: String
    var reason: String
    var description: String { "stored column \(column) \(reason)" }
}

extension Date {
    /// Column value for a timestamp: Unix seconds, sub-microsecond precision.
    var unixSeconds: Double { timeIntervalSince1970 }
}
