//! `jarkit target`: a client speaking the conformance fuzzer's protocol replays a block trace
//! through the socket, and malformed messages end a session without harming the target.

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use jarkit::node::target::{receive, send, Message, PeerInfo};
use jarkit::vectors::trie::{read_codec, step_files};
use jarkit::vectors::vectors_for_test;
use jarkit_spec::jar::{Genesis, Gp072Tiny, Hash, TraceStep};

struct Target {
    child: Child,
    socket: PathBuf,
}

impl Drop for Target {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.socket);
    }
}

fn start(name: &str) -> Target {
    let socket = std::env::temp_dir().join(format!("jarkit-target-{name}-{}.sock", std::process::id()));
    let _ = std::fs::remove_file(&socket);
    let child = Command::new(env!("CARGO_BIN_EXE_jarkit")).args(["target", "--socket"]).arg(&socket).spawn().unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while !socket.exists() {
        assert!(Instant::now() < deadline, "the target did not create its socket");
        std::thread::sleep(Duration::from_millis(20));
    }
    Target { child, socket }
}

fn connect(path: &Path) -> UnixStream {
    let s = UnixStream::connect(path).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    s
}

fn ask(s: &mut UnixStream, msg: &Message) -> Message {
    send::<Gp072Tiny>(s, msg).unwrap();
    receive::<Gp072Tiny>(s).unwrap().expect("an answer")
}

fn fuzzer_info() -> Message {
    Message::PeerInfo(PeerInfo { fuzz_version: 1, features: 3, app_version: [0, 1, 0], jam_version: [0, 7, 2], name: "test-fuzzer".into() })
}

#[test]
fn a_trace_replayed_through_the_socket_gives_the_trace_roots() {
    let Some(root) = vectors_for_test() else { return };
    let dir = root.join("gp072/traces/safrole");
    let target = start("replay");
    let mut s = connect(&target.socket);
    let Message::PeerInfo(info) = ask(&mut s, &fuzzer_info()) else { panic!("PeerInfo expected") };
    assert_eq!(info.name, "jarkit");
    assert_eq!(info.fuzz_version, 1);
    let genesis: Genesis = read_codec(&dir.join("genesis.bin")).unwrap();
    let init = Message::Initialize { header: genesis.header.clone(), state: genesis.state.keyvals.clone(), ancestry: vec![] };
    assert_eq!(ask(&mut s, &init), Message::StateRoot(genesis.state.state_root));
    let mut last = None;
    for file in step_files(&dir).unwrap() {
        let step: TraceStep = read_codec(&file).unwrap();
        // A corrupted copy first (a fork that must be rejected), then the real block.
        let mut forged = step.block.clone();
        forged.header.seal.0[3] ^= 1;
        assert!(matches!(ask(&mut s, &Message::ImportBlock(forged)), Message::Error(_)), "{}", file.display());
        assert_eq!(ask(&mut s, &Message::ImportBlock(step.block.clone())), Message::StateRoot(step.post_state.state_root), "{}", file.display());
        last = Some((step.block.header.clone(), step.post_state.clone()));
    }
    let (header, post) = last.unwrap();
    let hash: Hash = jarkit_spec::jar::header_hash::<Gp072Tiny>(&header);
    let Message::State(mut kvs) = ask(&mut s, &Message::GetState(hash)) else { panic!("State expected") };
    let mut want = post.keyvals.clone();
    kvs.sort_by(|a, b| a.key.0.cmp(&b.key.0));
    want.sort_by(|a, b| a.key.0.cmp(&b.key.0));
    assert!(kvs == want, "GetState returns the post-state");
    assert!(matches!(ask(&mut s, &Message::GetState(Hash::default())), Message::Error(_)));
}

#[test]
fn malformed_messages_end_the_session_and_the_target_serves_the_next() {
    let target = start("malformed");
    let garbage: [&[u8]; 5] = [
        &[1, 0, 0, 0, 9],                       // an unknown tag
        &[3, 0, 0, 0, 3, 1, 2],                 // a block cut short
        &[0xff, 0xff, 0xff, 0xff],              // a length beyond the limit
        &[5, 0, 0, 0, 2, 0x20],                 // a truncated State
        &[2, 0, 0],                             // the stream ends inside the length
    ];
    for bytes in garbage {
        let mut s = connect(&target.socket);
        s.write_all(bytes).unwrap();
        let _ = s.shutdown(std::net::Shutdown::Write);
        let mut rest = Vec::new();
        let _ = s.read_to_end(&mut rest);
        assert!(rest.is_empty(), "no answer to a malformed message");
    }
    // A target answers requests only; a StateRoot from the fuzzer ends the session.
    let mut s = connect(&target.socket);
    send::<Gp072Tiny>(&mut s, &Message::StateRoot(Hash::default())).unwrap();
    assert!(receive::<Gp072Tiny>(&mut s).unwrap().is_none());
    // And the target still answers a well-formed session.
    let mut s = connect(&target.socket);
    assert!(matches!(ask(&mut s, &fuzzer_info()), Message::PeerInfo(_)));
    // An import before any Initialize has no parent state: an Error, and the session goes on.
    assert!(matches!(ask(&mut s, &Message::ImportBlock(Default::default())), Message::Error(_)));
    assert!(matches!(ask(&mut s, &fuzzer_info()), Message::PeerInfo(_)));
}

#[test]
fn messages_round_trip_through_their_encoding() {
    let info = fuzzer_info();
    assert_eq!(Message::decode::<Gp072Tiny>(&info.encode::<Gp072Tiny>()).unwrap(), info);
    // The protocol's published example of a PeerInfo: version 1, features 2, app 0.1.25, JAM 0.7.0, "fuzzer".
    let example = jarkit::vectors::parse_hex("0x0001020000000001190007000666757a7a6572").unwrap();
    let Message::PeerInfo(p) = Message::decode::<Gp072Tiny>(&example).unwrap() else { panic!() };
    assert_eq!((p.fuzz_version, p.features, p.app_version, p.jam_version, p.name.as_str()), (1, 2, [0, 1, 25], [0, 7, 0], "fuzzer"));
    let root = Message::StateRoot(Hash::default());
    assert_eq!(root.encode::<Gp072Tiny>()[0], 2);
    let err = Message::Error("bad".into());
    assert_eq!(Message::decode::<Gp072Tiny>(&err.encode::<Gp072Tiny>()).unwrap(), err);
}
