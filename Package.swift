// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "Drover",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "drover", targets: ["drover"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", exact: "6.2.2"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", exact: "2.1.1"),
        .package(url: "https://github.com/groue/GRDB.swift", exact: "7.10.0"),
        .package(url: "https://github.com/apple/swift-crypto", exact: "3.12.3"),
        // Running local programs (notify commands): swift-subprocess, and swift-system for its FilePath.
        .package(url: "https://github.com/swiftlang/swift-subprocess", exact: "1.0.2"),
        .package(url: "https://github.com/apple/swift-system", exact: "1.8.1"),
        // Diagnostics (`--verbose`): the libraries take a Logger, the executable decides where it goes.
        .package(url: "https://github.com/apple/swift-log", exact: "1.16.2"),
        // The one HTTP client (webhooks, and the HTTP later capabilities need), and the SwiftNIO parts whose errors
        // it reports.
        .package(url: "https://github.com/swift-server/async-http-client", exact: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio", exact: "2.101.3"),
        .package(url: "https://github.com/apple/swift-nio-ssl", exact: "2.37.6"),
        // The team journal on a PostgreSQL server (SPEC §9): its own target, so SQLite-only code never links SwiftNIO.
        .package(url: "https://github.com/vapor/postgres-nio", exact: "1.33.2"),
    ],
    targets: [
        .systemLibrary(
            name: "CLibSSH2",
            pkgConfig: "libssh2",
            providers: [.apt(["libssh2-1-dev", "libssl-dev"])]
        ),
        .target(name: "DroverModel", exclude: ["README.md"]),
        .target(
            name: "DroverLoading",
            dependencies: ["DroverModel", .product(name: "Yams", package: "Yams")],
            exclude: ["README.md"]
        ),
        .target(name: "DroverEngine", dependencies: ["DroverModel"], exclude: ["README.md"]),
        .target(
            name: "DroverHTTP",
            dependencies: [
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"), .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            exclude: ["README.md"]
        ),
        .target(name: "DroverSSH", dependencies: ["CLibSSH2", "DroverModel"], exclude: ["README.md"]),
        // Analysis gates (SPEC section 10): the pure evaluator, metric sources over DroverHTTP, the afterSteps gate.
        .target(
            name: "DroverAnalysis", dependencies: ["DroverModel", "DroverEngine", "DroverHTTP"], exclude: ["README.md"]),
        .target(
            name: "DroverNotify",
            dependencies: [
                "DroverHTTP", "DroverModel", .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "SystemPackage", package: "swift-system"),
            ],
            exclude: ["README.md"]
        ),
        .target(
            name: "DroverJournal",
            dependencies: [
                "DroverModel", .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            exclude: ["README.md"]
        ),
        .target(
            name: "DroverJournalPostgres",
            dependencies: [
                "DroverModel", "DroverJournal", .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            exclude: ["README.md"]
        ),
        .target(
            name: "DroverRuntime",
            dependencies: [
                "DroverModel", "DroverLoading", "DroverEngine", "DroverJournal", "DroverNotify", "DroverAnalysis",
                .product(name: "Logging", package: "swift-log"),
                // Steps delegated to localhost run on the controller as local processes.
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "SystemPackage", package: "swift-system"),
            ],
            exclude: ["README.md"]
        ),
        .target(
            name: "DroverTestSupport",
            dependencies: [
                "DroverModel", "DroverEngine", "DroverJournal", "DroverJournalPostgres",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            exclude: ["README.md"]),
        .executableTarget(
            name: "drover",
            dependencies: [
                "DroverModel", "DroverLoading", "DroverEngine", "DroverSSH", "DroverNotify", "DroverJournal",
                "DroverJournalPostgres", "DroverRuntime",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "DroverLoadingTests", dependencies: ["DroverLoading", "DroverTestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "DroverEngineTests", dependencies: ["DroverEngine", "DroverTestSupport"]),
        .testTarget(
            name: "DroverSSHTests",
            dependencies: ["CLibSSH2", "DroverSSH", "DroverLoading", "DroverTestSupport"]
        ),
        .testTarget(
            name: "DroverNotifyTests", dependencies: ["DroverNotify", "DroverLoading", "DroverTestSupport"],
            exclude: ["Golden"]),
        .testTarget(
            name: "DroverJournalTests",
            dependencies: ["DroverJournal", "DroverJournalPostgres", "DroverEngine", "DroverTestSupport"],
            exclude: ["Fixtures"]),
        .testTarget(
            name: "DroverJournalPostgresTests",
            dependencies: ["DroverJournal", "DroverJournalPostgres", "DroverTestSupport"]),
        .testTarget(name: "DroverHTTPTests", dependencies: ["DroverHTTP", "DroverTestSupport"]),
        .testTarget(
            name: "DroverAnalysisTests",
            dependencies: ["DroverAnalysis", "DroverEngine", "DroverLoading", "DroverTestSupport"]),
        .testTarget(
            name: "DroverRuntimeTests",
            dependencies: ["DroverRuntime", "DroverTestSupport", .product(name: "Logging", package: "swift-log")]),
        .testTarget(
            name: "DroverCLITests",
            dependencies: ["DroverTestSupport", "DroverAnalysis", .product(name: "GRDB", package: "GRDB.swift")]),
    ]
)

// Strictness for every Swift target in one place.
for target in package.targets where target.type != .system {
    target.swiftSettings = (target.swiftSettings ?? []) + [
        .enableUpcomingFeature("ExistentialAny"),
    ]
}
