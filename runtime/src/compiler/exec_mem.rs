//! Executable memory for compiled code: mapped writable, filled, then made read-only and
//! executable (never both writable and executable), unmapped on drop.

use std::ptr::NonNull;

/// A read-only, executable copy of some machine code.
pub struct ExecBuffer {
    ptr: NonNull<u8>,
    len: usize,
}

// SAFETY: the mapping is immutable after `new` and owned by this value alone.
unsafe impl Send for ExecBuffer {}
// SAFETY: shared access only reads or executes the immutable bytes.
unsafe impl Sync for ExecBuffer {}

impl ExecBuffer {
    /// Maps `code` executable; `None` if the system refuses the mapping.
    pub fn new(code: &[u8]) -> Option<ExecBuffer> {
        let len = code.len().max(1).div_ceil(4096) * 4096;
        // SAFETY: a fresh anonymous private mapping; no existing memory is affected.
        let p = unsafe { libc::mmap(std::ptr::null_mut(), len, libc::PROT_READ | libc::PROT_WRITE, libc::MAP_PRIVATE | libc::MAP_ANONYMOUS, -1, 0) };
        if p == libc::MAP_FAILED {
            return None;
        }
        let ptr = NonNull::new(p as *mut u8)?;
        // SAFETY: the mapping is `len >= code.len()` writable bytes that nothing else references.
        unsafe { std::ptr::copy_nonoverlapping(code.as_ptr(), ptr.as_ptr(), code.len()) };
        // SAFETY: `p..p + len` is the mapping made above.
        if unsafe { libc::mprotect(p, len, libc::PROT_READ | libc::PROT_EXEC) } != 0 {
            // SAFETY: as above; it is not used after this.
            unsafe { libc::munmap(p, len) };
            return None;
        }
        Some(ExecBuffer { ptr, len })
    }

    /// The mapping's length in bytes.
    pub fn len(&self) -> usize {
        self.len
    }

    /// The address of byte `offset`.
    pub fn addr(&self, offset: u32) -> usize {
        debug_assert!((offset as usize) < self.len);
        self.ptr.as_ptr() as usize + offset as usize
    }
}

impl Drop for ExecBuffer {
    fn drop(&mut self) {
        // SAFETY: the mapping made in `new`, unmapped once; no code runs from it any more (a
        // `Compiled` is only dropped when no VM uses it).
        unsafe { libc::munmap(self.ptr.as_ptr() as *mut libc::c_void, self.len) };
    }
}
