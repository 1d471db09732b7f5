//! The commands placed between the bytes of a handler's journal: what the
//! writer runs once every byte before it is written and before any byte
//! after it (a rollover the logging thread decided, a reopen of a watched
//! file).

use std::path::PathBuf;

use crossbeam_channel::Sender;

use super::timed_rotation::TimedRotation;

/// What runs between two bytes of the journal, in their order.
pub enum Command {
    /// Reopen a watched file that was moved; acknowledged when done.
    Reopen(Sender<()>),
    Rollover(Rollover),
}

/// A rollover the logging thread decided, as the stdlib's `emit` does.
pub struct Rollover {
    pub kind: RolloverKind,
}

pub enum RolloverKind {
    /// Shift `name.<i>` up and make the file `name.1`.
    Size { backup_count: u32 },
    /// Rename the file to `backup` (the name of the interval it covered);
    /// `rolloverAt` was `previous_at` before the logging thread moved it on.
    Timed {
        rotation: TimedRotation,
        backup: Option<PathBuf>,
        previous_at: i64,
    },
}
