import HawserProtocol

/// Writes applications and projects as `hawser.io/v1` documents that `ConfigFiles.read` turns
/// back into the same specs: `hawser export`, and what a config repository can start from.
public enum ConfigExport {
    public static func application(_ spec: AppSpec, deletesResources: Bool = false) -> String {
        ApplicationDocument.write(spec, deletesResources: deletesResources).yaml()
    }

    public static func project(_ name: String, _ spec: ProjectSpec) -> String {
        ProjectDocument.write(name, spec).yaml()
    }
}
