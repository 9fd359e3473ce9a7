//! The core's own tokio runtime (BLE, timers, blocking storage work), started the first time it
//! is needed: by `Thecal::open` for the apps (the open itself runs on it), on the first call for
//! the Rust tools that open with `open_with_clock`.

/// A runtime started on first use: one thread runs every task of the core (the link, timers,
/// live updates; blocking storage work goes to tokio's blocking threads). The thread itself is
/// started the first time a task is spawned ([`LazyRuntime::handle`]): blocking work alone (an
/// open and a dashboard) runs on the blocking threads, which need no thread driving the runtime.
/// Dropped with the app object from any thread (even an async one): the running thread then ends,
/// and its tasks with it.
#[derive(Debug, Default)]
pub(crate) struct LazyRuntime(std::sync::OnceLock<Built>);

#[derive(Debug)]
struct Built {
    handle: tokio::runtime::Handle,
    /// The runtime until its thread starts driving it.
    idle: std::sync::Mutex<Option<tokio::runtime::Runtime>>,
    /// Once its thread runs: dropped with the app object, the thread stops and shuts the runtime
    /// down.
    stop: std::sync::OnceLock<tokio::sync::oneshot::Sender<()>>,
}

impl LazyRuntime {
    fn built(&self) -> &Built {
        self.0.get_or_init(|| {
            // One flavour, the current-thread scheduler, on a thread of our own: the work is a
            // phone app's (a link, a few timers), and the multi-thread scheduler would cost the
            // library ~100 KB (docs/decisions/0006-library-size.md).
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap_or_else(|e| panic!("cannot start the background runtime: {e}"));
            Built {
                handle: rt.handle().clone(),
                idle: std::sync::Mutex::new(Some(rt)),
                stop: std::sync::OnceLock::new(),
            }
        })
    }

    /// The runtime's handle for blocking work only (`spawn_blocking`), building the runtime if
    /// needed but not starting its thread. Never spawn a task on it: use [`Self::handle`].
    pub(crate) fn blocking_handle(&self) -> tokio::runtime::Handle {
        self.built().handle.clone()
    }

    /// The runtime's handle, starting it and its thread if needed. A runtime that cannot start
    /// (no threads left) panics, which the API guard turns into an `Internal` error for the
    /// caller.
    pub(crate) fn handle(&self) -> tokio::runtime::Handle {
        let built = self.built();
        let idle = built
            .idle
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
        if let Some(rt) = idle {
            let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
            std::thread::Builder::new()
                .name("thecal".into())
                .spawn(move || {
                    let _ = rt.block_on(stopped);
                    rt.shutdown_background();
                })
                .unwrap_or_else(|e| panic!("cannot start the background runtime: {e}"));
            let _ = built.stop.set(stop);
        }
        built.handle.clone()
    }
}

impl Drop for LazyRuntime {
    fn drop(&mut self) {
        // A runtime whose thread never started: shut down here, without waiting (allowed on an
        // async thread too).
        if let Some(built) = self.0.get_mut()
            && let Some(rt) = built
                .idle
                .get_mut()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .take()
        {
            rt.shutdown_background();
        }
    }
}
