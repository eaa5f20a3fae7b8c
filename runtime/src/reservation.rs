//! A guest's whole 32-bit address space reserved as one host mapping, so that compiled code can
//! reach guest address `a` at `base + a` in one instruction and let the hardware check it.
//!
//! The reservation starts inaccessible. [`PagedMemory`](crate::PagedMemory) opens each mapped
//! guest page for reading, and for writing only once it holds data (see its "reserved" mode), so
//! every access the guest may not make, and every first write to a page, faults; the recompiler's
//! fault handler (`compiler::fault`) sends those to the memory's own checked slow path.
//!
//! Host pages must be 4 KiB, the guest's page size; elsewhere [`Reservation::new`] refuses.

use std::cell::RefCell;
use std::ptr::NonNull;

/// The guest space (2^32 bytes) and a guard tail: an access of up to 8 bytes at the last
/// addresses runs past 2^32 (the guest wraps around; the host faults in the tail instead, and the
/// slow path then does the wrapped access).
pub const RESERVED_LEN: usize = (1 << 32) + TAIL;
const TAIL: usize = 64 * 1024;
/// A read-write page just below the guest space, for the recompiler's per-run context: compiled
/// code reaches both through one register (the guest base), at fixed negative offsets.
pub const HEAD: usize = 4096;

/// What the host may do with a guest page of a reservation.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Protection {
    None,
    Read,
    ReadWrite,
}

thread_local! {
    /// Reservations given back by dropped memories, closed and emptied, for the next memories on
    /// this thread: mapping and unmapping 4 GiB each time costs more than emptying what was used
    /// (the seam creates a memory for every host call of a service).
    static SPARE: RefCell<Vec<Reservation>> = const { RefCell::new(Vec::new()) };
}
/// How many spare reservations a thread keeps.
const SPARE_KEPT: usize = 2;
/// At most how many written pages a spare keeps backed (zeroed rather than discarded): 1 MiB.
const KEEP_BACKED: usize = 256;

/// One reserved address space (the head page, then the guest space), unmapped on drop.
pub struct Reservation {
    /// The guest's address 0; the head page is the 4 KiB below it.
    base: NonNull<u8>,
}

// SAFETY: the mapping is owned by this value alone; moving it moves sole ownership.
unsafe impl Send for Reservation {}
// SAFETY: `&Reservation` only hands out the base address; every write goes through `&mut`
// methods of the memory that owns it.
unsafe impl Sync for Reservation {}

impl Reservation {
    /// Reserves [`RESERVED_LEN`] bytes of address space, all inaccessible and backed by nothing
    /// until written. `None` if the system refuses or its pages are not 4 KiB.
    pub fn new() -> Option<Reservation> {
        if let Some(spare) = SPARE.try_with(|s| s.borrow_mut().pop()).ok().flatten() {
            return Some(spare);
        }
        // SAFETY: `sysconf` only reads a system constant.
        if unsafe { libc::sysconf(libc::_SC_PAGESIZE) } != 4096 {
            return None;
        }
        // SAFETY: a fresh anonymous private mapping, placed by the kernel; no existing memory is
        // affected. MAP_NORESERVE: only written pages count against the system's commit limit.
        let p = unsafe { libc::mmap(std::ptr::null_mut(), HEAD + RESERVED_LEN, libc::PROT_NONE, libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE, -1, 0) };
        if p == libc::MAP_FAILED {
            return None;
        }
        // SAFETY: the head page is the first page of the mapping just made.
        if unsafe { libc::mprotect(p, HEAD, libc::PROT_READ | libc::PROT_WRITE) } != 0 {
            // SAFETY: unmapping what was just mapped; nothing refers to it.
            unsafe { libc::munmap(p, HEAD + RESERVED_LEN) };
            return None;
        }
        // SAFETY: `HEAD` bytes into the mapping.
        Some(Reservation { base: NonNull::new(unsafe { (p as *mut u8).add(HEAD) })? })
    }

    /// The read-write head page below the guest space (zeroed when reserved).
    pub fn head(&self) -> *mut u8 {
        // SAFETY: the head page is the `HEAD` bytes before `base`, inside the mapping.
        unsafe { self.base.as_ptr().sub(HEAD) }
    }

    pub fn base(&self) -> *mut u8 {
        self.base.as_ptr()
    }

    /// The host address of guest page `page`.
    pub fn page_addr(&self, page: u32) -> *mut u8 {
        // SAFETY: `page < 2^20`, so the offset is inside the reservation.
        unsafe { self.base.as_ptr().add((page as usize) << 12) }
    }

    /// Sets the protection of guest pages `first..first + count`. Panics if the system refuses,
    /// which it does only when out of kernel memory for mappings: continuing would let the
    /// guest's view and the page table disagree.
    pub fn protect(&self, first: u32, count: u32, protection: Protection) {
        if let Err(e) = self.try_protect(first, count, protection) {
            panic!("mprotect failed on a guest reservation: {e}");
        }
    }

    /// As [`Self::protect`], saying whether the system call failed instead of panicking.
    fn try_protect(&self, first: u32, count: u32, protection: Protection) -> std::io::Result<()> {
        if count == 0 {
            return Ok(());
        }
        debug_assert!(first as u64 + count as u64 <= 1 << 20);
        let prot = match protection {
            Protection::None => libc::PROT_NONE,
            Protection::Read => libc::PROT_READ,
            Protection::ReadWrite => libc::PROT_READ | libc::PROT_WRITE,
        };
        // SAFETY: the range lies inside this reservation, which nothing else maps or frees.
        let r = unsafe { libc::mprotect(self.page_addr(first) as *mut libc::c_void, (count as usize) << 12, prot) };
        if r == 0 {
            Ok(())
        } else {
            Err(std::io::Error::last_os_error())
        }
    }

    /// Sets the protection of each page in `pages` (ascending, no duplicates), one system call per
    /// run of consecutive pages with the same protection.
    pub fn protect_runs(&self, pages: impl IntoIterator<Item = (u32, Protection)>) {
        if let Err(e) = self.try_protect_runs(pages) {
            panic!("mprotect failed on a guest reservation: {e}");
        }
    }

    /// As [`Self::protect_runs`], stopping at the first failed system call and returning it.
    fn try_protect_runs(&self, pages: impl IntoIterator<Item = (u32, Protection)>) -> std::io::Result<()> {
        let mut run: Option<(u32, u32, Protection)> = None;
        for (page, p) in pages {
            run = match run {
                Some((first, count, q)) if q == p && first + count == page => Some((first, count + 1, q)),
                Some((first, count, q)) => {
                    self.try_protect(first, count, q)?;
                    Some((page, 1, p))
                }
                None => Some((page, 1, p)),
            };
        }
        match run {
            Some((first, count, q)) => self.try_protect(first, count, q),
            None => Ok(()),
        }
    }

    /// Gives the reservation back for the next memory on this thread. `ranges` (first and last
    /// guest page) must cover every page that was ever opened, and `written` must list every
    /// page that may hold a byte other than zero (every page ever opened for writing). Those
    /// pages are zeroed and stay backed, so the next memory's first touches cost no page fault of
    /// the host; if there are more than [`KEEP_BACKED`], everything in `ranges` is discarded
    /// instead (it reads as zeros again, backed by nothing). Every page is closed. Unmapped
    /// instead if a system call fails or the thread keeps enough spares.
    pub fn recycle(self, ranges: &[(u32, u32)], written: &[u32]) {
        let kept = SPARE.try_with(|s| s.borrow().len() < SPARE_KEPT).unwrap_or(false);
        if !kept {
            return;
        }
        let zero_in_place = written.len() <= KEEP_BACKED;
        if zero_in_place {
            let mut pages = written.to_vec();
            pages.sort_unstable();
            pages.dedup();
            // Dropping the reservation (on the way out) unmaps it: no panic in a memory's drop.
            if self.try_protect_runs(pages.iter().map(|&p| (p, Protection::ReadWrite))).is_err() {
                return;
            }
            #[cfg(feature = "planted-bugs")]
            if crate::planted::active(crate::planted::Bug::RecycledPagesKeepData) {
                pages.clear();
            }
            for &p in &pages {
                // SAFETY: page `p` of this reservation was just made writable; nothing else maps
                // it and no guest runs on it (its memory is being dropped).
                unsafe { std::ptr::write_bytes(self.page_addr(p), 0, 4096) };
            }
        }
        for &(first, last) in ranges {
            let (addr, len) = (self.page_addr(first) as *mut libc::c_void, ((last - first) as usize + 1) << 12);
            // SAFETY: the range lies inside this reservation, which nothing else maps; no guest
            // runs on it. MADV_DONTNEED on a private anonymous mapping makes the pages read as
            // zeros again.
            let ok = unsafe { (zero_in_place || libc::madvise(addr, len, libc::MADV_DONTNEED) == 0) && libc::mprotect(addr, len, libc::PROT_NONE) == 0 };
            if !ok {
                return;
            }
        }
        let _ = SPARE.try_with(|s| s.borrow_mut().push(self));
    }

    /// Whether a host address lies inside this reservation (a fault there is the guest's).
    pub fn contains(&self, addr: usize) -> bool {
        let base = self.base.as_ptr() as usize;
        addr >= base && addr < base + RESERVED_LEN
    }
}

impl Drop for Reservation {
    fn drop(&mut self) {
        // SAFETY: the mapping made in `new`, unmapped once; the memory that owned it is gone, and
        // no compiled code runs on it (a running VM borrows its memory).
        unsafe { libc::munmap(self.head() as *mut libc::c_void, HEAD + RESERVED_LEN) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_open_and_close() {
        let r = Reservation::new().expect("a 4 GiB reservation on a 64-bit host");
        r.protect(0x10, 2, Protection::ReadWrite);
        // SAFETY: page 0x10 was just made writable.
        unsafe {
            *r.page_addr(0x10) = 7;
            assert_eq!(*r.page_addr(0x10), 7);
            // Untouched readable pages read as zeros.
            assert_eq!(*r.page_addr(0x11).add(4095), 0);
        }
        assert!(r.contains(r.base() as usize + (1 << 32)));
        assert!(!r.contains(r.head() as usize));
        // SAFETY: the head page is read-write.
        unsafe { *r.head() = 1 };
        assert!(!r.contains(r.base() as usize + RESERVED_LEN));
    }

    #[test]
    fn a_recycled_reservation_is_empty_and_closed() {
        let r = Reservation::new().expect("a 4 GiB reservation on a 64-bit host");
        r.protect(0x20, 1, Protection::ReadWrite);
        // SAFETY: page 0x20 was just made writable.
        unsafe { *r.page_addr(0x20) = 9 };
        let base = r.base();
        r.recycle(&[(0x20, 0x20)], &[0x20]);
        let again = Reservation::new().expect("the spare");
        assert_eq!(again.base(), base, "the spare is reused");
        again.protect(0x20, 1, Protection::Read);
        // SAFETY: page 0x20 is readable again; its old contents were discarded.
        assert_eq!(unsafe { *again.page_addr(0x20) }, 0);
    }

    #[test]
    fn a_reservation_recycled_with_many_written_pages_is_empty_too() {
        // More written pages than a spare keeps backed: the ranges are discarded instead.
        let r = Reservation::new().expect("a 4 GiB reservation on a 64-bit host");
        let n = KEEP_BACKED as u32 + 1;
        r.protect(0x100, n, Protection::ReadWrite);
        for p in 0x100..0x100 + n {
            // SAFETY: pages 0x100.. were just made writable.
            unsafe { *r.page_addr(p).add(17) = 5 };
        }
        let written: Vec<u32> = (0x100..0x100 + n).collect();
        r.recycle(&[(0x100, 0x100 + n - 1)], &written);
        let again = Reservation::new().expect("the spare");
        again.protect(0x100, n, Protection::Read);
        for p in 0x100..0x100 + n {
            // SAFETY: the pages are readable again.
            assert_eq!(unsafe { *again.page_addr(p).add(17) }, 0, "page {p:#x}");
        }
    }
}
