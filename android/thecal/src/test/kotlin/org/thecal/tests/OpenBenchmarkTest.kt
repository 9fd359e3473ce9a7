package org.thecal.tests

import kotlinx.coroutines.runBlocking
import org.junit.Assert.assertNotNull
import org.junit.Assume.assumeTrue
import org.junit.Test
import org.thecal.core.Thecal

/**
 * App open to the first dashboard with five years of data, through the Kotlin bindings on the
 * JVM, as an app calls it: `Thecal.open` + `dashboard()` + `close()`.
 *
 * Runs only when `THECAL_BENCH_DIR` names a seeded five-years folder (`bash
 * android/bench-open.sh` seeds it and runs this alone, in a JVM of its own, so that the first
 * open is cold: the native library is loaded by it). Prints the cold first open and the median
 * of 20 warm opens; the script compares the median with the Rust-side figure.
 */
class OpenBenchmarkTest {
    @Test
    fun openToFirstDashboardWithFiveYears() = runBlocking<Unit> {
        val dir = System.getenv("THECAL_BENCH_DIR")
        assumeTrue("THECAL_BENCH_DIR not set: benchmark skipped", dir != null)
        val secrets = MemorySecretStore()

        // Open to the first dashboard; closing comes after the clock stops, as in the Rust figure.
        suspend fun openOnce(): Long {
            val t0 = System.nanoTime()
            val thecal = Thecal.open(dir!!, org.thecal.core.ThecalConfig("Europe/Paris"), secrets)
            val dashboard = thecal.dashboard()
            val elapsed = System.nanoTime() - t0
            thecal.close()
            assertNotNull("the five years' pump is on the dashboard", dashboard.pump)
            return elapsed
        }

        val cold = openOnce()
        repeat(50) { openOnce() } // warm-up: the JIT compiles the bindings' paths
        val warm = (1..20).map { openOnce() }.sorted()
        val median = (warm[9] + warm[10]) / 2
        println("kotlin open+dashboard: cold first %.3f ms, warm median of 20 %.3f ms (min %.3f, max %.3f)".format(
            cold / 1e6, median / 1e6, warm.first() / 1e6, warm.last() / 1e6))
    }
}
