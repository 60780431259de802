import Foundation

/// The API's OpenAPI 3 description (`Hub/HubAPI/openapi.yaml`, a test keeps it in step with
/// the routes), served at `/api/openapi.yaml`.
///
/// SwiftPM copies it into `hawser_HubAPI.resources/` beside the binary. It is looked up by
/// hand rather than through `Bundle.module`, which stops the process when the bundle is
/// missing: a hub copied without it still runs and answers 404 here.
enum OpenAPIDocument {
    static let text: String? = {
        var dirs: [URL] = []
        if let exe = Bundle.main.executableURL?.resolvingSymlinksInPath() { dirs.append(exe.deletingLastPathComponent()) }
        dirs.append(Bundle.main.bundleURL)
        for dir in dirs {
            let url = dir.appendingPathComponent("hawser_HubAPI.resources/openapi.yaml")
            if let text = try? String(contentsOf: url, encoding: .utf8) { return text }
        }
        return try? String(contentsOfFile: "/usr/share/hawser/openapi.yaml", encoding: .utf8)
    }()
}
