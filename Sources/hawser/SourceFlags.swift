import ArgumentParser
import Foundation
import HawserProtocol

/// Argo CD's source flags for `app create` and `app set`: directory recursion and globs, and
/// Helm values, parameters and release name.
struct SourceFlags: ParsableArguments {
    @Option(help: "Render files in subdirectories too: true (Hawser's default) or false (Argo CD's).") var directoryRecurse: Bool?
    @Option(help: "Only render paths (relative to --path) matching this glob, e.g. '{*.yaml,*.yml}'.") var directoryInclude: String?
    @Option(help: "Never render paths (relative to --path) matching this glob, e.g. 'tests/*'.") var directoryExclude: String?
    @Option(name: .customLong("values"), help: "Helm values file, relative to the chart's directory; repeatable, applied in order (replaces the list).") var valueFiles: [String] = []
    @Option(help: "A local YAML file sent as inline Helm values (applied after --values).") var valuesLiteralFile: String?
    @Option(name: .customLong("helm-set"), help: "Helm parameter NAME=VALUE, repeatable (replaces the list with --helm-set-string).") var helmSet: [String] = []
    @Option(name: .customLong("helm-set-string"), help: "Helm string parameter NAME=VALUE, repeatable.") var helmSetString: [String] = []
    @Option(help: "Helm release name (default: the application's name).") var releaseName: String?

    func apply(to spec: inout AppSpec) throws {
        if directoryRecurse != nil || directoryInclude != nil || directoryExclude != nil {
            var d = spec.directory ?? DirectoryOptions()
            if let directoryRecurse { d.recurse = directoryRecurse }
            if let directoryInclude { d.include = directoryInclude.isEmpty ? nil : directoryInclude }
            if let directoryExclude { d.exclude = directoryExclude.isEmpty ? nil : directoryExclude }
            spec.directory = d
        }
        guard !valueFiles.isEmpty || valuesLiteralFile != nil || !helmSet.isEmpty || !helmSetString.isEmpty || releaseName != nil else { return }
        var h = spec.helm ?? HelmOptions()
        if !valueFiles.isEmpty { h.valueFiles = valueFiles }
        if let valuesLiteralFile { h.values = try String(contentsOfFile: valuesLiteralFile, encoding: .utf8) }
        if !helmSet.isEmpty || !helmSetString.isEmpty {
            h.parameters = try helmSet.map { try Self.parameter($0, forceString: false) } + helmSetString.map { try Self.parameter($0, forceString: true) }
        }
        if let releaseName { h.releaseName = releaseName }
        spec.helm = h
    }

    static func parameter(_ text: String, forceString: Bool) throws -> HelmParameter {
        guard let eq = text.firstIndex(of: "="), eq != text.startIndex else {
            throw ValidationError("--helm-set\(forceString ? "-string" : "") \(text): expected NAME=VALUE, e.g. image.tag=v2")
        }
        return HelmParameter(name: String(text[..<eq]), value: String(text[text.index(after: eq)...]), forceString: forceString ? true : nil)
    }
}
