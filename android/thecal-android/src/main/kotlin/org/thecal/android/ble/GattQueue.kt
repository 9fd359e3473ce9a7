package org.thecal.android.ble

import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.delay
import kotlinx.coroutines.sync.Mutex
import kotlinx.coroutines.sync.withLock
import kotlinx.coroutines.withTimeoutOrNull

/** Why a queued GATT operation did not complete. */
sealed class GattFailure(message: String) : Exception(message) {
    /** The stack refused to start it (`false`: busy, or the connection is gone). */
    class NotStarted(op: String) : GattFailure("$op was not started by the Bluetooth stack")

    /** No callback came in time. */
    class TimedOut(op: String) : GattFailure("$op timed out")

    /** The link went down while it was in flight. */
    class Disconnected(op: String) : GattFailure("the link went down during $op")

    /** The callback reported [status]. */
    class Status(op: String, val status: Int) : GattFailure("$op failed: ${GattStatus.name(status)}")
}

/**
 * One GATT operation at a time: Android drops (returns `false` for) an operation started while
 * another is in flight, so every read, write, descriptor write, discovery and MTU request waits
 * here for the previous one's callback. Feed every callback to [onEvent].
 */
class GattQueue(private val timeoutMs: Long = 10_000) {
    private val mutex = Mutex()

    private class Pending(val op: String, val matches: (GattEvent) -> Boolean) {
        val result = CompletableDeferred<GattEvent>()
    }

    @Volatile private var pending: Pending? = null

    /** Operations started so far (for tests and diagnostics). */
    @Volatile var started: Int = 0
        private set

    /**
     * Starts [op] with [start] once nothing else is in flight and waits for the callback that
     * [matches] accepts. Fails with a [GattFailure].
     */
    suspend fun run(op: String, matches: (GattEvent) -> Boolean, start: () -> Boolean): GattEvent =
        mutex.withLock {
            val p = Pending(op, matches)
            pending = p
            try {
                started++
                if (!start()) throw GattFailure.NotStarted(op)
                withTimeoutOrNull(timeoutMs) { p.result.await() } ?: throw GattFailure.TimedOut(op)
            } finally {
                pending = null
            }
        }

    /** Completes the operation in flight if [event] is its callback; `true` if it was. */
    fun onEvent(event: GattEvent): Boolean {
        val p = pending ?: return false
        if (event is GattEvent.ConnectionChanged && !event.connected) {
            p.result.completeExceptionally(GattFailure.Disconnected(p.op))
            return true
        }
        if (!p.matches(event)) return false
        return p.result.complete(event)
    }
}

/** How often and how patiently a transient failure (status 133, a timeout) is tried again. */
data class RetryPolicy(
    /** Tries in all, the first included. */
    val attempts: Int = 3,
    /** The wait before the second try; doubled before each next one. */
    val firstDelayMs: Long = 250,
) {
    /** The wait before try number [attempt] (2 for the first retry). */
    fun delayBefore(attempt: Int): Long = firstDelayMs shl (attempt - 2).coerceIn(0, 16)
}

/**
 * Runs [block] until it succeeds, a non-transient failure, or [policy]'s tries are spent; a
 * [GattFailure] is transient when it is a status [GattStatus.isTransient] accepts, a refusal to
 * start, or a timeout.
 */
suspend fun <T> retryTransient(policy: RetryPolicy, block: suspend (attempt: Int) -> T): T {
    var attempt = 1
    while (true) {
        try {
            return block(attempt)
        } catch (e: GattFailure) {
            val transient = when (e) {
                is GattFailure.Status -> GattStatus.isTransient(e.status)
                is GattFailure.NotStarted, is GattFailure.TimedOut -> true
                is GattFailure.Disconnected -> false
            }
            if (!transient || attempt >= policy.attempts) throw e
            attempt++
            delay(policy.delayBefore(attempt))
        }
    }
}
