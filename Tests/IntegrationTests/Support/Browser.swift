import AsyncHTTPClient
import Foundation
import HawserProtocol
import NIOCore
import NIOHTTP1
import OIDCTestSupport

/// Headless Chromium (Debian's `chromium` and `chromium-driver`) driven over the W3C WebDriver
/// protocol, which is plain HTTP and JSON: the web UI tests click through real pages, run the
/// real JavaScript and take screenshots, without a browser-automation library.
struct Browser {
    let base: String
    let screenshots: String

    /// Where screenshots go for review: `HAWSER_SCREENSHOT_DIR`, else `.build/ui-screenshots`.
    static var screenshotDirectory: String {
        ProcessInfo.processInfo.environment["HAWSER_SCREENSHOT_DIR"] ?? ChildProcess.packageRoot + "/.build/ui-screenshots"
    }

    static func chromium() throws -> String {
        if let c = ProcessInfo.processInfo.environment["HAWSER_CHROMIUM"] { return c }
        for c in ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"] where FileManager.default.isExecutableFile(atPath: c) { return c }
        throw SupportFailure("Chromium not found: install Debian's chromium and chromium-driver (`make deps` does), or set HAWSER_CHROMIUM")
    }

    /// Runs `body` with a fresh browser profile (no cookies), then closes the browser.
    static func with<T: Sendable>(_ body: (Browser) async throws -> T) async throws -> T {
        let driver = try ChildProcess.locate("chromedriver")
        let chromium = try chromium()
        let port = try ChildProcess.freePort()
        let profile = tempDirectory("chromium-profile")
        try FileManager.default.createDirectory(atPath: Self.screenshotDirectory, withIntermediateDirectories: true)
        return try await ChildProcess.withRunning(driver, ["--port=\(port)"], name: "chromedriver",
                                                  ready: { await TestHTTP.answers("http://127.0.0.1:\(port)/status") }) {
            let args: [JSONValue] = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1366,900",
                                     "--no-first-run", "--disable-extensions", "--user-data-dir=\(profile)"].map { .string($0) }
            let capabilities: JSONValue = .object(["capabilities": .object(["alwaysMatch": .object([
                "browserName": "chrome",
                "goog:chromeOptions": .object(["binary": .string(chromium), "args": .array(args)]),
            ])])])
            let created = try await Self.call(.POST, "http://127.0.0.1:\(port)/session", capabilities)
            guard let id = created["sessionId"]?.stringValue else { throw SupportFailure("chromedriver did not create a session: \(created.jsonString())") }
            let browser = Browser(base: "http://127.0.0.1:\(port)/session/\(id)", screenshots: Self.screenshotDirectory)
            do {
                let value = try await body(browser)
                _ = try? await Self.call(.DELETE, browser.base, nil)
                return value
            } catch {
                _ = try? await Self.call(.DELETE, browser.base, nil)
                throw error
            }
        }
    }

    func open(_ url: String) async throws { _ = try await send(.POST, "/url", ["url": .string(url)]) }

    func currentURL() async throws -> String { try await send(.GET, "/url", nil).stringValue ?? "" }

    /// The element ids matching a CSS selector.
    func all(_ css: String) async throws -> [String] {
        let found = try await send(.POST, "/elements", ["using": "css selector", "value": .string(css)])
        return (found.arrayValue ?? []).compactMap { $0[Self.elementKey]?.stringValue }
    }

    func element(_ css: String) async throws -> String {
        guard let id = try await all(css).first else {
            throw SupportFailure("no element matches \(css) on \(try await currentURL())")
        }
        return id
    }

    func exists(_ css: String) async throws -> Bool { !(try await all(css)).isEmpty }

    /// The rendered text of the first element matching `css`.
    func text(_ css: String) async throws -> String {
        try await send(.GET, "/element/\(try await element(css))/text", nil).stringValue ?? ""
    }

    func texts(_ css: String) async throws -> [String] {
        var out: [String] = []
        for id in try await all(css) { out.append(try await send(.GET, "/element/\(id)/text", nil).stringValue ?? "") }
        return out
    }

    func click(_ css: String) async throws { _ = try await send(.POST, "/element/\(try await element(css))/click", [:]) }

    func type(_ css: String, _ text: String) async throws {
        _ = try await send(.POST, "/element/\(try await element(css))/value", ["text": .string(text)])
    }

    /// Runs JavaScript in the page; `return` gives a value back.
    @discardableResult
    func run(_ script: String) async throws -> JSONValue {
        try await send(.POST, "/execute/sync", ["script": .string(script), "args": .array([])])
    }

    /// Writes a PNG of the viewport to the screenshot directory; returns its path.
    @discardableResult
    func screenshot(_ name: String) async throws -> String {
        let encoded = try await send(.GET, "/screenshot", nil).stringValue ?? ""
        guard let png = Data(base64Encoded: encoded), png.starts(with: [0x89, 0x50, 0x4E, 0x47]) else {
            throw SupportFailure("the screenshot of \(name) is not a PNG")
        }
        let path = screenshots + "/\(name).png"
        try png.write(to: URL(fileURLWithPath: path))
        return path
    }

    static let elementKey = "element-6066-11e4-a52e-4f735466cecf"

    private func send(_ method: HTTPMethod, _ path: String, _ body: [String: JSONValue]?) async throws -> JSONValue {
        try await Self.call(method, base + path, body.map { .object($0) })
    }

    /// One WebDriver command; its `value`, or a failure naming the WebDriver error.
    static func call(_ method: HTTPMethod, _ url: String, _ body: JSONValue?) async throws -> JSONValue {
        var request = HTTPClientRequest(url: url)
        request.method = method
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: body.jsonBytes()))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(60))
        let bytes = try await response.body.collect(upTo: 64 << 20)
        let json = try JSONValue.parse(Array(bytes.readableBytesView))
        let value = json["value"] ?? .null
        guard response.status.code == 200 else {
            throw SupportFailure("WebDriver \(method) \(url): \(value["error"]?.stringValue ?? "\(response.status.code)"): \(value["message"]?.stringValue ?? "")")
        }
        return value
    }
}
