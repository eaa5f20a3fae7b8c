//! Guest memory models. A guest address is 32 bits; every access is checked, so a guest can only
//! ever touch the bytes of its own pages.
//!
//! - [`PagedMemory`]: 4 KiB pages, each unmapped, read-only or writable (the Gray Paper's
//!   segmented layout and the conformance vectors). Accesses below `guard` panic instead of
//!   faulting (GP: the first 64 KiB are the guard zone).
//! - [`LinearMemory`]: one contiguous read-write region starting at address 0 (jar080); anything
//!   past its end faults.

use std::cell::RefCell;
use std::ptr::NonNull;

use crate::reservation::{Protection, Reservation};

pub const PAGE_SIZE: u32 = 4096;
const PAGE_BITS: u32 = 12;
const PAGE_COUNT: usize = 1 << 20;

/// Why an access failed. A value, not a host error.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum MemFault {
    /// The access touched the guard zone.
    Panic,
    /// The access touched an inaccessible page; the address is that page's first byte.
    PageFault(u32),
}

/// What the interpreter needs from a memory model. Implementations are monomorphised into the
/// interpreter loop.
pub trait Memory {
    /// What the interpreter's hot path needs of this memory, copied into locals once per run so
    /// that an access does not reload it through `self` (the compiler cannot prove that guest
    /// stores leave `self` unchanged).
    type Fast: Copy;
    /// The current [`Self::Fast`]. It stays valid until `self` is dropped or a `&mut self` method
    /// other than `load`, `store` and `sbrk` is called; after `sbrk` a new one must be taken.
    fn fast(&mut self) -> Self::Fast;
    /// The common case of `load`: `Some` when the access is plainly allowed, `None` when `load`
    /// must decide (it may still succeed).
    ///
    /// # Safety
    /// `fast` was returned by [`Memory::fast`] of a memory for which it is still valid.
    unsafe fn load_fast<const N: usize>(fast: Self::Fast, addr: u32) -> Option<[u8; N]>;
    /// The common case of `store`: true when the bytes were written, false when `store` must
    /// decide (nothing was written).
    ///
    /// # Safety
    /// As for [`Memory::load_fast`].
    unsafe fn store_fast<const N: usize>(fast: Self::Fast, addr: u32, value: [u8; N]) -> bool;
    /// Reads `N` bytes at `addr` (wrapping modulo 2^32).
    fn load<const N: usize>(&self, addr: u32) -> Result<[u8; N], MemFault>;
    /// Writes `N` bytes at `addr` (wrapping modulo 2^32). On a fault nothing is written.
    fn store<const N: usize>(&mut self, addr: u32, value: [u8; N]) -> Result<(), MemFault>;
    /// Grows the heap by `n` bytes and returns the previous heap top (0 if the request cannot be
    /// met), or `None` if this memory has no `sbrk` heap (the instruction then panics).
    fn sbrk(&mut self, n: u64) -> Option<u32>;
    /// What compiled code needs to reach the bytes inline (valid as [`Memory::fast`] is).
    fn jit_view(&mut self) -> JitView;
    /// Reads bytes for host access and tests; `None` if any byte is inaccessible.
    fn read_bytes(&self, addr: u32, len: u32) -> Option<Vec<u8>>;
    /// Writes bytes for host access and tests, ignoring page protection (the host may write into
    /// read-only pages, e.g. when loading a program); `Err` if any page is unmapped.
    fn write_bytes(&mut self, addr: u32, bytes: &[u8]) -> Result<(), MemFault>;
}

/// How the compiler's inline accesses reach a memory's bytes; anything they cannot decide goes
/// through [`Memory::load`] and [`Memory::store`].
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum JitView {
    /// A [`PagedMemory`] table: 2^20 entries, 0 for unmapped, else a 4096-aligned frame address
    /// with bit 0 = writable and bit 1 = shared (not yet written; stores go the slow way).
    PageTable(*const usize),
    /// A [`LinearMemory`] region: bytes `[0, len)` at `base`.
    Linear { base: *mut u8, len: usize },
    /// A [`PagedMemory`] in reserved mode: guest address `a` is at `base + a`, and the host's
    /// page protections say what the guest may do; anything else faults (the recompiler's
    /// fault handler sends it to [`Memory::load`] / [`Memory::store`]).
    Reserved(*mut u8),
}

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Access {
    ReadOnly,
    ReadWrite,
}

/// Paged memory: a flat page table of 2^20 entries (allocated zeroed, so the OS only backs the
/// parts that are touched). An entry is 0 for an unmapped page, otherwise the address of the
/// page's frame (frames are 4096-aligned, so the low bits are free) with [`WRITABLE`] set for a
/// writable page. An access is then one table load and one data access, with no bounds checks.
///
/// Mapping allocates nothing: a newly mapped page points at one shared zero frame (flag
/// [`SHARED`]) and gets a frame of its own on its first write. So a guest that maps gigabytes
/// (`sbrk`) costs the host only the pages it writes, and each write costs gas.
///
/// A dropped memory clears the entries it mapped and leaves its table to the next memory created
/// on the same thread ([`SPARE_TABLES`]), so creating an instance allocates no table.
///
/// **Reserved mode.** When the recompiler takes a memory ([`Memory::jit_view`]), its frames move
/// into one [`Reservation`] of the whole guest space: page p's frame is at `base + p * 4096`, and
/// the entries point there, so the table and every path that uses it work unchanged while
/// compiled code reaches address `a` at `base + a` in one instruction. The host's protection of
/// each page follows its entry: unmapped pages are inaccessible, mapped pages readable, and
/// writable only when the entry is writable and not [`SHARED`]. A [`SHARED`] entry points at its
/// own slot (zeros until written) instead of the zero frame, so the first write to a page faults
/// in compiled code and reaches `own_frame` through the slow path, as it does in the
/// interpreter; which pages hold data stays exactly known.
pub struct PagedMemory {
    /// The page table, a leaked `Box` (taken back in `Drop`, to be kept for reuse). A raw
    /// pointer rather than a `Box` so that the interpreter may keep a copy of it in a register
    /// while the memory changes entries (see [`Memory::fast`]).
    table: NonNull<[usize; PAGE_COUNT]>,
    /// Every page range `map` was called with (first and last page), to clear on drop.
    mapped: Vec<(u32, u32)>,
    /// How many table entries those ranges cover (overlaps counted twice).
    mapped_entries: u64,
    /// The frames the table points into, allocated with `Box::into_raw` and freed in `Drop`
    /// (raw pointers, so that no `Box` asserts uniqueness over memory the table also reaches).
    frames: Vec<*mut Frame>,
    /// The page number of each frame, in the order the frames were allocated.
    pages: Vec<u32>,
    /// Accesses below this address panic (the GP guard zone); 0 disables the rule.
    pub guard: u32,
    /// Current heap top for `sbrk`, if the layout has a heap.
    pub heap_top: Option<u32>,
    /// Which page a faulting write across pages reports (the spec's `Memory.missingFirst`):
    /// `false`, the first byte in access order that may not be written (the GP); `true`, the
    /// first unmapped one if any (PolkaVM, for the JamV1 profile).
    pub missing_first: bool,
    /// The guest space, once in reserved mode (see above); `frames` is then empty.
    reserved: Option<Reservation>,
    /// Whether compiled code may move this memory into reserved mode (see [`Self::set_reservable`]).
    reservable: bool,
}

/// One page of guest memory, aligned to its size so that table entries can carry flags.
#[repr(C, align(4096))]
struct Frame([u8; PAGE_SIZE as usize]);

const WRITABLE: usize = 1;
/// Reserved mode: how many pages a first write opens at once (see `open_for_writing`).
const OPEN_AHEAD: u32 = 16;
/// The entry points at [`ZERO_FRAME`]: the page has not been written yet.
const SHARED: usize = 2;
const FLAGS: usize = PAGE_SIZE as usize - 1;

/// The contents of every mapped page that has not been written yet.
static ZERO_FRAME: Frame = Frame([0; PAGE_SIZE as usize]);

type Table = Box<[usize; PAGE_COUNT]>;

thread_local! {
    /// Page tables of dropped memories, all entries zero, for the next memories on this thread.
    static SPARE_TABLES: RefCell<Vec<Table>> = const { RefCell::new(Vec::new()) };
}
/// How many spare tables a thread keeps (8 MiB each).
const SPARE_TABLES_KEPT: usize = 4;
/// A table with more mapped entries than this is freed rather than cleared for reuse (clearing
/// would cost more than a fresh zeroed allocation).
const CLEAR_AT_MOST: u64 = PAGE_COUNT as u64 / 16;

impl Drop for PagedMemory {
    fn drop(&mut self) {
        for &frame in &self.frames {
            // SAFETY: every pointer in `frames` came from `Box::into_raw` in `own_frame` and is
            // freed exactly once, here; the table entries pointing at it are cleared or freed below.
            drop(unsafe { Box::from_raw(frame) });
        }
        // SAFETY: `self.table` came from a leaked `Box` in `new`; `drop` runs once and nothing
        // uses the pointer after this.
        let mut table = unsafe { Box::from_raw(self.table.as_ptr()) };
        if self.mapped_entries > CLEAR_AT_MOST {
            return;
        }
        // Every page ever opened lies in a range `map` was given.
        if let Some(r) = self.reserved.take() {
            r.recycle(&self.mapped, &self.pages);
        }
        for &(first, last) in &self.mapped {
            table[first as usize..=last as usize].fill(0);
        }
        // During thread teardown the pool may be gone; the table is then simply freed.
        let _ = SPARE_TABLES.try_with(|spare| {
            let mut spare = spare.borrow_mut();
            if spare.len() < SPARE_TABLES_KEPT {
                spare.push(table);
            }
        });
    }
}

// SAFETY: the frames are owned by this value alone (nothing else holds the pointers), so moving
// it to another thread moves sole ownership, as a `Vec<Box<Frame>>` would.
unsafe impl Send for PagedMemory {}
// SAFETY: shared access only reads the frames (writes need `&mut self`).
unsafe impl Sync for PagedMemory {}

impl Clone for PagedMemory {
    fn clone(&self) -> Self {
        let mut copy = PagedMemory::new();
        copy.guard = self.guard;
        copy.heap_top = self.heap_top;
        copy.missing_first = self.missing_first;
        for (page, &e) in self.table().iter().enumerate().filter(|(_, e)| **e != 0) {
            let access = if e & WRITABLE != 0 { Access::ReadWrite } else { Access::ReadOnly };
            copy.map((page as u32) << PAGE_BITS, PAGE_SIZE, access);
            if e & SHARED == 0 {
                let data = *self.frame(e);
                *copy.own_frame(page as u32) = data;
            }
        }
        copy
    }
}

impl Default for PagedMemory {
    fn default() -> Self {
        Self::new()
    }
}

impl PagedMemory {
    pub fn new() -> Self {
        let spare = SPARE_TABLES.try_with(|spare| spare.borrow_mut().pop()).ok().flatten();
        let table: Table = match spare {
            Some(t) => t,
            None => vec![0usize; PAGE_COUNT].into_boxed_slice().try_into().expect("PAGE_COUNT entries"),
        };
        let table = NonNull::from(Box::leak(table));
        PagedMemory {
            table,
            mapped: Vec::new(),
            mapped_entries: 0,
            frames: Vec::new(),
            pages: Vec::new(),
            guard: 0,
            heap_top: None,
            missing_first: false,
            reserved: None,
            reservable: true,
        }
    }

    /// Makes every page overlapping `[addr, addr + len)` accessible with `access` (zero-filled if
    /// new). Existing contents are kept.
    pub fn map(&mut self, addr: u32, len: u32, access: Access) {
        if len == 0 {
            return;
        }
        let first = addr >> PAGE_BITS;
        let last = ((addr as u64 + len as u64 - 1) >> PAGE_BITS).min(PAGE_COUNT as u64 - 1) as u32;
        self.mapped.push((first, last));
        self.mapped_entries += u64::from(last - first) + 1;
        // An unwritten page points at the zero frame, or in reserved mode at its own slot.
        let slots = self.reserved.as_ref().map(|r| r.page_addr(0) as usize);
        for page in first..=last {
            let entry = &mut self.table_mut()[page as usize];
            if *entry == 0 {
                let frame = slots.map_or(&ZERO_FRAME as *const Frame as usize, |base| base + ((page as usize) << PAGE_BITS));
                *entry = frame | SHARED;
            }
            match access {
                Access::ReadWrite => *entry |= WRITABLE,
                Access::ReadOnly => *entry &= !WRITABLE,
            }
        }
        if let Some(r) = &self.reserved {
            let table = self.table();
            r.protect_runs((first..=last).map(|page| (page, protection_of(table[page as usize]))));
        }
    }

    /// Maps page `page` onto `frame`, 4096 bytes this memory does not own (the capability
    /// kernel's frames, shared by whichever VM maps them): reads and writes go straight to it,
    /// and nothing is copied. The memory then stays in table mode (a reservation would copy).
    ///
    /// # Safety
    /// `frame` is 4096-aligned, valid for reads and writes of 4096 bytes for as long as this
    /// memory lives, and nothing else reads or writes it meanwhile except through this memory.
    pub unsafe fn map_external(&mut self, page: u32, frame: *mut u8, access: Access) {
        debug_assert!(frame as usize & FLAGS == 0 && page < PAGE_COUNT as u32 && self.reserved.is_none());
        self.reservable = false;
        self.mapped.push((page, page));
        self.mapped_entries += 1;
        self.pages.push(page);
        self.table_mut()[page as usize] = frame as usize | if access == Access::ReadWrite { WRITABLE } else { 0 };
    }

    /// `false` keeps this memory in table mode even under the recompiler, whose code then walks
    /// the page table inline: what happens where the system gives no reservation, kept here so
    /// that the cross-check runs that path too. Has no effect once the memory is reserved.
    pub fn set_reservable(&mut self, reservable: bool) {
        self.reservable = reservable;
    }

    /// Moves this memory's frames into a reservation of the whole guest space (see "Reserved
    /// mode"); if the system gives none, the memory is unchanged.
    fn reserve(&mut self) {
        if self.reserved.is_some() {
            return;
        }
        let Some(r) = Reservation::new() else { return };
        let pages: Vec<u32> = self.mapped_pages().collect();
        let table = self.table();
        // Open written pages for writing while their data is copied in.
        r.protect_runs(pages.iter().map(|&p| (p, if table[p as usize] & SHARED == 0 { Protection::ReadWrite } else { protection_of(table[p as usize]) })));
        let mut entries = Vec::with_capacity(pages.len());
        for &page in &pages {
            let e = table[page as usize];
            let slot = r.page_addr(page);
            if e & SHARED == 0 {
                // SAFETY: `slot` is a writable page of the new reservation, which nothing else
                // references; the source is a live frame of this memory.
                unsafe { std::ptr::copy_nonoverlapping(self.frame(e).as_ptr(), slot, PAGE_SIZE as usize) };
            }
            entries.push(slot as usize | (e & FLAGS));
        }
        for (&page, &e) in pages.iter().zip(&entries) {
            self.table_mut()[page as usize] = e;
        }
        // Written read-only pages close again.
        r.protect_runs(pages.iter().zip(&entries).filter(|(_, &e)| e & (WRITABLE | SHARED) == 0).map(|(&p, _)| (p, Protection::Read)));
        for frame in self.frames.drain(..) {
            // SAFETY: as in `Drop`: allocated in `own_frame`, freed once; no entry points at it
            // any more.
            drop(unsafe { Box::from_raw(frame) });
        }
        self.reserved = Some(r);
    }

    /// The access of the page holding `addr`, if mapped.
    pub fn access(&self, addr: u32) -> Option<Access> {
        let e = self.table()[(addr >> PAGE_BITS) as usize];
        (e != 0).then_some(if e & WRITABLE != 0 { Access::ReadWrite } else { Access::ReadOnly })
    }

    /// Page numbers that are mapped, in ascending order. Only `map` makes an entry non-zero, so
    /// only the ranges it was given are visited, not the whole table.
    pub fn mapped_pages(&self) -> impl Iterator<Item = u32> + '_ {
        let mut ranges = self.mapped.clone();
        ranges.sort_unstable();
        let table = self.table();
        let mut pages = Vec::new();
        let mut next = 0u64;
        for (first, last) in ranges {
            for page in u64::from(first).max(next)..=u64::from(last) {
                if table[page as usize] != 0 {
                    pages.push(page as u32);
                }
            }
            next = next.max(u64::from(last) + 1);
        }
        pages.into_iter()
    }

    /// Page numbers of the pages that may hold data (written, or filled when loaded, and in
    /// reserved mode some unwritten neighbours of written pages), in ascending order; every
    /// other mapped page reads as zeros.
    pub fn pages_with_data(&self) -> Vec<u32> {
        let mut pages = self.pages.clone();
        pages.sort_unstable();
        pages
    }

    fn table(&self) -> &[usize; PAGE_COUNT] {
        // SAFETY: `table` is a live allocation owned by this memory until `Drop`; `&self` rules
        // out a `&mut` to it for the returned lifetime.
        unsafe { self.table.as_ref() }
    }

    fn table_mut(&mut self) -> &mut [usize; PAGE_COUNT] {
        // SAFETY: as in `table`, and `&mut self` makes this the only reference.
        unsafe { self.table.as_mut() }
    }

    /// The frame of mapped page `page`, allocating it on first use.
    #[cold]
    #[inline(never)]
    fn own_frame(&mut self, page: u32) -> &mut [u8; PAGE_SIZE as usize] {
        let e = self.table()[page as usize];
        debug_assert!(e != 0);
        if e & SHARED != 0 {
            match &self.reserved {
                Some(_) if e & WRITABLE != 0 => self.open_for_writing(page),
                Some(_) => {
                    // The page's own slot becomes its frame.
                    self.pages.push(page);
                    self.table_mut()[page as usize] = e & !SHARED;
                }
                None => {
                    self.pages.push(page);
                    let frame = Box::into_raw(Box::new(Frame([0; PAGE_SIZE as usize])));
                    self.frames.push(frame);
                    self.table_mut()[page as usize] = frame as usize | (e & WRITABLE);
                }
            }
        }
        let e = self.table()[page as usize];
        self.frame_mut(e)
    }

    /// Reserved mode, the first write to writable page `page`: opens it for writing, with up
    /// to [`OPEN_AHEAD`] unwritten writable pages after it (a guest that writes one page
    /// usually writes the next, and each first write costs a fault), and counts them all as
    /// holding data; the ones never written read as zeros, which is what callers of
    /// [`Self::pages_with_data`] are told to expect.
    fn open_for_writing(&mut self, page: u32) {
        let table = self.table();
        let run = (page..(page + OPEN_AHEAD).min(PAGE_COUNT as u32)).take_while(|&p| table[p as usize] & (WRITABLE | SHARED) == WRITABLE | SHARED).count() as u32;
        for p in page..page + run {
            self.pages.push(p);
            self.table_mut()[p as usize] &= !SHARED;
        }
        if let Some(r) = &self.reserved {
            r.protect(page, run, Protection::ReadWrite);
        }
    }

    /// The frame a non-zero table entry points to.
    #[inline(always)]
    fn frame(&self, entry: usize) -> &[u8; PAGE_SIZE as usize] {
        debug_assert!(entry != 0);
        // SAFETY: a non-zero entry holds the address of the static zero frame (SHARED) or of a
        // live `Frame` allocated in `own_frame` and listed in `self.frames` (flags are masked out
        // by `FLAGS`); frames are freed only in `Drop`, and `&self` rules out `&mut` access to
        // them for the returned lifetime.
        unsafe { &(*((entry & !FLAGS) as *const Frame)).0 }
    }

    /// The frame of a non-zero, non-[`SHARED`] entry, for writing.
    #[inline(always)]
    fn frame_mut(&mut self, entry: usize) -> &mut [u8; PAGE_SIZE as usize] {
        debug_assert!(entry != 0 && entry & SHARED == 0);
        // SAFETY: as in `frame`, and the entry is not SHARED, so it points at a frame of this
        // memory (never at the static zero frame); `&mut self` makes this the only reference.
        unsafe { &mut (*((entry & !FLAGS) as *mut Frame)).0 }
    }

    /// Checks that `[addr, addr + n)` is accessible, returning the first failure (GP: the lowest
    /// inaccessible address decides; below the guard zone it is a panic).
    fn check(&self, addr: u32, n: usize, write: bool) -> Result<(), MemFault> {
        if write && self.missing_first {
            self.check(addr, n, false)?;
        }
        for k in 0..n as u32 {
            let a = addr.wrapping_add(k);
            if k != 0 && a & (PAGE_SIZE - 1) != 0 {
                continue;
            }
            let e = self.table()[(a >> PAGE_BITS) as usize];
            if e == 0 || (write && e & WRITABLE == 0) {
                if a < self.guard {
                    return Err(MemFault::Panic);
                }
                return Err(MemFault::PageFault(a & !(PAGE_SIZE - 1)));
            }
        }
        Ok(())
    }

    #[cold]
    #[inline(never)]
    fn slow_load<const N: usize>(&self, addr: u32) -> Result<[u8; N], MemFault> {
        self.check(addr, N, false)?;
        let mut out = [0u8; N];
        for (k, b) in out.iter_mut().enumerate() {
            let a = addr.wrapping_add(k as u32);
            let e = self.table()[(a >> PAGE_BITS) as usize];
            *b = self.frame(e)[(a & (PAGE_SIZE - 1)) as usize];
        }
        Ok(out)
    }

    #[cold]
    #[inline(never)]
    fn slow_store<const N: usize>(&mut self, addr: u32, value: [u8; N]) -> Result<(), MemFault> {
        self.check(addr, N, true)?;
        for (k, b) in value.iter().enumerate() {
            let a = addr.wrapping_add(k as u32);
            self.own_frame(a >> PAGE_BITS)[(a & (PAGE_SIZE - 1)) as usize] = *b;
        }
        Ok(())
    }
}

impl Memory for PagedMemory {
    /// The page table's address: it never moves while the memory lives.
    type Fast = *const usize;

    #[inline(always)]
    fn fast(&mut self) -> *const usize {
        self.table.as_ptr() as *const usize
    }

    #[inline(always)]
    unsafe fn load_fast<const N: usize>(table: *const usize, addr: u32) -> Option<[u8; N]> {
        let off = (addr & (PAGE_SIZE - 1)) as usize;
        // SAFETY: `table` is this memory's live table (the caller's contract) of 2^20 entries,
        // and `addr >> 12 < 2^20`.
        let e = unsafe { *table.add((addr >> PAGE_BITS) as usize) };
        if e != 0 && off + N <= PAGE_SIZE as usize {
            let mut out = [0u8; N];
            // SAFETY: a non-zero entry points at a live frame (see `frame`) and `off + N` is
            // within it.
            unsafe { std::ptr::copy_nonoverlapping(((e & !FLAGS) as *const u8).add(off), out.as_mut_ptr(), N) };
            return Some(out);
        }
        None
    }

    #[inline(always)]
    unsafe fn store_fast<const N: usize>(table: *const usize, addr: u32, value: [u8; N]) -> bool {
        let off = (addr & (PAGE_SIZE - 1)) as usize;
        // SAFETY: as in `load_fast`.
        let e = unsafe { *table.add((addr >> PAGE_BITS) as usize) };
        if e & (WRITABLE | SHARED) == WRITABLE && off + N <= PAGE_SIZE as usize {
            // SAFETY: a writable, non-shared entry points at a frame this memory owns (never the
            // static zero frame), live until `Drop`; `off + N` is within it. No reference to
            // the frame is alive: the interpreter holds the memory only through this pointer.
            unsafe { std::ptr::copy_nonoverlapping(value.as_ptr(), ((e & !FLAGS) as *mut u8).add(off), N) };
            return true;
        }
        false
    }

    #[inline(always)]
    fn load<const N: usize>(&self, addr: u32) -> Result<[u8; N], MemFault> {
        // SAFETY: the table pointer is this memory's own, live while `self` is.
        match unsafe { Self::load_fast::<N>(self.table.as_ptr() as *const usize, addr) } {
            Some(bytes) => Ok(bytes),
            None => self.slow_load(addr),
        }
    }

    #[inline(always)]
    fn store<const N: usize>(&mut self, addr: u32, value: [u8; N]) -> Result<(), MemFault> {
        let fast = self.fast();
        // SAFETY: `fast` was just taken from this memory.
        if unsafe { Self::store_fast::<N>(fast, addr, value) } {
            return Ok(());
        }
        self.slow_store(addr, value)
    }

    // Inlined into the recompiler's run loop (another crate's monomorphization): every host
    // call re-enters through here.
    #[inline]
    fn jit_view(&mut self) -> JitView {
        if self.reserved.is_none() && self.reservable && cfg!(all(target_arch = "x86_64", target_os = "linux")) {
            // On failure the memory stays unreserved and is walked through its table.
            self.reserve();
        }
        match &self.reserved {
            Some(r) => JitView::Reserved(r.base()),
            None => JitView::PageTable(self.fast()),
        }
    }

    fn sbrk(&mut self, n: u64) -> Option<u32> {
        let top = self.heap_top?;
        if n == 0 {
            return Some(top);
        }
        // GP: a request that cannot be met returns 0 and changes nothing (`n` is a whole register,
        // so the sum is checked, not wrapped).
        let new_top = match (top as u64).checked_add(n) {
            Some(t) if t <= u32::MAX as u64 => t,
            _ => return Some(0),
        };
        let first_new = (top as u64).div_ceil(PAGE_SIZE as u64) * PAGE_SIZE as u64;
        if new_top > first_new {
            self.map(first_new as u32, (new_top - first_new) as u32, Access::ReadWrite);
        }
        self.heap_top = Some(new_top as u32);
        Some(top)
    }

    /// Page by page (each a copy out of its frame), wrapping at 2^32.
    fn read_bytes(&self, addr: u32, len: u32) -> Option<Vec<u8>> {
        let mut out = Vec::with_capacity(len as usize);
        while out.len() < len as usize {
            let a = addr.wrapping_add(out.len() as u32);
            let e = self.table()[(a >> PAGE_BITS) as usize];
            if e == 0 {
                return None;
            }
            let off = (a & (PAGE_SIZE - 1)) as usize;
            let n = (PAGE_SIZE as usize - off).min(len as usize - out.len());
            out.extend_from_slice(&self.frame(e)[off..off + n]);
        }
        Some(out)
    }

    /// Checks every page first, so an `Err` writes nothing; then copies page by page.
    fn write_bytes(&mut self, addr: u32, bytes: &[u8]) -> Result<(), MemFault> {
        let chunks = || {
            let mut done = 0usize;
            std::iter::from_fn(move || {
                (done < bytes.len()).then(|| {
                    let a = addr.wrapping_add(done as u32);
                    let n = (PAGE_SIZE as usize - (a & (PAGE_SIZE - 1)) as usize).min(bytes.len() - done);
                    done += n;
                    (a, done - n, n)
                })
            })
        };
        if let Some((a, _, _)) = chunks().find(|&(a, _, _)| self.table()[(a >> PAGE_BITS) as usize] == 0) {
            return Err(MemFault::PageFault(a & !(PAGE_SIZE - 1)));
        }
        for (a, from, n) in chunks() {
            let page = a >> PAGE_BITS;
            // The host may write read-only pages; in reserved mode the slot opens for the copy.
            let read_only = self.table()[page as usize] & WRITABLE == 0;
            if let (true, Some(r)) = (read_only, &self.reserved) {
                r.protect(page, 1, Protection::ReadWrite);
            }
            let off = (a & (PAGE_SIZE - 1)) as usize;
            self.own_frame(page)[off..off + n].copy_from_slice(&bytes[from..from + n]);
            if let (true, Some(r)) = (read_only, &self.reserved) {
                r.protect(page, 1, Protection::Read);
            }
        }
        Ok(())
    }
}

/// The host protection a reserved page needs for table entry `e` (see "Reserved mode").
fn protection_of(e: usize) -> Protection {
    #[cfg(feature = "planted-bugs")]
    if e & WRITABLE != 0 && crate::planted::active(crate::planted::Bug::ReservedWriteUntracked) {
        return Protection::ReadWrite;
    }
    if e == 0 {
        Protection::None
    } else if e & (WRITABLE | SHARED) == WRITABLE {
        Protection::ReadWrite
    } else {
        Protection::Read
    }
}

/// Linear memory: bytes `[0, len)` are readable and writable, everything else faults.
#[derive(Clone, Default)]
pub struct LinearMemory {
    data: Vec<u8>,
    /// Upper bound the region may grow to through the heap host call.
    pub max_len: u32,
}

impl LinearMemory {
    /// A zeroed region of `len` bytes (rounded up to whole pages).
    pub fn new(len: u32, max_len: u32) -> Self {
        let len = len.div_ceil(PAGE_SIZE) as usize * PAGE_SIZE as usize;
        LinearMemory { data: vec![0; len], max_len: max_len.max(len as u32) }
    }

    pub fn len(&self) -> u32 {
        self.data.len() as u32
    }

    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// Grows the region by `pages` zeroed pages; false if that would pass `max_len`.
    pub fn grow(&mut self, pages: u32) -> bool {
        let new_len = self.data.len() as u64 + pages as u64 * PAGE_SIZE as u64;
        if new_len > self.max_len as u64 {
            return false;
        }
        self.data.resize(new_len as usize, 0);
        true
    }

    #[inline]
    fn fault_at(&self, addr: u32) -> MemFault {
        // The first inaccessible byte is either `addr` itself or the end of the region.
        let first_bad = if (addr as usize) < self.data.len() { self.data.len() as u32 } else { addr };
        MemFault::PageFault(first_bad & !(PAGE_SIZE - 1))
    }
}

impl Memory for LinearMemory {
    /// The region's start and length: valid until the region grows.
    type Fast = (*mut u8, usize);

    #[inline(always)]
    fn fast(&mut self) -> (*mut u8, usize) {
        (self.data.as_mut_ptr(), self.data.len())
    }

    #[inline(always)]
    unsafe fn load_fast<const N: usize>((base, len): (*mut u8, usize), addr: u32) -> Option<[u8; N]> {
        let a = addr as usize;
        if a + N <= len {
            let mut out = [0u8; N];
            // SAFETY: `base..base + len` is the live region (the caller's contract).
            unsafe { std::ptr::copy_nonoverlapping(base.add(a), out.as_mut_ptr(), N) };
            return Some(out);
        }
        None
    }

    #[inline(always)]
    unsafe fn store_fast<const N: usize>((base, len): (*mut u8, usize), addr: u32, value: [u8; N]) -> bool {
        let a = addr as usize;
        if a + N <= len {
            // SAFETY: as in `load_fast`; the pointer came from `as_mut_ptr`, so it may write.
            unsafe { std::ptr::copy_nonoverlapping(value.as_ptr(), base.add(a), N) };
            return true;
        }
        false
    }

    #[inline(always)]
    fn load<const N: usize>(&self, addr: u32) -> Result<[u8; N], MemFault> {
        let a = addr as usize;
        match self.data.get(a..a + N) {
            Some(s) => Ok(s.try_into().unwrap_or([0; N])),
            None => Err(self.fault_at(addr)),
        }
    }

    #[inline(always)]
    fn store<const N: usize>(&mut self, addr: u32, value: [u8; N]) -> Result<(), MemFault> {
        let a = addr as usize;
        if a + N <= self.data.len() {
            self.data[a..a + N].copy_from_slice(&value);
            Ok(())
        } else {
            Err(self.fault_at(addr))
        }
    }

    fn jit_view(&mut self) -> JitView {
        let (base, len) = self.fast();
        JitView::Linear { base, len }
    }

    fn sbrk(&mut self, _n: u64) -> Option<u32> {
        None
    }

    fn read_bytes(&self, addr: u32, len: u32) -> Option<Vec<u8>> {
        let a = addr as usize;
        self.data.get(a..a + len as usize).map(|s| s.to_vec())
    }

    fn write_bytes(&mut self, addr: u32, bytes: &[u8]) -> Result<(), MemFault> {
        let a = addr as usize;
        match self.data.get_mut(a..a + bytes.len()) {
            Some(s) => {
                s.copy_from_slice(bytes);
                Ok(())
            }
            None => Err(self.fault_at(addr)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_fault_reports_page_of_first_bad_byte() {
        let mut m = PagedMemory::new();
        m.map(0x30000, 4096, Access::ReadWrite);
        assert_eq!(m.load::<1>(0x30fff), Ok([0]));
        assert_eq!(m.load::<2>(0x30fff), Err(MemFault::PageFault(0x31000)));
        assert_eq!(m.load::<1>(0x31fff), Err(MemFault::PageFault(0x31000)));
        m.map(0x31000, 4096, Access::ReadOnly);
        assert_eq!(m.store::<2>(0x30fff, [1, 2]), Err(MemFault::PageFault(0x31000)));
        // Nothing was written by the failed store.
        assert_eq!(m.load::<1>(0x30fff), Ok([0]));
    }

    #[test]
    fn guard_zone_panics_and_wrap_around_is_checked() {
        let mut m = PagedMemory::new();
        m.guard = 0x10000;
        assert_eq!(m.load::<8>(0x100), Err(MemFault::Panic));
        m.map(0xFFFF_F000, 4096, Access::ReadWrite);
        // Wraps to address 0..3, which is in the guard zone.
        assert_eq!(m.load::<8>(0xFFFF_FFFC), Err(MemFault::Panic));
    }

    #[test]
    fn linear_memory_faults_past_the_end() {
        let mut m = LinearMemory::new(8192, 8192);
        assert!(m.store::<8>(8184, [7; 8]).is_ok());
        assert_eq!(m.store::<8>(8188, [7; 8]), Err(MemFault::PageFault(8192)));
        assert_eq!(m.load::<4>(u32::MAX - 1), Err(MemFault::PageFault(0xFFFF_F000)));
        assert!(!m.grow(1));
    }

    #[test]
    fn mapping_and_sbrk_allocate_only_written_pages() {
        let mut m = PagedMemory::new();
        m.heap_top = Some(0x20000);
        // A hostile guest asks for almost the whole address space.
        assert_eq!(m.sbrk(0xF000_0000), Some(0x20000));
        assert_eq!(m.access(0x8000_0000), Some(Access::ReadWrite));
        assert!(m.pages_with_data().is_empty(), "nothing is allocated before a write");
        assert_eq!(m.load::<8>(0x8000_0000), Ok([0; 8]));
        m.store::<4>(0x8000_0ffe, [1, 2, 3, 4]).unwrap();
        assert_eq!(m.pages_with_data(), vec![0x80000, 0x80001]);
        assert_eq!(m.load::<4>(0x8000_0ffe), Ok([1, 2, 3, 4]));
        // A request that would pass 2^32 (or overflow 64 bits) returns 0 and changes nothing.
        assert_eq!(m.sbrk(u64::MAX), Some(0));
        assert_eq!(m.heap_top, Some(0xF002_0000));
        let copy = m.clone();
        assert_eq!(copy.load::<4>(0x8000_0ffe), Ok([1, 2, 3, 4]));
        assert_eq!(copy.pages_with_data(), m.pages_with_data());
    }

    #[cfg(all(target_arch = "x86_64", target_os = "linux"))]
    #[test]
    fn reserved_mode_keeps_contents_protections_and_pages_with_data() {
        let mut m = PagedMemory::new();
        m.guard = 0x10000;
        m.map(0x20000, 4 * PAGE_SIZE, Access::ReadWrite);
        m.map(0x30000, PAGE_SIZE, Access::ReadOnly);
        m.write_bytes(0x30000, &[9, 8, 7]).unwrap();
        m.store::<4>(0x21ffe, [1, 2, 3, 4]).unwrap();
        let before = m.pages_with_data();
        let JitView::Reserved(base) = m.jit_view() else { panic!("reserved") };
        // The data moved into the reservation, at base + address.
        // SAFETY: page 0x21 is mapped and was written, so its slot is readable.
        assert_eq!(unsafe { *base.add(0x21ffe) }, 1);
        assert_eq!(m.load::<4>(0x21ffe), Ok([1, 2, 3, 4]));
        assert_eq!(m.load::<3>(0x30000), Ok([9, 8, 7]));
        assert_eq!(m.pages_with_data(), before);
        // Faults are unchanged: read-only, unmapped, guard zone.
        assert_eq!(m.store::<1>(0x30000, [1]), Err(MemFault::PageFault(0x30000)));
        assert_eq!(m.load::<1>(0x40000), Err(MemFault::PageFault(0x40000)));
        assert_eq!(m.load::<1>(0x100), Err(MemFault::Panic));
        // A first write to an unwritten page opens it and (some of) its unwritten neighbours.
        m.store::<1>(0x20000, [5]).unwrap();
        let pages = m.pages_with_data();
        assert!(pages.contains(&0x20) && pages.contains(&0x21) && pages.contains(&0x30));
        assert!(pages.iter().all(|p| (0x20..0x24).contains(p) || *p == 0x30), "{pages:x?}");
        // The host may still write a read-only page; the guest still may not.
        m.write_bytes(0x30001, &[6]).unwrap();
        assert_eq!(m.load::<2>(0x30000), Ok([9, 6]));
        assert_eq!(m.store::<1>(0x30000, [1]), Err(MemFault::PageFault(0x30000)));
        let copy = m.clone();
        assert_eq!(copy.load::<4>(0x21ffe), Ok([1, 2, 3, 4]));
    }

    #[test]
    fn a_reused_page_table_starts_empty() {
        for round in 0..(SPARE_TABLES_KEPT + 2) {
            let mut m = PagedMemory::new();
            assert_eq!(m.mapped_pages().count(), 0, "round {round}: a fresh memory maps nothing");
            m.map(0x10000, 3 * PAGE_SIZE, Access::ReadWrite);
            m.map(0xFFFF_F000, PAGE_SIZE, Access::ReadOnly);
            m.store::<4>(0x10ffe, [1, 2, 3, 4]).unwrap();
            // Several alive at once: some tables come from the pool, some are new.
            let other = PagedMemory::new();
            assert_eq!(other.mapped_pages().count(), 0);
            drop(m);
        }
        // A memory that mapped most of the address space frees its table instead of clearing it.
        let mut big = PagedMemory::new();
        big.map(0, u32::MAX, Access::ReadWrite);
        drop(big);
        assert_eq!(PagedMemory::new().mapped_pages().count(), 0);
    }
}
