/// Hawser's built-in policy, loaded under every policy.csv (Argo CD's builtin-policy.csv,
/// for Hawser's resources):
///
/// - `role:readonly` may `get` everything;
/// - `role:admin` may do every action that applies to each resource, and holds `role:readonly`;
/// - the built-in `admin` user holds `role:admin`, so a fresh hub has one user who can do
///   everything before anyone writes a policy.
///
/// Written out line by line rather than as `*` so the grant is exactly what is listed here: a
/// resource or action added later is not silently handed to every admin. policy.csv can add
/// to these roles and can deny within them (deny wins), but cannot remove lines.
public enum BuiltinPolicy {
    public static let readonlyRole = "role:readonly"
    public static let adminRole = "role:admin"
    public static let adminUser = "admin"

    public static let csv = """
        # Built-in policy: role:readonly, role:admin, and the admin user.
        p, role:readonly, applications, get, */*, allow
        p, role:readonly, projects, get, *, allow
        p, role:readonly, clusters, get, *, allow
        p, role:readonly, repositories, get, *, allow
        p, role:readonly, accounts, get, *, allow
        p, role:readonly, audit, get, *, allow
        p, role:readonly, configrepos, get, *, allow

        p, role:admin, applications, create, */*, allow
        p, role:admin, applications, update, */*, allow
        p, role:admin, applications, delete, */*, allow
        p, role:admin, applications, sync, */*, allow
        p, role:admin, applications, rollback, */*, allow
        p, role:admin, applications, override, */*, allow
        p, role:admin, projects, create, *, allow
        p, role:admin, projects, update, *, allow
        p, role:admin, projects, delete, *, allow
        p, role:admin, clusters, create, *, allow
        p, role:admin, clusters, update, *, allow
        p, role:admin, clusters, delete, *, allow
        p, role:admin, repositories, create, *, allow
        p, role:admin, repositories, update, *, allow
        p, role:admin, repositories, delete, *, allow
        p, role:admin, accounts, create, *, allow
        p, role:admin, accounts, update, *, allow
        p, role:admin, accounts, delete, *, allow
        p, role:admin, configrepos, create, *, allow
        p, role:admin, configrepos, update, *, allow
        p, role:admin, configrepos, delete, *, allow

        g, role:admin, role:readonly
        g, admin, role:admin
        """

    /// The parsed lines. The text is a constant checked by tests, so parsing cannot fail at run
    /// time; were it ever edited badly, the enforcer reports the diagnostics like any other.
    static let parsed: PolicyParseResult = PolicyParser.parse(csv) { .builtin(line: $0) }
}
