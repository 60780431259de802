import Foundation
import HawserProtocol

/// The frame every page shares: navigation, the signed-in user, and the assets. Pages only
/// produce their `<main>` content.
enum Layout {
    enum Section: String, CaseIterable {
        case dashboard = "Dashboard", applications = "Applications", clusters = "Clusters", repositories = "Repositories", projects = "Projects", audit = "Audit"
        var path: String {
            switch self {
            case .dashboard: "/ui/"
            case .applications: "/ui/applications"
            case .clusters: "/ui/clusters"
            case .repositories: "/ui/repositories"
            case .projects: "/ui/projects"
            case .audit: "/ui/audit"
            }
        }
    }

    static func page(title: String, user: String?, section: Section?, body: HTML, mainAttributes: HTML = "") -> HTML {
        let nav: [HTML] = user == nil ? [] : Section.allCases.map { s in
            "<a href=\"\(s.path)\"\(s == section ? HTML(raw: " class=\"active\" aria-current=\"page\"") : "")>\(s.rawValue)</a>"
        }
        let account: HTML = user.map { u in
            "<span class=\"user\" id=\"current-user\">\(u)</span><button type=\"button\" class=\"link\" data-action=\"logout\" id=\"logout\">Log out</button>"
        } ?? ""
        return """
            <!doctype html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(title) · Hawser</title>
            <link rel="stylesheet" href="/ui/assets/hawser.css">
            <script src="/ui/assets/hawser.js" defer></script>
            </head>
            <body>
            <header class="top">
            <a class="brand" href="/ui/">⚓ Hawser</a>
            <nav>\(nav)</nav>
            <div class="account">\(account)</div>
            </header>
            <div id="toast" role="status" aria-live="polite"></div>
            <main\(mainAttributes)>
            \(body)
            </main>
            </body>
            </html>
            """
    }

    static func syncBadge(_ s: SyncStatusCode) -> HTML {
        let cls = switch s {
        case .synced: "ok"
        case .outOfSync: "warn"
        default: "muted"
        }
        return "<span class=\"badge \(cls)\" data-sync=\"\(s.rawValue)\">\(s.rawValue)</span>"
    }

    static func healthBadge(_ h: HealthStatusCode) -> HTML {
        let cls = switch h {
        case .healthy: "ok"
        case .progressing: "info"
        case .degraded: "bad"
        case .missing: "warn"
        default: "muted"
        }
        return "<span class=\"badge \(cls)\" data-health=\"\(h.rawValue)\">\(h.rawValue)</span>"
    }

    /// "3m ago", with the exact time on hover.
    static func time(_ date: Date?, now: Date) -> HTML {
        guard let date else { return "<span class=\"muted\">never</span>" }
        let iso = WireJSON.formatDate(date)
        return "<time datetime=\"\(iso)\" title=\"\(iso)\">\(ago(date, now: now))</time>"
    }

    static func ago(_ date: Date, now: Date) -> String {
        let s = Int(now.timeIntervalSince(date))
        if s < 5 { return "just now" }
        if s < 60 { return "\(s)s ago" }
        if s < 3600 { return "\(s / 60)m ago" }
        if s < 86400 { return "\(s / 3600)h ago" }
        return "\(s / 86400)d ago"
    }

    static func shortSHA(_ sha: String?) -> HTML {
        guard let sha, !sha.isEmpty else { return "<span class=\"muted\">–</span>" }
        return "<code title=\"\(sha)\">\(String(sha.prefix(8)))</code>"
    }

    static func labels(_ labels: [String: String]) -> HTML {
        let chips: [HTML] = labels.sorted { $0.key < $1.key }.map { "<span class=\"chip\">\($0.key)=\($0.value)</span>" }
        return chips.isEmpty ? "<span class=\"muted\">–</span>" : "\(chips)"
    }

    static func appLink(_ name: String) -> HTML {
        "<a href=\"/ui/applications/\(HTML.urlComponent(name))\">\(name)</a>"
    }

    /// A select whose options keep the current choice.
    static func select(_ name: String, _ label: String, options: [String], selected: String?) -> HTML {
        let opts: [HTML] = [("<option value=\"\">any \(label)</option>" as HTML)] + options.map { o in
            "<option value=\"\(o)\"\(o == selected ? HTML(raw: " selected") : "")>\(o)</option>"
        }
        return "<label>\(label) <select name=\"\(name)\">\(opts)</select></label>"
    }

    static func textInput(_ name: String, _ label: String, value: String?, placeholder: String = "") -> HTML {
        "<label>\(label) <input type=\"text\" name=\"\(name)\" value=\"\(value ?? "")\" placeholder=\"\(placeholder)\"></label>"
    }

    static func message(_ text: String, kind: String = "error") -> HTML {
        "<p class=\"notice \(kind)\" role=\"alert\">\(text)</p>"
    }
}
