// swift-tools-version:6.2
// Hawser: a multi-cluster GitOps hub with lightweight agents.
// Layout: Protocol/ (contracts shared by hub and agent), Hub/, Agent/ (library targets),
// Sources/ (executables and KubeSim). See docs/architecture.md.
import PackageDescription

let nio: [Target.Dependency] = [
    .product(name: "NIOCore", package: "swift-nio"),
    .product(name: "NIOPosix", package: "swift-nio"),
    .product(name: "NIOSSL", package: "swift-nio-ssl"),
]
let log: Target.Dependency = .product(name: "Logging", package: "swift-log")
let subprocess: Target.Dependency = .product(name: "Subprocess", package: "swift-subprocess")
let x509: [Target.Dependency] = [
    .product(name: "X509", package: "swift-certificates"),
    .product(name: "Crypto", package: "swift-crypto"),
    .product(name: "SwiftASN1", package: "swift-asn1"),
]

let package = Package(
    name: "hawser",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "hawser-hub", targets: ["hawser-hub"]),
        .executable(name: "hawser-agent", targets: ["hawser-agent"]),
        .executable(name: "hawser", targets: ["hawser"]),
        .executable(name: "hawser-kubesim", targets: ["hawser-kubesim"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-certificates", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.1.0"),
        .package(url: "https://github.com/apple/swift-asn1", from: "1.7.4"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/swiftlang/swift-subprocess", from: "1.0.2"),
        .package(url: "https://github.com/vapor/jwt-kit", from: "5.8.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        // MARK: Protocol — the only code hub and agent share.
        .target(name: "HawserProtocol", path: "Protocol/HawserProtocol"),
        .target(name: "HawserLogging", dependencies: [log], path: "Protocol/HawserLogging"),
        .target(name: "HawserWire", dependencies: ["HawserProtocol", log] + nio + x509, path: "Protocol/HawserWire"),
        .target(name: "HawserMetrics", dependencies: [
            "HawserWire",
            .product(name: "CoreMetrics", package: "swift-metrics"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
        ] + nio, path: "Protocol/HawserMetrics"),

        // MARK: Hub
        .systemLibrary(name: "CLibGit2", path: "Hub/CLibGit2", pkgConfig: "libgit2", providers: [.apt(["libgit2-dev"])]),
        .target(name: "HubPKI", dependencies: ["HawserWire"] + x509, path: "Hub/HubPKI"),
        .target(name: "HubGit", dependencies: ["CLibGit2"], path: "Hub/HubGit"),
        .target(name: "HubRender", dependencies: ["HawserProtocol", "Yams", subprocess], path: "Hub/HubRender"),
        .target(name: "HubConfig", dependencies: ["HawserProtocol", "HubRender", "Yams"], path: "Hub/HubConfig"),
        .target(name: "HubRBAC", dependencies: ["HawserProtocol"], path: "Hub/HubRBAC"),
        .target(name: "HubAuth", dependencies: [
            "HawserProtocol", log,
            .product(name: "JWTKit", package: "jwt-kit"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "_CryptoExtras", package: "swift-crypto"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOCore", package: "swift-nio"),
        ], path: "Hub/HubAuth"),
        .target(name: "HubNotify", dependencies: [
            log, .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"), .product(name: "NIOCore", package: "swift-nio"),
        ], path: "Hub/HubNotify"),
        .target(name: "HubStore", dependencies: ["HawserProtocol", .product(name: "GRDB", package: "GRDB.swift"), .product(name: "Crypto", package: "swift-crypto")], path: "Hub/HubStore"),
        .target(name: "HubCore", dependencies: ["HawserProtocol", "HubStore", "HubGit", "HubRender", "HubConfig", "HubPKI", "HubRBAC", "HubAuth", "HubNotify", "HawserMetrics", log, .product(name: "NIOPosix", package: "swift-nio"), .product(name: "ServiceLifecycle", package: "swift-service-lifecycle")] + x509, path: "Hub/HubCore"),
        .target(name: "HubGateway", dependencies: ["HawserProtocol", "HawserWire", "HubCore", log] + nio + x509, path: "Hub/HubGateway"),
        .target(name: "HubAPI", dependencies: ["HawserProtocol", "HubCore", "HubRBAC", "HubStore", log, .product(name: "Hummingbird", package: "hummingbird"),
                                            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle")], path: "Hub/HubAPI",
                resources: [.copy("openapi.yaml")]),
        .target(name: "HubWeb", dependencies: ["HawserProtocol", "HubCore", "HubAPI", "HubRBAC", "HubStore", .product(name: "Hummingbird", package: "hummingbird")], path: "Hub/HubWeb"),
        .target(name: "HubServer", dependencies: [
            "HubCore", "HubGateway", "HubAPI", "HubWeb", "HawserMetrics", "HubStore", "HubPKI", "HubAuth", "HubNotify", "HubGit", "HubRender", "HawserWire", log,
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ] + nio, path: "Hub/HubServer"),

        // MARK: Agent (must not link the hub's store, HTTP server or libgit2)
        .target(name: "AgentEngine", dependencies: ["HawserProtocol"], path: "Agent/AgentEngine"),
        .target(name: "AgentKube", dependencies: [
            "HawserProtocol", "Yams", log,
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
        ] + nio, path: "Agent/AgentKube"),
        .target(name: "AgentLink", dependencies: ["HawserProtocol", "HawserWire", log] + nio, path: "Agent/AgentLink"),
        .target(name: "AgentRuntime", dependencies: ["HawserProtocol", "HawserWire", "HawserMetrics", "AgentEngine", "AgentKube", "AgentLink", log] + nio + x509, path: "Agent/AgentRuntime"),

        // MARK: KubeSim — an in-memory Kubernetes API server for tests, demos and load tests.
        .target(name: "KubeSim", dependencies: [
            "HawserProtocol", "Yams", log,
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdTLS", package: "hummingbird"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ] + nio + x509, path: "Sources/KubeSim"),

        // MARK: Executables
        .executableTarget(name: "hawser-hub", dependencies: ["HubServer", "HubCore", "HubRender", "HubAuth", "HubNotify", "HawserLogging", log, .product(name: "ArgumentParser", package: "swift-argument-parser")], path: "Sources/hawser-hub"),
        .executableTarget(name: "hawser-agent", dependencies: ["AgentRuntime", "HawserLogging", log, .product(name: "ArgumentParser", package: "swift-argument-parser")], path: "Sources/hawser-agent"),
        .executableTarget(name: "hawser", dependencies: [
            "HawserProtocol", "HawserWire", "Yams", .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
        ], path: "Sources/hawser"),
        // `make bench` only (seeds a store, times requests); not a product.
        .executableTarget(name: "hawser-benchtool", dependencies: [
            "HubServer", "HubCore", "HubStore", "HawserProtocol", "AgentRuntime", "AgentLink", "HawserWire", log,
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
        ], path: "Sources/hawser-benchtool"),
        .executableTarget(name: "hawser-kubesim", dependencies: ["KubeSim", log, .product(name: "ArgumentParser", package: "swift-argument-parser")], path: "Sources/hawser-kubesim"),

        // MARK: Tests
        // One seeded generator for every suite's randomised inputs.
        .target(name: "SeededRandom", path: "Tests/SeededRandom"),
        .testTarget(name: "HawserProtocolTests", dependencies: ["HawserProtocol", "HawserWire", "SeededRandom", .product(name: "NIOEmbedded", package: "swift-nio")] + nio, path: "Tests/HawserProtocolTests"),
        // Real servers tests start (an OpenID provider): shared by the auth and integration tests.
        .target(name: "OIDCTestSupport", dependencies: [
            "HubAuth", subprocess,
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOCore", package: "swift-nio"),
        ], path: "Tests/OIDCTestSupport"),
        .testTarget(name: "HubAuthTests", dependencies: [
            "HubAuth", "HawserProtocol", "OIDCTestSupport", subprocess,
            .product(name: "JWTKit", package: "jwt-kit"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "_CryptoExtras", package: "swift-crypto"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOCore", package: "swift-nio"),
        ], path: "Tests/HubAuthTests"),
        .testTarget(name: "HubRBACTests", dependencies: ["HubRBAC", "HawserProtocol"], path: "Tests/HubRBACTests"),
        .testTarget(name: "HubTests", dependencies: ["SeededRandom", "HubStore", "HubGit", "HubRender", "HubConfig", "HubPKI", "HubCore", "HawserProtocol"] + x509, path: "Tests/HubTests"),
        .testTarget(name: "AgentEngineTests", dependencies: ["SeededRandom", "AgentEngine", "AgentLink", "AgentKube", "HawserProtocol", "Yams"], path: "Tests/AgentEngineTests", exclude: ["testdata"]),
        .testTarget(name: "KubeSimTests", dependencies: ["KubeSim", "AgentKube", "HawserProtocol", subprocess, .product(name: "AsyncHTTPClient", package: "async-http-client")], path: "Tests/KubeSimTests"),
        .testTarget(name: "IntegrationTests", dependencies: [
            "HubServer", "HubCore", "HubRBAC", "HubPKI", "HubAuth", "HubNotify", "HawserMetrics", "OIDCTestSupport", "SeededRandom", "AgentRuntime", "AgentKube", "AgentLink", "KubeSim", "HawserProtocol", "HawserWire", subprocess,
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "JWTKit", package: "jwt-kit"),
        ] + nio + x509, path: "Tests/IntegrationTests"),
    ]
)
