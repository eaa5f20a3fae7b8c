//! Time per spec function, for `jarkit import --stats`: the calls that the block transition
//! (`importBlock` in `spec/Jar/Import.lean`) makes are each wrapped by codegen in a [`Phase`],
//! which adds its duration to a per-thread table. Nothing else is timed, so the cost is two
//! clock reads per such call, a few dozen per block.

use std::cell::RefCell;
use std::time::{Duration, Instant};

thread_local! {
    static TABLE: RefCell<Vec<(&'static str, Duration, u64)>> = const { RefCell::new(Vec::new()) };
}

/// A call being timed; its time is recorded when it is dropped.
pub struct Phase {
    name: &'static str,
    started: Instant,
}

impl Phase {
    pub fn enter(name: &'static str) -> Phase {
        Phase { name, started: Instant::now() }
    }
}

impl Drop for Phase {
    fn drop(&mut self) {
        let spent = self.started.elapsed();
        TABLE.with(|t| {
            let mut t = t.borrow_mut();
            match t.iter_mut().find(|e| e.0 == self.name) {
                Some(e) => {
                    e.1 += spent;
                    e.2 += 1;
                }
                None => t.push((self.name, spent, 1)),
            }
        });
    }
}

/// The time and number of calls of each timed function on this thread since the last `take`,
/// in first-call order, and the table emptied.
pub fn take() -> Vec<(&'static str, Duration, u64)> {
    TABLE.with(|t| std::mem::take(&mut *t.borrow_mut()))
}
