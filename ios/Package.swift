// swift-tools-version:6.0
// The Swift face of Thecal: the generated UniFFI bindings (target `Thecal`) over the static Rust
// library `libthecal.a`, and their tests. The generated files are copied in by
// run-tests.sh (never committed); the library is looked up in THECAL_LIB_DIR, by
// default ../build/swift/lib, which holds only the static library so the linker cannot pick
// the shared one.
import Foundation
import PackageDescription

let libDir = ProcessInfo.processInfo.environment["THECAL_LIB_DIR"]
    ?? URL(fileURLWithPath: Context.packageDirectory)
        .appendingPathComponent("../build/swift/lib").standardized.path

let package = Package(
    name: "Thecal",
    platforms: [.iOS(.v15), .macOS(.v12)],
    products: [
        .library(name: "Thecal", targets: ["Thecal"]),
    ],
    targets: [
        // The C header of the Rust library and its module map (`link "thecal"`).
        .systemLibrary(name: "thecalFFI", path: "Sources/thecalFFI"),
        // The generated Swift API (module `Thecal`).
        .target(
            name: "Thecal",
            dependencies: ["thecalFFI"],
            path: "Sources/Thecal",
            // Swift 6.0.3's region-isolation pass (TransferNonSendable) crashes the compiler on
            // UniFFI's glue for async methods of foreign traits (BleTransport). The generated file
            // is compiled in Swift 5 mode; the app and the tests stay in Swift 6 mode.
            swiftSettings: [.swiftLanguageMode(.v5)],
            linkerSettings: [
                .unsafeFlags(["-L", libDir]),
                // What Rust's standard library takes from the system. On glibc >= 2.34 (trixie)
                // dl and pthread live in libc and Swift already links m and gcc_s, so these only
                // matter on older systems; they are listed so the link never depends on that.
                .linkedLibrary("m", .when(platforms: [.linux])),
                .linkedLibrary("dl", .when(platforms: [.linux])),
                .linkedLibrary("pthread", .when(platforms: [.linux])),
                .linkedLibrary("gcc_s", .when(platforms: [.linux])),
            ]
        ),
        .testTarget(name: "ThecalTests", dependencies: ["Thecal"], path: "Tests/ThecalTests"),
    ]
)
