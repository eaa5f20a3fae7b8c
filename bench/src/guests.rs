//! The guest programs (C sources in `guests/src`, blobs in `guests/bin`) and, for each, the
//! result it must return, computed here in plain Rust so that a VM bug cannot hide.

use blake2::digest::{consts::U32, Digest};

/// One benchmark workload: a `.polkavm` blob exporting `run(n) -> u64`.
pub struct Guest {
    pub name: &'static str,
    pub blob: &'static [u8],
    /// The argument the benchmarks pass.
    pub arg: u64,
    /// The result `run(n)` must return.
    pub expected: fn(u64) -> u64,
    pub what: &'static str,
}

pub const GUESTS: &[Guest] = &[
    Guest { name: "fib", blob: include_bytes!("../../guests/bin/fib.polkavm"), arg: 1_000_000, expected: fib, what: "iterative Fibonacci mod 2^64, 1M steps" },
    Guest { name: "sort", blob: include_bytes!("../../guests/bin/sort.polkavm"), arg: 1024, expected: sort, what: "insertion sort of 1024 u32" },
    Guest { name: "sieve", blob: include_bytes!("../../guests/bin/sieve.polkavm"), arg: 100_000, expected: sieve, what: "sieve of Eratosthenes to 100K" },
    Guest { name: "blake2b", blob: include_bytes!("../../guests/bin/blake2b.polkavm"), arg: 64, expected: blake2b, what: "blake2b-256 of 1 KiB, 64 times" },
    Guest { name: "keccak", blob: include_bytes!("../../guests/bin/keccak.polkavm"), arg: 64, expected: keccak, what: "keccak-256 of 1 KiB, 64 times" },
    Guest { name: "hostcall", blob: include_bytes!("../../guests/bin/hostcall.polkavm"), arg: 100_000, expected: hostcall, what: "100K host calls (ecalli)" },
    Guest { name: "memcpy", blob: include_bytes!("../../guests/bin/memcpy.polkavm"), arg: 16, expected: memcpy, what: "64 KiB copied 16 times, 8 bytes at a time" },
    Guest { name: "ed25519", blob: include_bytes!("../../guests/bin/ed25519.polkavm"), arg: 8, expected: ed25519, what: "Ed25519 verification of 8 signatures (every fourth invalid)" },
];

pub fn find(name: &str) -> Option<&'static Guest> {
    GUESTS.iter().find(|g| g.name == name)
}

fn fib(n: u64) -> u64 {
    let (mut a, mut b) = (0u64, 1u64);
    for _ in 0..n {
        (a, b) = (b, a.wrapping_add(b));
    }
    a
}

fn sort(n: u64) -> u64 {
    let n = n.min(1024) as usize;
    let mut x: u32 = 12345;
    let mut v: Vec<u32> = (0..n)
        .map(|_| {
            x = x.wrapping_mul(1103515245).wrapping_add(12345);
            x
        })
        .collect();
    v.sort_unstable();
    v.iter().enumerate().fold(0u64, |s, (i, &x)| s.wrapping_add((i as u64 + 1).wrapping_mul(x as u64)))
}

fn sieve(n: u64) -> u64 {
    let n = n.min(100_000) as usize;
    let mut composite = vec![false; n];
    let mut count = 0;
    for i in 2..n {
        if !composite[i] {
            count += 1;
            let mut j = i * i;
            while j < n {
                composite[j] = true;
                j += i;
            }
        }
    }
    count
}

fn hash_rounds(n: u64, hash: impl Fn(&[u8]) -> [u8; 32]) -> u64 {
    let mut buffer: Vec<u8> = (0..1024u32).map(|i| (i * 7 + 3) as u8).collect();
    let mut digest = [0u8; 32];
    for _ in 0..n {
        digest = hash(&buffer);
        buffer[..32].copy_from_slice(&digest);
    }
    u64::from_le_bytes(digest[..8].try_into().unwrap())
}

fn blake2b(n: u64) -> u64 {
    hash_rounds(n, |b| blake2::Blake2b::<U32>::digest(b).into())
}

fn keccak(n: u64) -> u64 {
    hash_rounds(n, |b| sha3::Keccak256::digest(b).into())
}

/// The guest checks entries `i % 4` of its table; entries 0 to 2 are valid signatures and entry
/// 3 is not (`bench/tests/guests.rs` verifies the table with `ed25519-zebra`).
fn ed25519(n: u64) -> u64 {
    n - n / 4
}

fn hostcall(n: u64) -> u64 {
    n
}

fn memcpy(n: u64) -> u64 {
    const WORDS: usize = 65536 / 8;
    let mut a: Vec<u64> = (0..WORDS as u64).map(|i| i.wrapping_mul(0x9e3779b97f4a7c15)).collect();
    let mut b = vec![0u64; WORDS];
    for k in 0..n {
        let (src, dst) = if k & 1 == 1 { (&b, &mut a) } else { (&a, &mut b) };
        for i in 0..WORDS {
            dst[i] = src[i].wrapping_add(1);
        }
    }
    let last = if n & 1 == 1 { &b } else { &a };
    last.iter().enumerate().fold(0, |s, (i, &x)| s ^ x.wrapping_add(i as u64))
}
