//! The core's own tokio runtime (BLE, timers, blocking storage work), started the first time it
//! is needed: by `Thecal::open` for the apps (the open itself runs on it), on the first call for
//! the Rust tools that open with `open_with_clock`.

/// A runtime started on first use: one thread runs every task of the core (the link, timers,
/// live updates; blocking storage work goes to tokio's blocking threads). Dropped with the app
/// object from any thread (even an async one): the running thread then ends, and its tasks with
/// it.
#[derive(Debug, Default)]
pub(crate) struct LazyRuntime(std::sync::OnceLock<Running>);

#[derive(Debug)]
struct Running {
    handle: tokio::runtime::Handle,
    /// Dropped with the app object: the running thread stops and shuts the runtime down.
    _stop: tokio::sync::oneshot::Sender<()>,
}

impl LazyRuntime {
    /// The runtime's handle, starting it if needed. A runtime that cannot start (no threads
    /// left) panics, which the API guard turns into an `Internal` error for the caller.
    pub(crate) fn handle(&self) -> tokio::runtime::Handle {
        self.0
            .get_or_init(|| {
                // One flavour, the current-thread scheduler, on a thread of our own: the work
                // is a phone app's (a link, a few timers), and the multi-thread scheduler would
                // cost the library ~100 KB (docs/decisions/0006-library-size.md).
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap_or_else(|e| panic!("cannot start the background runtime: {e}"));
                let handle = rt.handle().clone();
                let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
                std::thread::Builder::new()
                    .name("thecal".into())
                    .spawn(move || {
                        let _ = rt.block_on(stopped);
                        rt.shutdown_background();
                    })
                    .unwrap_or_else(|e| panic!("cannot start the background runtime: {e}"));
                Running {
                    handle,
                    _stop: stop,
                }
            })
            .handle
            .clone()
    }
}
