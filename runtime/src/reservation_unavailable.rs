//! Hosts without `mmap`: no reservation is ever made, so paged memories stay in table mode and
//! the recompiler (x86-64 Unix only) is not built.

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Protection {
    None,
    Read,
    ReadWrite,
}

pub enum Reservation {}

impl Reservation {
    pub fn new() -> Option<Reservation> {
        None
    }
    pub fn base(&self) -> *mut u8 {
        match *self {}
    }
    pub fn page_addr(&self, _page: u32) -> *mut u8 {
        match *self {}
    }
    pub fn protect(&self, _first: u32, _count: u32, _protection: Protection) {
        match *self {}
    }
    pub fn protect_runs(&self, _pages: impl IntoIterator<Item = (u32, Protection)>) {
        match *self {}
    }
    pub fn recycle(self, _ranges: &[(u32, u32)], _written: &[u32]) {
        match self {}
    }
}
