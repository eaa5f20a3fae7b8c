//! The physical pages of one invocation: one zeroed allocation of `memory_pages` frames (the
//! system backs only the frames that are touched), which DATA capabilities name by number and
//! VMs reach through their page tables without copying.

use std::alloc::{alloc_zeroed, dealloc, Layout};
use std::ptr::NonNull;

use crate::memory::PAGE_SIZE;

/// `count` frames of 4096 bytes, 4096-aligned, zero until written.
pub struct Frames {
    base: Option<NonNull<u8>>,
    count: u32,
}

impl Frames {
    /// `None` if the system will not give `count` frames of address space.
    pub fn new(count: u32) -> Option<Frames> {
        if count == 0 {
            return Some(Frames { base: None, count });
        }
        let layout = Self::layout(count)?;
        // SAFETY: the layout has a non-zero size (count > 0).
        let base = NonNull::new(unsafe { alloc_zeroed(layout) })?;
        Some(Frames { base: Some(base), count })
    }

    fn layout(count: u32) -> Option<Layout> {
        Layout::from_size_align((count as usize).checked_mul(PAGE_SIZE as usize)?, PAGE_SIZE as usize).ok()
    }

    pub fn count(&self) -> u32 {
        self.count
    }

    /// The first byte of frame `f`.
    ///
    /// # Panics
    /// If `f` is not a frame of this store (the kernel only hands out frames below `count`).
    pub fn frame(&self, f: u32) -> *mut u8 {
        assert!(f < self.count, "frame {f} of {}", self.count);
        let base = self.base.expect("a store with frames has an allocation");
        // SAFETY: f < count, so the offset stays inside the allocation.
        unsafe { base.as_ptr().add(f as usize * PAGE_SIZE as usize) }
    }

    /// The bytes of frame `f` (no VM may be running).
    pub fn bytes(&self, f: u32) -> &[u8] {
        // SAFETY: `frame` checks the bound; the kernel runs no VM while the host reads frames,
        // so nothing writes the frame for the returned lifetime.
        unsafe { std::slice::from_raw_parts(self.frame(f), PAGE_SIZE as usize) }
    }

    /// Writes `bytes` from the start of frame `f` on, across following frames.
    pub fn write(&mut self, f: u32, bytes: &[u8]) {
        for (i, chunk) in bytes.chunks(PAGE_SIZE as usize).enumerate() {
            let frame = self.frame(f + i as u32);
            // SAFETY: `frame` checks the bound; a chunk is at most one frame; `&mut self` rules
            // out any other access.
            unsafe { std::ptr::copy_nonoverlapping(chunk.as_ptr(), frame, chunk.len()) };
        }
    }
}

impl Drop for Frames {
    fn drop(&mut self) {
        if let (Some(base), Some(layout)) = (self.base, Self::layout(self.count)) {
            // SAFETY: allocated in `new` with this layout; freed once.
            unsafe { dealloc(base.as_ptr(), layout) };
        }
    }
}
