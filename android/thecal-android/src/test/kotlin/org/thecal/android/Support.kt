package org.thecal.android

import java.util.concurrent.ConcurrentHashMap
import org.thecal.core.SecretStore

/** The tests' key store, in memory. */
class MemorySecrets : SecretStore {
    private val secrets = ConcurrentHashMap<String, ByteArray>()

    override fun load(name: String): ByteArray? = secrets[name]?.copyOf()

    override fun save(name: String, secret: ByteArray) {
        secrets[name] = secret.copyOf()
    }

    override fun delete(name: String) {
        secrets.remove(name)
    }
}
