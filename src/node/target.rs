//! `jarkit target --socket PATH`: the JAM conformance fuzzer's target protocol (v1) over a Unix
//! socket, so the public conformance fuzzers can drive jarkit as they drive other nodes.
//!
//! Every message is a 32-bit little-endian length, then a tag byte and the JAM-codec encoding of
//! the payload: `0` PeerInfo, `1` Initialize (header, state, ancestry), `2` StateRoot, `3`
//! ImportBlock, `4` GetState (a header hash), `5` State, `255` Error (a UTF-8 reason). The
//! fuzzer asks, the target answers, one at a time. A block is imported on the state of its
//! parent (so the fuzzer's simple forks work); a rejected block is answered with Error and
//! changes nothing. A malformed or unexpected message ends the session (the protocol's rule);
//! the target then waits for the next connection.

use std::collections::VecDeque;
use std::io::{Read, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::Path;

use jarkit_spec::codec::{Codec, Decoder};
use jarkit_spec::jar::{self, ChainState, KeyValue, Variant, VariantId};
use jarkit_spec::prelude::ByteArray;

use super::state::{decode_state, encode_state, state_root};

/// The largest message the target reads (a state with large service code fits easily).
pub const MAX_MESSAGE: usize = 512 << 20;
/// States kept for `GetState` and for imports on an earlier parent (forks).
const KEPT_STATES: usize = 64;

/// The fuzzer protocol version jarkit speaks.
pub const FUZZ_VERSION: u8 = 1;
/// Feature bits jarkit offers: simple forking (2). Ancestry (1) is not offered: the spec does
/// not check lookup anchors against the last L headers yet.
pub const FEATURES: u32 = 2;

/// One protocol message.
#[derive(Debug, Clone, PartialEq)]
pub enum Message {
    PeerInfo(PeerInfo),
    Initialize { header: jar::Header, state: Vec<KeyValue>, ancestry: Vec<(u32, jar::Hash)> },
    StateRoot(jar::Hash),
    ImportBlock(jar::Block),
    GetState(jar::Hash),
    State(Vec<KeyValue>),
    Error(String),
}

/// A peer's self-description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerInfo {
    pub fuzz_version: u8,
    pub features: u32,
    pub app_version: [u8; 3],
    pub jam_version: [u8; 3],
    pub name: String,
}

impl PeerInfo {
    /// jarkit's own.
    pub fn jarkit() -> Self {
        let v = |s: &str| s.parse::<u8>().unwrap_or(0);
        let mut parts = env!("CARGO_PKG_VERSION").split('.');
        let app = [v(parts.next().unwrap_or("0")), v(parts.next().unwrap_or("0")), v(parts.next().unwrap_or("0"))];
        PeerInfo { fuzz_version: FUZZ_VERSION, features: FEATURES, app_version: app, jam_version: [0, 7, 2], name: "jarkit".into() }
    }
}

impl Message {
    /// The message's bytes (tag and payload, without the length prefix).
    pub fn encode<V: Variant>(&self) -> Vec<u8> {
        let mut out = Vec::new();
        match self {
            Message::PeerInfo(p) => {
                out.push(0);
                out.push(p.fuzz_version);
                out.extend_from_slice(&p.features.to_le_bytes());
                out.extend_from_slice(&p.app_version);
                out.extend_from_slice(&p.jam_version);
                ByteArray::new(p.name.as_bytes().to_vec()).encode_to::<V>(&mut out);
            }
            Message::Initialize { header, state, ancestry } => {
                out.push(1);
                header.encode_to::<V>(&mut out);
                state.encode_to::<V>(&mut out);
                jarkit_spec::codec::encode_len::<V>(ancestry.len(), &mut out);
                for (slot, hash) in ancestry {
                    out.extend_from_slice(&slot.to_le_bytes());
                    out.extend_from_slice(&hash.0);
                }
            }
            Message::StateRoot(h) => {
                out.push(2);
                out.extend_from_slice(&h.0);
            }
            Message::ImportBlock(b) => {
                out.push(3);
                b.encode_to::<V>(&mut out);
            }
            Message::GetState(h) => {
                out.push(4);
                out.extend_from_slice(&h.0);
            }
            Message::State(kvs) => {
                out.push(5);
                kvs.encode_to::<V>(&mut out);
            }
            Message::Error(why) => {
                out.push(255);
                ByteArray::new(why.as_bytes().to_vec()).encode_to::<V>(&mut out);
            }
        }
        out
    }

    /// Reads a message from its bytes (tag and payload); every byte must be used.
    pub fn decode<V: Variant>(bytes: &[u8]) -> Result<Message, String> {
        let mut r = Decoder::new(bytes);
        let e = |e: jarkit_spec::codec::DecodeError| e.to_string();
        let msg = match r.byte().map_err(e)? {
            0 => {
                let fuzz_version = r.byte().map_err(e)?;
                let features = r.fixed(4).map_err(e)? as u32;
                let mut version = || -> Result<[u8; 3], String> { Ok([r.byte().map_err(e)?, r.byte().map_err(e)?, r.byte().map_err(e)?]) };
                let app_version = version()?;
                let jam_version = version()?;
                let name = ByteArray::decode_from::<V>(&mut r).map_err(e)?;
                let name = String::from_utf8(name.into_vec()).map_err(|_| "the peer name is not UTF-8".to_string())?;
                Message::PeerInfo(PeerInfo { fuzz_version, features, app_version, jam_version, name })
            }
            1 => {
                let header = jar::Header::decode_from::<V>(&mut r).map_err(e)?;
                let state = Vec::<KeyValue>::decode_from::<V>(&mut r).map_err(e)?;
                let n = r.length::<V>().map_err(e)?;
                let mut ancestry = Vec::with_capacity(n.min(1024));
                for _ in 0..n {
                    let slot = r.fixed(4).map_err(e)? as u32;
                    let hash = jar::Hash::decode_from::<V>(&mut r).map_err(e)?;
                    ancestry.push((slot, hash));
                }
                Message::Initialize { header, state, ancestry }
            }
            2 => Message::StateRoot(jar::Hash::decode_from::<V>(&mut r).map_err(e)?),
            3 => Message::ImportBlock(jar::Block::decode_from::<V>(&mut r).map_err(e)?),
            4 => Message::GetState(jar::Hash::decode_from::<V>(&mut r).map_err(e)?),
            5 => Message::State(Vec::<KeyValue>::decode_from::<V>(&mut r).map_err(e)?),
            255 => {
                let why = ByteArray::decode_from::<V>(&mut r).map_err(e)?;
                Message::Error(String::from_utf8_lossy(&why.0).into_owned())
            }
            t => return Err(format!("unknown message tag {t}")),
        };
        r.finish().map_err(e)?;
        Ok(msg)
    }
}

/// Writes one framed message.
pub fn send<V: Variant>(stream: &mut impl Write, msg: &Message) -> std::io::Result<()> {
    let bytes = msg.encode::<V>();
    stream.write_all(&(bytes.len() as u32).to_le_bytes())?;
    stream.write_all(&bytes)?;
    stream.flush()
}

/// Reads one framed message; `Ok(None)` when the peer closed the connection cleanly.
pub fn receive<V: Variant>(stream: &mut impl Read) -> Result<Option<Message>, String> {
    let mut len = [0u8; 4];
    match stream.read_exact(&mut len) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => return Err(e.to_string()),
    }
    let n = u32::from_le_bytes(len) as usize;
    if n > MAX_MESSAGE {
        return Err(format!("a message of {n} bytes is larger than the {MAX_MESSAGE} the target reads"));
    }
    let mut bytes = vec![0u8; n];
    stream.read_exact(&mut bytes).map_err(|e| format!("the message is shorter than its length: {e}"))?;
    Message::decode::<V>(&bytes).map(Some)
}

/// A session's chain: the states of the last imported blocks, by header hash.
#[derive(Default)]
pub(crate) struct Chain {
    states: VecDeque<(jar::Hash, ChainState, Vec<KeyValue>)>,
}

impl Chain {
    fn find(&self, hash: &jar::Hash) -> Option<&(jar::Hash, ChainState, Vec<KeyValue>)> {
        self.states.iter().rev().find(|(h, _, _)| h == hash)
    }

    fn keep(&mut self, hash: jar::Hash, state: ChainState, entries: Vec<KeyValue>) {
        self.states.retain(|(h, _, _)| *h != hash);
        self.states.push_back((hash, state, entries));
        while self.states.len() > KEPT_STATES {
            self.states.pop_front();
        }
    }
}

/// The answer to one request, or `Err` to end the session.
pub(crate) fn answer<V: Variant>(chain: &mut Chain, msg: Message) -> Result<Message, String> {
    match msg {
        Message::PeerInfo(_) => Ok(Message::PeerInfo(PeerInfo::jarkit())),
        Message::Initialize { header, state, .. } => {
            let decoded = decode_state::<V>(&state).map_err(|e| format!("Initialize: {e}"))?;
            let mut entries = state;
            entries.sort_by(|a, b| a.key.0.cmp(&b.key.0));
            let root = state_root(&entries)?;
            chain.states.clear();
            chain.keep(jar::header_hash::<V>(&header), decoded, entries);
            Ok(Message::StateRoot(root))
        }
        Message::ImportBlock(block) => {
            let Some((_, parent, parent_entries)) = chain.find(&block.header.parent) else {
                return Ok(Message::Error(format!("unknown parent {:?}", block.header.parent)));
            };
            let prior = state_root(parent_entries)?;
            match jar::import_block::<V>(parent, &block, prior) {
                Ok(next) => {
                    let entries = encode_state::<V>(&next);
                    let root = state_root(&entries)?;
                    chain.keep(jar::header_hash::<V>(&block.header), next, entries);
                    Ok(Message::StateRoot(root))
                }
                Err(e) => Ok(Message::Error(serde_json::to_value(&e).map(|v| v.to_string()).unwrap_or_else(|_| format!("{e:?}")))),
            }
        }
        Message::GetState(hash) => match chain.find(&hash) {
            Some((_, _, entries)) => Ok(Message::State(entries.clone())),
            None => Ok(Message::Error(format!("no state for header {hash:?}"))),
        },
        other => Err(format!("a target does not answer {}", name(&other))),
    }
}

fn name(msg: &Message) -> &'static str {
    match msg {
        Message::PeerInfo(_) => "PeerInfo",
        Message::Initialize { .. } => "Initialize",
        Message::StateRoot(_) => "StateRoot",
        Message::ImportBlock(_) => "ImportBlock",
        Message::GetState(_) => "GetState",
        Message::State(_) => "State",
        Message::Error(_) => "Error",
    }
}

/// Serves one connection until the fuzzer closes it or breaks the protocol. Returns why a
/// session ended early, if it did.
pub fn session<V: Variant>(stream: &mut UnixStream) -> Option<String> {
    let mut chain = Chain::default();
    loop {
        let msg = match receive::<V>(stream) {
            Ok(Some(m)) => m,
            Ok(None) => return None,
            Err(e) => return Some(e),
        };
        let reply = match answer::<V>(&mut chain, msg) {
            Ok(r) => r,
            Err(e) => return Some(e),
        };
        if let Err(e) = send::<V>(stream, &reply) {
            return Some(e.to_string());
        }
    }
}

/// Listens on `path` (replacing a stale socket file) and serves connections one after another,
/// forever, or `max_sessions` of them.
pub fn serve(path: &Path, variant: VariantId, max_sessions: Option<usize>, log: &mut dyn FnMut(&str)) -> Result<(), String> {
    if path.exists() {
        std::fs::remove_file(path).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    let listener = UnixListener::bind(path).map_err(|e| format!("{}: {e}", path.display()))?;
    log(&format!("jarkit target ({variant:?}) listening on {}", path.display()));
    let mut served = 0;
    for conn in listener.incoming() {
        let mut stream = conn.map_err(|e| e.to_string())?;
        let ended = jarkit_spec::with_variant!(variant, V => session::<V>(&mut stream));
        if let Some(why) = ended {
            log(&format!("session ended: {why}"));
        }
        served += 1;
        if max_sessions.is_some_and(|m| served >= m) {
            break;
        }
    }
    Ok(())
}
