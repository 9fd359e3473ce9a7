//! The core's own tokio runtime (BLE, timers, blocking storage work), started the first time it
//! is needed, so opening the app and showing the dashboard start no threads.

/// A runtime started on first use and shut down in the background on drop, so dropping the app
/// object from any thread (even an async one) is safe.
#[derive(Debug, Default)]
pub(crate) struct LazyRuntime(std::sync::OnceLock<tokio::runtime::Runtime>);

impl LazyRuntime {
    /// The runtime's handle, starting it if needed. A runtime that cannot start (no threads
    /// left) panics, which the API guard turns into an `Internal` error for the caller.
    pub(crate) fn handle(&self) -> tokio::runtime::Handle {
        self.0
            .get_or_init(|| {
                tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .thread_name("thecal")
                    .enable_all()
                    .build()
                    .unwrap_or_else(|e| panic!("cannot start the background runtime: {e}"))
            })
            .handle()
            .clone()
    }
}

impl Drop for LazyRuntime {
    fn drop(&mut self) {
        if let Some(rt) = self.0.take() {
            rt.shutdown_background();
        }
    }
}
