// swift-tools-version:6.0
// The Swift face of Thecal, in three targets:
//   thecalFFI       the Rust library's C module: on Apple platforms the XCFramework that
//                   build-xcframework.sh makes (macOS only); on Linux the header that
//                   run-tests.sh copies in, linking the static library from THECAL_LIB_DIR
//   ThecalBindings  the generated UniFFI API (Swift 5 language mode, see below)
//   Thecal          the hand-written layer (Swift 6 mode), re-exporting ThecalBindings: what
//                   apps import
// and the tests. Generated files are never committed (see README.md).
import PackageDescription

#if os(Linux)
import Foundation

// The test build on Linux: the static library is looked up in THECAL_LIB_DIR, by default
// ../build/swift/lib, which holds only the static library so the linker cannot pick the shared
// one. These linker flags are why this path is for local builds only (SwiftPM refuses
// unsafeFlags in a dependency).
let libDir = ProcessInfo.processInfo.environment["THECAL_LIB_DIR"]
    ?? URL(fileURLWithPath: Context.packageDirectory)
        .appendingPathComponent("../build/swift/lib").standardized.path
let ffi: Target = .systemLibrary(name: "thecalFFI", path: "Sources/thecalFFI")
let linkRustLibrary: [LinkerSetting] = [
    .unsafeFlags(["-L", libDir]),
    // What Rust's standard library takes from the system. On glibc >= 2.34 (trixie) dl and
    // pthread live in libc and Swift already links m and gcc_s, so these only matter on older
    // systems; they are listed so the link never depends on that.
    .linkedLibrary("m"),
    .linkedLibrary("dl"),
    .linkedLibrary("pthread"),
    .linkedLibrary("gcc_s"),
]
#else
// Apple platforms: the static library and its C module, for iOS devices, the iOS simulator and
// macOS, in one XCFramework. No unsafe flags, so the package works as a dependency. A static
// library does not bring the system frameworks its Rust crates link: the local time zone is read
// through CoreFoundation (chrono's iana-time-zone); the rest (randomness, libc) is in libSystem.
let ffi: Target = .binaryTarget(name: "thecalFFI", path: "thecalFFI.xcframework")
let linkRustLibrary: [LinkerSetting] = [.linkedFramework("CoreFoundation")]
#endif

let package = Package(
    name: "Thecal",
    platforms: [.iOS(.v15), .macOS(.v12)],
    products: [
        .library(name: "Thecal", targets: ["Thecal"]),
    ],
    targets: [
        ffi,
        // Swift 6.0.3's region-isolation pass (TransferNonSendable) crashes the compiler on
        // UniFFI's glue for async methods of foreign traits (BleTransport) in Swift 6 mode, so
        // the generated file is compiled in Swift 5 mode. 6.0.3 is still the newest Swift in
        // Debian (trixie, forky and sid, checked 2026-11-26); try again with a newer one.
        .target(
            name: "ThecalBindings",
            dependencies: ["thecalFFI"],
            path: "Sources/ThecalBindings",
            swiftSettings: [.swiftLanguageMode(.v5)],
            linkerSettings: linkRustLibrary
        ),
        // The hand-written layer: Swift 6 language mode (the tools version's default), so
        // complete strict concurrency checking.
        .target(name: "Thecal", dependencies: ["ThecalBindings"], path: "Sources/Thecal"),
        .testTarget(name: "ThecalTests", dependencies: ["Thecal"], path: "Tests/ThecalTests"),
    ]
)
