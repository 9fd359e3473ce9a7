package org.thecal

import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.channels.awaitClose
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.buffer
import kotlinx.coroutines.flow.callbackFlow
import kotlinx.coroutines.flow.distinctUntilChanged
import kotlinx.coroutines.flow.map
import kotlinx.coroutines.flow.mapNotNull
import kotlinx.coroutines.flow.stateIn
import org.thecal.core.AlarmView
import org.thecal.core.Dashboard
import org.thecal.core.DashboardListener
import org.thecal.core.LinkEvent
import org.thecal.core.LinkListener
import org.thecal.core.LinkState
import org.thecal.core.PumpLink
import org.thecal.core.Subscription
import org.thecal.core.Thecal

/**
 * Live pump updates: [LinkEvent.Snapshot] (the current state, read from the store) first, then
 * every change in order: states, readings, alarms, history, link lost. Nothing is dropped: the
 * buffer is unbounded, because every reading and alarm counts and the core has stored each one
 * before publishing it.
 *
 * The flow is cold: each collector subscribes on its own, and cancelling the collector cancels
 * its subscription (the link no longer counts it in [PumpLink.subscriberCount]). Subscribing
 * fails with a [ThecalException]. The core calls the listener on a thread of its own; collect on
 * the app's dispatcher (`Dispatchers.Main` for the UI): on `Dispatchers.Unconfined` the collector
 * would run on that thread.
 */
fun PumpLink.events(): Flow<LinkEvent> = callbackFlow {
    val listener = object : LinkListener {
        override fun onEvent(event: LinkEvent) {
            // Unbounded channel: fails only once the collector has gone.
            trySend(event)
        }
    }
    val subscription = mapThecalErrors { subscribe(listener) }
    awaitClose { subscription.release() }
}.buffer(Channel.UNLIMITED)

/**
 * The link's state: the current one first, then each change (repeats left out). Built on
 * [events], so it subscribes while collected and unsubscribes when the collector is cancelled.
 */
fun PumpLink.states(): Flow<LinkState> = events()
    .mapNotNull { event ->
        when (event) {
            is LinkEvent.Snapshot -> event.snapshot.state
            is LinkEvent.StateChanged -> event.state
            else -> null
        }
    }
    .distinctUntilChanged()

/**
 * The link's state as a [StateFlow] kept up to date in [scope] (e.g. a view model's scope):
 * suspends until the current state is known, and unsubscribes when [scope] is cancelled.
 */
suspend fun PumpLink.stateIn(scope: CoroutineScope): StateFlow<LinkState> = states().stateIn(scope)

/**
 * Everything the home screen shows: the dashboard at once, then again whenever anything it shows
 * changes (a write, a link event) and at least every minute while the data ages.
 *
 * A dashboard is a state, not an event: a slow collector gets the newest one and skips the ones
 * it had no time for (the buffer is conflated). Pump alarms are never lost this way: they are in
 * the store and in every later dashboard until cleared (see [activeAlarms]; [events] delivers
 * each alarm event). Cancelling the collector releases the core's watcher
 * ([Thecal.dashboardWatcherCount] goes down). Watching fails with a [ThecalException].
 */
fun Thecal.dashboardUpdates(): Flow<Dashboard> = callbackFlow {
    val listener = object : DashboardListener {
        override fun onDashboard(dashboard: Dashboard) {
            trySend(dashboard)
        }
    }
    val subscription = mapThecalErrors { watchDashboard(listener) }
    awaitClose { subscription.release() }
}.buffer(Channel.CONFLATED)

/**
 * The pump's open alarms, most urgent then newest first, each with whether it is known to be
 * still active: the current list at once, then each time it changes. From [dashboardUpdates],
 * so the list is the stored one (an alarm raised while the app was away is in it).
 */
fun Thecal.activeAlarms(): Flow<List<AlarmView>> = dashboardUpdates()
    .map { it.alarms }
    .distinctUntilChanged()

/** Unregisters the listener at once, then frees the native handle. */
private fun Subscription.release() {
    cancel()
    close()
}
