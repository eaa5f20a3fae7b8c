//! Turning hardware faults of guest memory accesses into the memory's own checked slow path.
//!
//! With a reserved memory (`JitView::Reserved`), compiled code accesses guest address `a` as
//! `[base + a]` without checking it. When the host refuses (the page is unmapped, read-only, not
//! yet written, in the guard zone, or the access runs past 2^32), the CPU raises SIGSEGV before
//! the instruction has any effect. The handler installed here looks the faulting instruction up
//! among the *access sites* of the code running on this thread and moves the pc to that site's
//! slow path, which repeats the access through `Memory::load` / `Memory::store`: the same code
//! the interpreter uses, so the exit (panic, page fault and its address) and everything after it
//! are the interpreter's.
//!
//! Faults that are not a guest access of the VM running on this thread (another thread's fault,
//! a fault in host code, an address outside the running VM's reservation) go to the handler that
//! was installed before, or to the default action, so host crashes still crash.

use std::cell::Cell;
use std::sync::atomic::{AtomicPtr, Ordering};
use std::sync::Mutex;

/// Where a program's access sites are, fixed when it is compiled.
pub(crate) struct Sites {
    /// The code mapping: `[code_start, code_end)`.
    pub code_start: usize,
    pub code_end: usize,
    /// (offset of each access instruction, offset of its slow path), ascending.
    pub sites: Vec<(u32, u32)>,
}

/// What the handler needs of the code running on this thread: two words, so that entering and
/// leaving compiled code (every host call) costs two thread-local stores.
#[derive(Copy, Clone)]
pub(crate) struct Running {
    /// The sites of the running program (owned by its `Compiled`, which the VM holds).
    pub sites: *const Sites,
    /// The guest base of the running VM's reservation (its guest space is `RESERVED_LEN` bytes).
    pub memory_start: usize,
}

const NOT_RUNNING: Running = Running { sites: std::ptr::null(), memory_start: 0 };

thread_local! {
    /// Set while compiled code runs on this thread. A `const`-initialised `Cell` of plain data
    /// with no destructor: reading it is a plain thread-local load, safe in a signal handler.
    static RUNNING: Cell<Running> = const { Cell::new(NOT_RUNNING) };
}

/// The actions that were installed for SIGSEGV and SIGBUS before ours (a leaked allocation per
/// installation, so that the handler can read it without locking; a null pointer: none).
static PREVIOUS: AtomicPtr<[libc::sigaction; 2]> = AtomicPtr::new(std::ptr::null_mut());

/// Makes sure our handler is the one installed for SIGSEGV and SIGBUS, installing it (and
/// keeping what was there, to chain to) if it is not: the first time, and again whenever other
/// code replaced it since (another runtime in the process may install its own). Called whenever
/// a VM that needs it is created; false if the system refused.
pub(crate) fn install() -> bool {
    static LOCK: Mutex<()> = Mutex::new(());
    let _guard = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let ours_addr = on_fault as extern "C" fn(libc::c_int, *mut libc::siginfo_t, *mut libc::c_void) as usize;
    // SAFETY: `sigaction` structures are plain data; zeroed is a valid empty action.
    let mut current: [libc::sigaction; 2] = unsafe { std::mem::zeroed() };
    for (k, sig) in [libc::SIGSEGV, libc::SIGBUS].into_iter().enumerate() {
        // SAFETY: querying the current action into a valid structure.
        if unsafe { libc::sigaction(sig, std::ptr::null(), &mut current[k]) } != 0 {
            return false;
        }
    }
    if current.iter().all(|a| a.sa_sigaction == ours_addr) {
        return true;
    }
    // SAFETY: as above.
    let mut ours: libc::sigaction = unsafe { std::mem::zeroed() };
    ours.sa_sigaction = ours_addr;
    // SA_ONSTACK: run on the alternate stack where the thread has one (Rust's threads do, for
    // their own stack-overflow report, which we chain to).
    ours.sa_flags = libc::SA_SIGINFO | libc::SA_ONSTACK;
    // SAFETY: `sa_mask` is a valid signal set to initialise.
    unsafe { libc::sigemptyset(&mut ours.sa_mask) };
    // What to chain to: what was there, unless that is ours already.
    let old = PREVIOUS.load(Ordering::Acquire);
    let mut previous = current;
    for k in 0..2 {
        if previous[k].sa_sigaction == ours_addr {
            // SAFETY: `old` is null or a leaked, never-freed allocation made below.
            previous[k] = match unsafe { old.as_ref() } {
                Some(p) => p[k],
                // SAFETY: as above; a zeroed action is SIG_DFL.
                None => unsafe { std::mem::zeroed() },
            };
        }
    }
    PREVIOUS.store(Box::into_raw(Box::new(previous)), Ordering::Release);
    for sig in [libc::SIGSEGV, libc::SIGBUS] {
        // SAFETY: installing a handler with a valid `sigaction`; `on_fault` is
        // async-signal-safe (it reads a thread-local cell, the immutable site table and an
        // immutable leaked allocation, and writes the interrupted context).
        if unsafe { libc::sigaction(sig, &ours, std::ptr::null_mut()) } != 0 {
            return false;
        }
    }
    true
}

/// Marks `running` as the code on this thread, until [`leave`]. Runs do not nest (compiled code
/// calls back into the host only for a memory access or `sbrk`, which run no guest), so there
/// is nothing to restore. Two plain thread-local stores: every host call passes here twice.
#[inline]
pub(crate) fn enter(running: Running) {
    RUNNING.with(|r| r.set(running));
}

/// Marks that no compiled code runs on this thread.
#[inline]
pub(crate) fn leave() {
    RUNNING.with(|r| r.set(NOT_RUNNING));
}

/// The address to resume at for a fault at `pc` touching `addr`, if that is an access site of
/// the running program touching the running VM's guest space.
fn slow_path(running: &Running, pc: usize, addr: usize) -> Option<usize> {
    if running.sites.is_null() || addr < running.memory_start || addr - running.memory_start >= crate::reservation::RESERVED_LEN {
        return None;
    }
    // SAFETY: `sites` belongs to the `Compiled` running on this thread, which outlives the run
    // (the VM holds it in an `Arc`) and is never changed after compiling.
    let sites = unsafe { &*running.sites };
    if pc < sites.code_start || pc >= sites.code_end {
        return None;
    }
    let at = (pc - sites.code_start) as u32;
    let k = sites.sites.binary_search_by_key(&at, |&(site, _)| site).ok()?;
    Some(sites.code_start + sites.sites[k].1 as usize)
}

extern "C" fn on_fault(sig: libc::c_int, info: *mut libc::siginfo_t, context: *mut libc::c_void) {
    let running = RUNNING.try_with(|r| r.get()).unwrap_or(NOT_RUNNING);
    let uc = context as *mut libc::ucontext_t;
    // SAFETY: the kernel passes a valid `ucontext_t` and `siginfo_t` to an SA_SIGINFO handler.
    let (pc, addr) = unsafe { ((*uc).uc_mcontext.gregs[libc::REG_RIP as usize] as usize, (*info).si_addr() as usize) };
    if let Some(slow) = slow_path(&running, pc, addr) {
        // SAFETY: as above; resuming at the site's slow path, in the same code, with every
        // register as the faulting instruction left it (it had no effect).
        unsafe { (*uc).uc_mcontext.gregs[libc::REG_RIP as usize] = slow as i64 };
        return;
    }
    chain(sig, info, context);
}

/// Hands a fault that is not ours to the previous handler, or restores the default action so
/// that the faulting instruction, executed again on return, ends the process as it would have.
fn chain(sig: libc::c_int, info: *mut libc::siginfo_t, context: *mut libc::c_void) {
    let k = usize::from(sig == libc::SIGBUS);
    // SAFETY: null or a leaked allocation that is never freed or changed.
    let previous = unsafe { PREVIOUS.load(Ordering::Acquire).as_ref() }.map(|p| p[k]);
    match previous {
        Some(p) if p.sa_sigaction != libc::SIG_DFL && p.sa_sigaction != libc::SIG_IGN => {
            if p.sa_flags & libc::SA_SIGINFO != 0 {
                // SAFETY: the previous handler was installed with SA_SIGINFO, so it has this type.
                let f: extern "C" fn(libc::c_int, *mut libc::siginfo_t, *mut libc::c_void) = unsafe { std::mem::transmute(p.sa_sigaction) };
                f(sig, info, context);
            } else {
                // SAFETY: installed without SA_SIGINFO: a plain handler.
                let f: extern "C" fn(libc::c_int) = unsafe { std::mem::transmute(p.sa_sigaction) };
                f(sig);
            }
        }
        _ => {
            // SAFETY: resetting a signal to its default action with a valid, zeroed action.
            unsafe {
                let mut default: libc::sigaction = std::mem::zeroed();
                default.sa_sigaction = libc::SIG_DFL;
                libc::sigaction(sig, &default, std::ptr::null_mut());
            }
        }
    }
}
