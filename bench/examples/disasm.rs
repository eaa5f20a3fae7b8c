//! Prints the exports and the disassembly of a `.polkavm` file (JamV1).
fn main() {
    let path = std::env::args().nth(1).expect("usage: disasm FILE.polkavm");
    let bytes = std::fs::read(path).expect("readable file");
    let c = javm::PolkaVmBlob::parse(&bytes).expect("a JamV1 .polkavm container");
    println!("exports {:?}", c.exports);
    let rules = javm::BlockRules { ecalli_ends_block: false, strict: false };
    let code = javm::Code::parse(&c.code, javm::LengthEncoding::Compact, javm::Numbering::PolkaVm, rules).expect("valid code");
    print!("{}", javm::disasm::listing(&code));
}
