//! Executable memory for compiled code: mapped writable, filled, then made read-only and
//! executable (never both writable and executable). A dropped buffer's mapping is kept for the
//! next program of the same size: mapping fresh pages and faulting them in cost about as much
//! as compiling a small program.

use std::ptr::NonNull;
use std::sync::Mutex;

/// A read-only, executable copy of some machine code.
pub struct ExecBuffer {
    ptr: NonNull<u8>,
    len: usize,
}

// SAFETY: the mapping is immutable after `new` and owned by this value alone.
unsafe impl Send for ExecBuffer {}
// SAFETY: shared access only reads or executes the immutable bytes.
unsafe impl Sync for ExecBuffer {}

/// Mappings of dropped buffers (address, length), read-only and executable, owned by nobody
/// else; at most [`SPARE_LIMIT`] bytes of them.
static SPARE: Mutex<Vec<(usize, usize)>> = Mutex::new(Vec::new());
const SPARE_LIMIT: usize = 16 << 20;

/// `int3`: what the unused tail of a mapping holds (in a reused one, instead of an older
/// program's code).
const INT3: u8 = 0xCC;

impl ExecBuffer {
    /// Maps `code` executable; `None` if the system refuses the mapping.
    pub fn new(code: &[u8]) -> Option<ExecBuffer> {
        let len = code.len().max(1).div_ceil(4096) * 4096;
        let reused = {
            let mut spare = SPARE.lock().unwrap_or_else(|e| e.into_inner());
            spare.iter().position(|&(_, l)| l == len).map(|k| spare.swap_remove(k).0)
        };
        let p = match reused {
            Some(addr) => addr as *mut libc::c_void,
            None => {
                // SAFETY: a fresh anonymous private mapping; no existing memory is affected.
                let p = unsafe { libc::mmap(std::ptr::null_mut(), len, libc::PROT_READ | libc::PROT_WRITE, libc::MAP_PRIVATE | libc::MAP_ANONYMOUS, -1, 0) };
                if p == libc::MAP_FAILED {
                    return None;
                }
                p
            }
        };
        let ptr = NonNull::new(p as *mut u8)?;
        // SAFETY: `p..p + len` is a mapping that nothing else references (fresh, or taken out
        // of the spare list, whose code no `Compiled` runs any more); it becomes writable here
        // (a fresh one already is), so the writes below are to writable memory it owns.
        unsafe {
            if reused.is_some() && libc::mprotect(p, len, libc::PROT_READ | libc::PROT_WRITE) != 0 {
                libc::munmap(p, len);
                return None;
            }
            std::ptr::copy_nonoverlapping(code.as_ptr(), ptr.as_ptr(), code.len());
            std::ptr::write_bytes(ptr.as_ptr().add(code.len()), INT3, len - code.len());
        }
        // SAFETY: `p..p + len` is the mapping above.
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
        // No code runs from the mapping any more (a `Compiled` is only dropped when no VM uses
        // it): keep it for the next buffer of its size, or unmap it.
        let mut spare = SPARE.lock().unwrap_or_else(|e| e.into_inner());
        if spare.iter().map(|&(_, l)| l).sum::<usize>() + self.len <= SPARE_LIMIT {
            spare.push((self.ptr.as_ptr() as usize, self.len));
            return;
        }
        drop(spare);
        // SAFETY: the mapping made in `new`, unmapped once.
        unsafe { libc::munmap(self.ptr.as_ptr() as *mut libc::c_void, self.len) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A mapping holds the new code and `int3` after it, never an older program's bytes, whether
    /// it was reused (other tests may take the spare first) or fresh.
    #[test]
    fn a_reused_mapping_holds_only_the_new_code() {
        drop(ExecBuffer::new(&[0x90; 3000]).unwrap());
        let new = ExecBuffer::new(&[0xC3; 10]).unwrap();
        // SAFETY: the mapping is readable for `len` bytes while `new` lives.
        let bytes = unsafe { std::slice::from_raw_parts(new.addr(0) as *const u8, new.len()) };
        assert_eq!(&bytes[..10], &[0xC3; 10]);
        assert!(bytes[10..].iter().all(|&b| b == INT3));
    }
}
