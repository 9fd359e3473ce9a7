// The JUnit 4 runner for the Kotlin tests: finds every test class in the compiled test folder,
// runs them, prints each failure, then a line "N passed, N failed" alone, and exits non-zero if
// anything failed (or if no test ran at all, which would mean the harness is broken).
package org.thecal.tests.runner

import java.io.File
import kotlin.system.exitProcess
import org.junit.Test
import org.junit.runner.Description
import org.junit.runner.JUnitCore
import org.junit.runner.Result
import org.junit.runner.notification.Failure
import org.junit.runner.notification.RunListener

/** Prints one line per test as it finishes. */
private class Progress : RunListener() {
    private val failed = mutableSetOf<Description>()

    override fun testFailure(failure: Failure) {
        failed += failure.description
    }

    override fun testAssumptionFailure(failure: Failure) {
        println("  skip ${failure.description.displayName}: ${failure.message}")
    }

    override fun testFinished(description: Description) {
        val mark = if (description in failed) "FAIL" else "ok  "
        println("  $mark ${description.className.substringAfterLast('.')}.${description.methodName}")
    }
}

/** Top-level classes under [root] (a folder of .class files) that have a JUnit 4 @Test method. */
private fun testClasses(root: File, loader: ClassLoader): List<Class<*>> =
    root.walkTopDown()
        .filter { it.isFile && it.name.endsWith(".class") && '$' !in it.name }
        .map { it.relativeTo(root).path.removeSuffix(".class").replace(File.separatorChar, '.') }
        .sorted()
        .map { Class.forName(it, false, loader) }
        .filter { c -> c.methods.any { it.isAnnotationPresent(Test::class.java) } }
        .toList()

fun main(args: Array<String>) {
    val root = File(args.singleOrNull() ?: error("usage: RunTests <folder of compiled tests>"))
    val classes = testClasses(root, Thread.currentThread().contextClassLoader)
    println("running ${classes.size} test classes: ${classes.joinToString { it.simpleName }}")

    val core = JUnitCore()
    core.addListener(Progress())
    val result: Result = core.run(*classes.toTypedArray())

    for (f in result.failures) {
        println()
        println("FAILED ${f.testHeader}")
        println(f.trace.trimEnd())
    }
    val failed = result.failureCount
    val passed = result.runCount - failed
    println()
    println("$passed passed, $failed failed")
    exitProcess(if (failed == 0 && result.runCount > 0) 0 else 1)
}
