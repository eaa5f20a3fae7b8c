fn main() {
    let path = std::env::args().nth(1).unwrap();
    let bytes = std::fs::read(path).unwrap();
    let c = javm::PolkaVmBlob::parse(&bytes).unwrap();
    println!("exports {:?}", c.exports);
    let code = javm::Code::parse(&c.code, javm::LengthEncoding::Compact, javm::Numbering::PolkaVm, javm::BlockRules { ecalli_ends_block: false, strict: false }).unwrap();
    let table = code.numbering.decode_table();
    for pc in 0..code.code.len() as u32 {
        if code.is_start(pc) {
            match code.opcode_at(pc, &table) {
                Some(op) => println!("{pc:>5}: {:?}", code.decode(pc, op)),
                None => println!("{pc:>5}: invalid"),
            }
        }
    }
}
