//! Long-poll waiters: a fetch that finds nothing waits on its mailbox's [`Notify`]; whatever
//! stores an item (this process, or another one through PostgreSQL's NOTIFY) wakes it.

use crate::proto::MailboxId;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use tokio::sync::Notify;

/// The waiters of one process, by mailbox.
#[derive(Debug, Default)]
pub struct Waiters {
    map: Mutex<HashMap<MailboxId, Arc<Notify>>>,
    shutting_down: AtomicBool,
    all: Notify,
}

impl Waiters {
    /// The notify of a mailbox (created on first use; dropped when nobody waits).
    #[must_use]
    pub fn handle(&self, mbx: MailboxId) -> Arc<Notify> {
        let mut map = self.map.lock().unwrap_or_else(PoisonError::into_inner);
        map.entry(mbx).or_default().clone()
    }

    /// Forgets the mailbox's notify if nobody else holds it.
    pub fn release(&self, mbx: MailboxId, handle: Arc<Notify>) {
        let mut map = self.map.lock().unwrap_or_else(PoisonError::into_inner);
        // The map's copy and ours: nobody else waits.
        if Arc::strong_count(&handle) <= 2 {
            map.remove(&mbx);
        }
    }

    /// Wakes whoever waits on this mailbox.
    pub fn wake(&self, mbx: MailboxId) {
        let map = self.map.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(n) = map.get(&mbx) {
            n.notify_waiters();
        }
    }

    /// Wakes every waiter (after a lost PostgreSQL listener connection: notifications may have
    /// been missed, so everyone looks again).
    pub fn wake_all(&self) {
        let map = self.map.lock().unwrap_or_else(PoisonError::into_inner);
        for n in map.values() {
            n.notify_waiters();
        }
        self.all.notify_waiters();
    }

    /// Ends every long-poll now and from now on (graceful shutdown).
    pub fn shutdown(&self) {
        self.shutting_down.store(true, Ordering::SeqCst);
        self.wake_all();
    }

    /// Is the process shutting down?
    #[must_use]
    pub fn is_shutting_down(&self) -> bool {
        self.shutting_down.load(Ordering::SeqCst)
    }

    /// Resolves on the next [`Waiters::wake_all`] or [`Waiters::shutdown`].
    pub fn any(&self) -> tokio::sync::futures::Notified<'_> {
        self.all.notified()
    }
}
