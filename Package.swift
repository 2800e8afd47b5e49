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
    ],
    targets: [
        .systemLibrary(
            name: "CLibSSH2",
            pkgConfig: "libssh2",
            providers: [.apt(["libssh2-1-dev", "libssl-dev"])]
        ),
        .target(name: "DroverModel"),
        .target(
            name: "DroverLoading",
            dependencies: ["DroverModel", .product(name: "Yams", package: "Yams")],
            exclude: ["README.md"]
        ),
        .target(name: "DroverEngine", dependencies: ["DroverModel"]),
        .target(name: "DroverSSH", dependencies: ["CLibSSH2", "DroverModel", "DroverEngine"]),
        .target(
            name: "DroverNotify",
            dependencies: ["DroverModel", .product(name: "Mustache", package: "swift-mustache")],
            exclude: ["README.md"]
        ),
        .target(name: "DroverTestSupport", dependencies: ["DroverModel", "DroverEngine"]),
        .executableTarget(
            name: "drover",
            dependencies: [
                "DroverModel", "DroverLoading", "DroverEngine", "DroverSSH", "DroverNotify",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(
            name: "DroverLoadingTests", dependencies: ["DroverLoading", "DroverTestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "DroverEngineTests", dependencies: ["DroverEngine", "DroverTestSupport"]),
        .testTarget(
            name: "DroverSSHTests",
            dependencies: ["DroverSSH", "DroverLoading", "DroverTestSupport"]
        ),
        .testTarget(name: "DroverCLITests", dependencies: ["DroverTestSupport"]),
        .testTarget(
            name: "DroverNotifyTests", dependencies: ["DroverNotify", "DroverLoading", "DroverTestSupport"],
            exclude: ["Golden"]),
    ]
)

// Strictness for every Swift target in one place.
for target in package.targets where target.type != .system {
    target.swiftSettings = (target.swiftSettings ?? []) + [
        .enableUpcomingFeature("ExistentialAny"),
    ]
}
