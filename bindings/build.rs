//! Link settings of the shared library (`libthecal.so`) only; the static one (iOS) is linked by
//! the app's own linker.
//!
//! The shared library's relative relocations (pointers inside the library that the loader
//! adjusts to its load address: vtables, string tables) are stored packed, as each platform's
//! loader reads them: RELR on Linux (glibc 2.36 and later), Android's packed format (APS2, read
//! since Android 6, API 23; the library's minimum is API 26) on Android, where the NDK links with
//! lld. It cuts ~130 KB of `.rela.dyn` from the library (decision 0006); the code is unchanged.

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let flag = match os.as_str() {
        "linux" => Some("-Wl,-z,pack-relative-relocs"),
        "android" => Some("-Wl,--pack-dyn-relocs=android"),
        _ => None,
    };
    if let Some(flag) = flag {
        println!("cargo::rustc-cdylib-link-arg={flag}");
    }
}
