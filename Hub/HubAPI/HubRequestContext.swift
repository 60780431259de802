import Foundation
import HawserProtocol
import HubCore
import Hummingbird

/// Per-request context: the authenticated caller, and JSON coders matching the CLI's.
public struct HubRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Set by `AuthenticationMiddleware`; handlers behind it can rely on it.
    public var principal: Principal?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.principal = nil
    }

    /// The authenticated caller; only used behind `AuthenticationMiddleware`, which sets it.
    public var caller: Principal { principal ?? Principal(name: "") }

    public var requestDecoder: JSONDecoder { WireJSON.decoder() }
    public var responseEncoder: JSONEncoder {
        let e = WireJSON.encoder()
        e.outputFormatting.insert(.prettyPrinted)
        return e
    }
}
