package org.thecal.tests

import java.nio.file.Path
import java.util.concurrent.ConcurrentHashMap
import org.thecal.core.SecretStore
import org.thecal.core.Thecal
import org.thecal.core.ThecalConfig

/**
 * The platform key store for the tests: secrets in memory, as the Android Keystore would keep
 * them for the app (the core stores the clinic's private keys here, never in its database).
 */
class MemorySecretStore : SecretStore {
    private val secrets = ConcurrentHashMap<String, ByteArray>()

    /** The names it holds, sorted. */
    fun names(): List<String> = secrets.keys.sorted()

    override fun load(name: String): ByteArray? = secrets[name]?.copyOf()

    override fun save(name: String, secret: ByteArray) {
        secrets[name] = secret.copyOf()
    }

    override fun delete(name: String) {
        secrets.remove(name)
    }
}

/** Opens Thecal in [dir] for a patient in [timeZone], with its keys in [secrets]. */
suspend fun openThecal(
    dir: Path,
    timeZone: String = "Europe/Paris",
    secrets: SecretStore = MemorySecretStore(),
): Thecal = Thecal.open(dir.toString(), ThecalConfig(timeZone), secrets)

/**
 * Runs [block] and returns the [E] it throws; fails if it throws nothing or something else.
 * Inline, so [block] may call `suspend` functions (JUnit's `assertThrows` takes a plain lambda).
 */
inline fun <reified E : Throwable> expectThrows(block: () -> Unit): E {
    try {
        block()
    } catch (e: Throwable) {
        if (e is E) return e
        throw AssertionError("expected ${E::class.java.name}, got $e", e)
    }
    throw AssertionError("expected ${E::class.java.name}, nothing was thrown")
}
