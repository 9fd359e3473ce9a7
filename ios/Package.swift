// swift-tools-version:6.0
// The Swift face of Thecal, in three targets:
//   thecalFFI       the Rust library's C module: the header that run-tests.sh copies in, linking
//                   the static library from THECAL_LIB_DIR
//   ThecalBindings  the generated UniFFI API (Swift 5 language mode, see below)
//   Thecal          the hand-written layer (Swift 6 mode), re-exporting ThecalBindings: what
//                   apps import
// and the tests. Generated files are never committed (see README.md). The static library is
// looked up in THECAL_LIB_DIR, by default ../build/swift/lib, which holds only the static
// library so the linker cannot pick the shared one.
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
        // Swift 6.0.3's region-isolation pass (TransferNonSendable) crashes the compiler on
        // UniFFI's glue for async methods of foreign traits (BleTransport) in Swift 6 mode, so
        // the generated file is compiled in Swift 5 mode. 6.0.3 is still the newest Swift in
        // Debian (trixie, forky and sid, checked 2026-11-26); try again with a newer one.
        .target(
            name: "ThecalBindings",
            dependencies: ["thecalFFI"],
            path: "Sources/ThecalBindings",
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
        // The hand-written layer: Swift 6 language mode (the tools version's default), so
        // complete strict concurrency checking.
        .target(name: "Thecal", dependencies: ["ThecalBindings"], path: "Sources/Thecal"),
        .testTarget(name: "ThecalTests", dependencies: ["Thecal"], path: "Tests/ThecalTests"),
    ]
)
