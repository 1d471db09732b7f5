//! Level numbers and the registry of their names.
//!
//! Levels are plain integers, valued as the stdlib's, so custom levels such as
//! 25 work everywhere. The registry maps numbers to names and back; it starts
//! with the stdlib's names plus `TRACE` and grows through `add_level_name`.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, RwLock};

use once_cell::sync::Lazy;

use super::name::Name;

pub type LevelNo = i32;

pub const NOTSET: LevelNo = 0;
pub const TRACE: LevelNo = 5;
pub const DEBUG: LevelNo = 10;
pub const INFO: LevelNo = 20;
pub const WARNING: LevelNo = 30;
pub const ERROR: LevelNo = 40;
pub const CRITICAL: LevelNo = 50;

/// A level name that nothing registered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownLevel(pub String);

impl fmt::Display for UnknownLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Same wording as the stdlib's `_checkLevel`, repr-style quoting.
        write!(f, "Unknown level: '{}'", self.0)
    }
}

impl std::error::Error for UnknownLevel {}

struct Names {
    by_level: HashMap<LevelNo, Name>,
    by_name: HashMap<Arc<str>, LevelNo>,
}

impl Names {
    fn standard() -> Self {
        let mut names = Names {
            by_level: HashMap::new(),
            by_name: HashMap::new(),
        };
        for (level, name) in [
            (CRITICAL, "CRITICAL"),
            (ERROR, "ERROR"),
            (WARNING, "WARNING"),
            (INFO, "INFO"),
            (DEBUG, "DEBUG"),
            (TRACE, "TRACE"),
            (NOTSET, "NOTSET"),
        ] {
            names.insert(level, name);
        }
        // Aliases the stdlib accepts when parsing but never prints.
        names.by_name.insert(Arc::from("WARN"), WARNING);
        names.by_name.insert(Arc::from("FATAL"), CRITICAL);
        names
    }

    fn insert(&mut self, level: LevelNo, name: &str) {
        self.by_level.insert(level, Name::intern(name));
        self.by_name.insert(Arc::from(name), level);
    }
}

static NAMES: Lazy<RwLock<Names>> = Lazy::new(|| RwLock::new(Names::standard()));

fn read_names() -> std::sync::RwLockReadGuard<'static, Names> {
    // A panic while holding this lock cannot leave the maps half-updated
    // (each update is two independent inserts), so poisoning is ignored.
    NAMES
        .read()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Registers `name` for `level`, as the stdlib's `addLevelName` does.
pub fn add_level_name(level: LevelNo, name: &str) {
    NAMES
        .write()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .insert(level, name);
}

/// The printed name of `level`: its registered name or `"Level N"`.
pub fn level_name(level: LevelNo) -> Name {
    if let Some(name) = read_names().by_level.get(&level) {
        return name.clone();
    }
    Name::intern(&format!("Level {level}"))
}

/// The level registered under `name`; names are case-sensitive, as in the stdlib.
pub fn parse_level_name(name: &str) -> Result<LevelNo, UnknownLevel> {
    read_names()
        .by_name
        .get(name)
        .copied()
        .ok_or_else(|| UnknownLevel(name.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standard_names_round_trip() {
        for (level, name) in [
            (TRACE, "TRACE"),
            (DEBUG, "DEBUG"),
            (INFO, "INFO"),
            (WARNING, "WARNING"),
            (ERROR, "ERROR"),
            (CRITICAL, "CRITICAL"),
            (NOTSET, "NOTSET"),
        ] {
            assert_eq!(&*level_name(level), name);
            assert_eq!(parse_level_name(name), Ok(level));
        }
    }

    #[test]
    fn aliases_parse_but_do_not_print() {
        assert_eq!(parse_level_name("WARN"), Ok(WARNING));
        assert_eq!(parse_level_name("FATAL"), Ok(CRITICAL));
        assert_eq!(&*level_name(WARNING), "WARNING");
    }

    #[test]
    fn names_are_case_sensitive_like_the_stdlib() {
        assert_eq!(
            parse_level_name("warning"),
            Err(UnknownLevel("warning".into()))
        );
        assert_eq!(
            UnknownLevel("warning".into()).to_string(),
            "Unknown level: 'warning'"
        );
    }

    #[test]
    fn unnamed_levels_print_as_level_n() {
        assert_eq!(&*level_name(23), "Level 23");
    }

    #[test]
    fn custom_levels_register_both_ways() {
        add_level_name(27, "NOTICE_TEST");
        assert_eq!(&*level_name(27), "NOTICE_TEST");
        assert_eq!(parse_level_name("NOTICE_TEST"), Ok(27));
    }
}
