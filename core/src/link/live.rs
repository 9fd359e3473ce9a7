//! Live data for the apps: a listener receives the current state first, then every change, in
//! order. Nothing is dropped for a slow listener (each has its own unbounded queue), and a slow
//! listener never slows the link. Delivery runs as one task per subscriber on the core's
//! runtime, not a thread each: the task waits for the next event and hands the call into the app
//! (which may block) to a small pool of delivery threads shared by all subscribers, one call at
//! a time per subscriber, in order. Dropping or cancelling the [`Subscription`] ends the task.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::mpsc;

use super::LinkEvent;

/// Receives live link events. Implemented by the app (Kotlin `Flow`/Swift `AsyncSequence`
/// wrappers are built on it) or by Rust code.
/// A callback interface (implemented in Kotlin or Swift, or in Rust), not an object the apps are
/// handed: UniFFI then needs no code to call a Rust listener from the apps (decision 0006).
#[cfg_attr(feature = "uniffi", uniffi::export(callback_interface))]
pub trait LinkListener: Send + Sync + std::fmt::Debug {
    /// Called once per event, in order, on a background thread of the core's runtime (never two
    /// at once for one subscription).
    ///
    /// # Errors
    /// Any error is logged and delivery continues with the next event.
    fn on_event(&self, event: LinkEvent) -> Result<(), ListenerError>;
}

/// A listener's failure (logged, never fatal).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Error))]
#[cfg_attr(feature = "uniffi", uniffi::export(Display))]
#[non_exhaustive]
pub enum ListenerError {
    /// The listener could not handle the event.
    #[error("The app could not handle a pump update ({reason}).")]
    Failed {
        /// The listener's reason.
        reason: String,
    },
}

#[cfg(feature = "uniffi")]
impl From<uniffi::UnexpectedUniFFICallbackError> for ListenerError {
    fn from(e: uniffi::UnexpectedUniFFICallbackError) -> Self {
        Self::Failed { reason: e.reason }
    }
}

/// What cancelling a subscription does.
type OnCancel = Box<dyn FnOnce() + Send>;

/// A live subscription (to the link's events, or to the dashboard). Delivery stops on
/// [`Subscription::cancel`] or when it is dropped: once `cancel` returns, the listener is no
/// longer registered.
#[cfg_attr(feature = "uniffi", derive(uniffi::Object))]
pub struct Subscription {
    on_cancel: Mutex<Option<OnCancel>>,
}

impl std::fmt::Debug for Subscription {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Subscription").finish_non_exhaustive()
    }
}

impl Subscription {
    /// A subscription whose cancellation runs `on_cancel` (once).
    pub(crate) fn new(on_cancel: impl FnOnce() + Send + 'static) -> Arc<Self> {
        Arc::new(Self {
            on_cancel: Mutex::new(Some(Box::new(on_cancel))),
        })
    }
}

#[cfg_attr(feature = "uniffi", uniffi::export)]
impl Subscription {
    /// Stops delivery; events not yet delivered are discarded. Safe to call more than once.
    pub fn cancel(&self) {
        let on_cancel = self
            .on_cancel
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(f) = on_cancel {
            f();
        }
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        self.cancel();
    }
}

/// Fans events out to subscribers. Publishing and subscribing are serialised, so a new
/// subscriber's first event (the current state) is never overtaken by a change.
#[derive(Debug, Default)]
pub(crate) struct Publisher {
    subscribers: Mutex<Vec<(u64, mpsc::UnboundedSender<LinkEvent>)>>,
    next_id: AtomicU64,
    /// The threads that call into listeners, started with the first subscriber.
    pool: std::sync::OnceLock<Option<Pool>>,
}

/// How many threads call into the listeners of one publisher, however many subscribers there
/// are (a listener blocked in the app holds one; the others go on).
const POOL_THREADS: usize = 3;

type Call = Box<dyn FnOnce() + Send>;

/// A few threads taking listener calls from one queue; they end when the publisher is dropped.
#[derive(Debug)]
struct Pool {
    calls: Mutex<std::sync::mpsc::Sender<Call>>,
}

impl Pool {
    fn start() -> Option<Self> {
        let (tx, rx) = std::sync::mpsc::channel::<Call>();
        let rx = Arc::new(Mutex::new(rx));
        for _ in 0..POOL_THREADS {
            let rx = Arc::clone(&rx);
            let spawned = std::thread::Builder::new()
                .name("thecal-listeners".into())
                .spawn(move || {
                    loop {
                        let next = rx.lock().unwrap_or_else(PoisonError::into_inner).recv();
                        match next {
                            Ok(call) => call(),
                            Err(_) => return,
                        }
                    }
                });
            if spawned.is_err() {
                tracing::error!("could not start a listener thread");
                return None;
            }
        }
        Some(Self {
            calls: Mutex::new(tx),
        })
    }

    fn run(&self, call: Call) -> bool {
        self.calls
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .send(call)
            .is_ok()
    }
}

impl Publisher {
    /// Registers `listener`; `current` computes the first event while no change can be published.
    /// Delivery runs on `rt` until the subscription is cancelled or dropped.
    pub(crate) fn subscribe(
        self: &Arc<Self>,
        rt: &tokio::runtime::Handle,
        listener: Arc<dyn LinkListener>,
        current: impl FnOnce() -> LinkEvent,
    ) -> Arc<Subscription> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let cancelled = Arc::new(AtomicBool::new(false));
        let (tx, mut rx) = mpsc::unbounded_channel();
        {
            let mut subs = self
                .subscribers
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            let _ = tx.send(current());
            subs.push((id, tx));
        }
        let stop = Arc::clone(&cancelled);
        let publisher = Arc::clone(self);
        let task = rt.spawn(async move {
            let Some(pool) = publisher.pool.get_or_init(Pool::start).as_ref() else {
                return;
            };
            while let Some(event) = rx.recv().await {
                if stop.load(Ordering::SeqCst) {
                    break;
                }
                let l = Arc::clone(&listener);
                let (done, delivered) = tokio::sync::oneshot::channel();
                let queued = pool.run(Box::new(move || {
                    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        l.on_event(event)
                    }));
                    let _ = done.send(r);
                }));
                if !queued {
                    break;
                }
                match delivered.await {
                    Ok(Ok(Ok(()))) => {}
                    Ok(Ok(Err(e))) => {
                        tracing::warn!(error = %e, "a link listener failed; delivery continues");
                    }
                    Ok(Err(_)) | Err(_) => {
                        tracing::warn!("a link listener panicked; delivery continues");
                    }
                }
            }
        });
        let publisher = Arc::clone(self);
        Subscription::new(move || {
            cancelled.store(true, Ordering::SeqCst);
            publisher.remove(id);
            task.abort();
        })
    }

    /// Sends `event` to every subscriber (never blocks, never drops).
    pub(crate) fn publish(&self, event: &LinkEvent) {
        let mut subs = self
            .subscribers
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        subs.retain(|(_, tx)| tx.send(event.clone()).is_ok());
    }

    fn remove(&self, id: u64) {
        self.subscribers
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .retain(|(i, _)| *i != id);
    }

    /// How many subscribers are registered.
    pub(crate) fn len(&self) -> usize {
        self.subscribers
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::link::LinkState;
    use std::sync::mpsc as std_mpsc;
    use std::time::Duration;

    /// A listener that forwards events to a channel the test reads with a deadline.
    #[derive(Debug)]
    pub(crate) struct Collect(pub(crate) Mutex<std_mpsc::Sender<LinkEvent>>);

    impl LinkListener for Collect {
        fn on_event(&self, event: LinkEvent) -> Result<(), ListenerError> {
            let _ = self.0.lock().unwrap().send(event);
            Ok(())
        }
    }

    pub(crate) fn collector() -> (Arc<Collect>, std_mpsc::Receiver<LinkEvent>) {
        let (tx, rx) = std_mpsc::channel();
        (Arc::new(Collect(Mutex::new(tx))), rx)
    }

    fn rt() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap()
    }

    fn state(attempt: u32) -> LinkEvent {
        LinkEvent::StateChanged {
            state: LinkState::Reconnecting {
                attempt,
                retry_in_ms: 0,
            },
        }
    }

    #[test]
    fn current_state_first_then_every_change_in_order() {
        let rt = rt();
        let publisher = Arc::new(Publisher::default());
        let (listener, rx) = collector();
        let _sub = publisher.subscribe(rt.handle(), listener, || state(0));
        for i in 1..=1000 {
            publisher.publish(&state(i));
        }
        for i in 0..=1000 {
            assert_eq!(rx.recv_timeout(Duration::from_secs(5)).unwrap(), state(i));
        }
    }

    #[test]
    fn a_slow_listener_loses_nothing_and_does_not_block_publishing() {
        #[derive(Debug)]
        struct Gated {
            gate: Mutex<std_mpsc::Receiver<()>>,
            out: Mutex<std_mpsc::Sender<LinkEvent>>,
        }
        impl LinkListener for Gated {
            fn on_event(&self, event: LinkEvent) -> Result<(), ListenerError> {
                self.gate.lock().unwrap().recv().unwrap(); // wait until the test opens the gate
                self.out.lock().unwrap().send(event).unwrap();
                Ok(())
            }
        }
        let (gate_tx, gate_rx) = std_mpsc::channel();
        let (tx, rx) = std_mpsc::channel();
        let rt = rt();
        let publisher = Arc::new(Publisher::default());
        let gated = Gated {
            gate: Mutex::new(gate_rx),
            out: Mutex::new(tx),
        };
        let _sub = publisher.subscribe(rt.handle(), Arc::new(gated), || state(0));
        // Publishing completes while the listener is stuck on the first event.
        for i in 1..=500 {
            publisher.publish(&state(i));
        }
        for _ in 0..=500 {
            gate_tx.send(()).unwrap();
        }
        for i in 0..=500 {
            assert_eq!(rx.recv_timeout(Duration::from_secs(5)).unwrap(), state(i));
        }
    }

    #[test]
    fn dropping_the_subscription_stops_delivery() {
        let rt = rt();
        let publisher = Arc::new(Publisher::default());
        let (listener, rx) = collector();
        let sub = publisher.subscribe(rt.handle(), listener, || state(0));
        assert_eq!(rx.recv_timeout(Duration::from_secs(5)).unwrap(), state(0));
        assert_eq!(publisher.len(), 1);
        drop(sub);
        assert_eq!(publisher.len(), 0);
        publisher.publish(&state(1));
        // The listener thread ends once its queue is closed: the channel disconnects.
        assert_eq!(
            rx.recv_timeout(Duration::from_secs(5)),
            Err(std_mpsc::RecvTimeoutError::Disconnected)
        );
    }

    #[test]
    fn listeners_get_no_thread_each() {
        fn threads() -> usize {
            std::fs::read_dir("/proc/self/task").map_or(0, Iterator::count)
        }
        let rt = rt();
        let publisher = Arc::new(Publisher::default());
        // Warm the runtime's blocking pool up, then count.
        let (l, rx) = collector();
        let warm = publisher.subscribe(rt.handle(), l, || state(0));
        rx.recv_timeout(Duration::from_secs(5)).unwrap();
        let before = threads();
        let mut subs = Vec::new();
        let mut rxs = Vec::new();
        for _ in 0..64 {
            let (l, rx) = collector();
            subs.push(publisher.subscribe(rt.handle(), l, || state(0)));
            rxs.push(rx);
        }
        for i in 1..=20 {
            publisher.publish(&state(i));
        }
        for rx in &rxs {
            for i in 0..=20 {
                assert_eq!(rx.recv_timeout(Duration::from_secs(5)).unwrap(), state(i));
            }
        }
        let after = threads();
        // 64 subscribers: the same few delivery threads, never one each.
        assert_eq!(after, before, "{before} threads before, {after} after");
        drop(subs);
        drop(warm);
        assert_eq!(publisher.len(), 0);
    }

    #[test]
    fn a_failing_listener_keeps_receiving() {
        #[derive(Debug)]
        struct Flaky(Mutex<std_mpsc::Sender<LinkEvent>>);
        impl LinkListener for Flaky {
            fn on_event(&self, event: LinkEvent) -> Result<(), ListenerError> {
                self.0.lock().unwrap().send(event.clone()).unwrap();
                Err(ListenerError::Failed {
                    reason: "test".into(),
                })
            }
        }
        let (tx, rx) = std_mpsc::channel();
        let rt = rt();
        let publisher = Arc::new(Publisher::default());
        let _sub = publisher.subscribe(rt.handle(), Arc::new(Flaky(Mutex::new(tx))), || state(0));
        publisher.publish(&state(1));
        assert_eq!(rx.recv_timeout(Duration::from_secs(5)).unwrap(), state(0));
        assert_eq!(rx.recv_timeout(Duration::from_secs(5)).unwrap(), state(1));
    }
}
