//! The README's Kotlin and Swift snippets are exactly the code the Kotlin and Swift suites compile
//! and run (between `// README:<lang>` and `// README:end` in the example tests).

#![allow(clippy::unwrap_used, clippy::expect_used)] // Test code: a failed unwrap is a failed test.

use std::path::Path;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the workspace root")
}

fn between<'a>(text: &'a str, start: &str, end: &str) -> &'a str {
    let a = text.find(start).unwrap_or_else(|| panic!("no {start:?}")) + start.len();
    let b = a + text[a..]
        .find(end)
        .unwrap_or_else(|| panic!("no {end:?} after {start:?}"));
    text[a..b].trim_matches('\n')
}

fn check(lang: &str, test_file: &str) {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let test = std::fs::read_to_string(root().join(test_file)).unwrap();
    let in_readme = between(&readme, &format!("```{lang}\n"), "```");
    let in_test = between(&test, &format!("// README:{lang}\n"), "// README:end");
    assert_eq!(
        in_readme, in_test,
        "the README's {lang} snippet differs from {test_file}"
    );
}

#[test]
fn kotlin_snippet_is_the_tested_code() {
    check(
        "kotlin",
        "android/thecal/src/test/kotlin/org/thecal/tests/ReadmeExampleTest.kt",
    );
}

#[test]
fn swift_snippet_is_the_tested_code() {
    check("swift", "ios/Tests/ThecalTests/ReadmeExampleTests.swift");
}
