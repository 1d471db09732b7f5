//! `Doorbell`: how logging threads wake the thread that writes a handler's
//! journal out. A handler with a worker of its own has a doorbell of its
//! own; handlers seated on a shared worker (pool.rs) share its doorbell, so
//! that one wait covers all of them.

use crossbeam_channel::{bounded, Receiver, Sender};

#[derive(Clone)]
pub struct Doorbell {
    ring: Sender<()>,
    rung: Receiver<()>,
}

impl Doorbell {
    pub fn new() -> Doorbell {
        // One ring is kept: the woken thread looks at everything it serves.
        let (ring, rung) = bounded(1);
        Doorbell { ring, rung }
    }

    pub fn ring(&self) {
        let _ = self.ring.try_send(());
    }

    /// What the woken thread waits on (a `Select` may wait on several).
    pub fn rung(&self) -> &Receiver<()> {
        &self.rung
    }

    /// Whether both are the one doorbell (engines seated together).
    pub fn same_as(&self, other: &Doorbell) -> bool {
        self.ring.same_channel(&other.ring)
    }
}

impl Default for Doorbell {
    fn default() -> Self {
        Doorbell::new()
    }
}
