//! `Name`: the logger and level names a record carries.
//!
//! Records are made on a logging thread and dropped on a worker thread. With
//! a reference-counted name, each record moved the count's cache line between
//! the two cores twice (increment here, decrement there), which on this
//! machine's virtual cores is a measurable part of a log call. The names are
//! few and, like the stdlib's loggers, live as long as the process, so they
//! are interned once and leaked: a record then holds a plain reference.
//! Past `INTERNED_LIMIT` distinct names (a program that makes a logger per
//! request, or a level name whose `str()` keeps changing), new names are
//! reference-counted instead, so memory stays bounded.

use std::collections::HashSet;
use std::fmt;
use std::ops::Deref;
use std::sync::{Arc, Mutex};

use super::sync::lock_unpoisoned;
use once_cell::sync::Lazy;

const INTERNED_LIMIT: usize = 100_000;

static INTERNED: Lazy<Mutex<HashSet<&'static str>>> = Lazy::new(|| Mutex::new(HashSet::new()));

#[derive(Clone)]
pub enum Name {
    Interned(&'static str),
    Shared(Arc<str>),
}

impl Name {
    /// The interned copy of `text` (made on first use).
    pub fn intern(text: &str) -> Name {
        // Held only for a lookup or an insert; nothing in here can panic
        // half-way through an update.
        let mut interned = lock_unpoisoned(&INTERNED);
        if let Some(found) = interned.get(text) {
            return Name::Interned(found);
        }
        if interned.len() >= INTERNED_LIMIT {
            return Name::Shared(Arc::from(text));
        }
        let leaked: &'static str = Box::leak(Box::from(text));
        interned.insert(leaked);
        Name::Interned(leaked)
    }

    pub fn as_str(&self) -> &str {
        match self {
            Name::Interned(text) => text,
            Name::Shared(text) => text,
        }
    }
}

impl Deref for Name {
    type Target = str;

    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl PartialEq for Name {
    fn eq(&self, other: &Name) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for Name {}

impl fmt::Debug for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<&str> for Name {
    fn from(text: &str) -> Name {
        Name::intern(text)
    }
}

impl From<String> for Name {
    fn from(text: String) -> Name {
        Name::intern(&text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_text_is_interned_once() {
        let (Name::Interned(first), Name::Interned(second)) =
            (Name::intern("name.test.a"), Name::intern("name.test.a"))
        else {
            panic!("interned below the limit");
        };
        assert!(std::ptr::eq(first, second));
        assert_eq!(Name::intern("name.test.b").as_str(), "name.test.b");
        assert_ne!(Name::intern("name.test.a"), Name::intern("name.test.b"));
    }
}
