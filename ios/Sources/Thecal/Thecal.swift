// The Swift face of Thecal: the generated UniFFI API, re-exported, plus the hand-written layer
// in this folder (live data as AsyncSequences, errors that read well, the Keychain key store).
//
// Why two modules: the generated code (`ThecalBindings`) must be compiled in Swift 5 language
// mode, because Swift 6.0.3 (the newest Swift Debian ships) crashes on UniFFI's glue for async
// methods of foreign traits in Swift 6 mode (see Package.swift). Language modes are per target,
// so the hand-written code lives here, in Swift 6 mode with strict concurrency checking, and
// re-exports the generated API: an app writes `import Thecal` and sees both.

@_exported import ThecalBindings
