//! Writes the built-in default policy without its layout, for the browser build: the module
//! carries it as text, and indentation is bytes every device downloads (about 400 gzipped).
//! Native builds keep the file as written (`lifeguard policy default` prints it for people).

fn main() {
    let source = "policy/default-policy.json";
    println!("cargo:rerun-if-changed={source}");
    let text = std::fs::read_to_string(source).expect("policy/default-policy.json is readable");
    let doc: serde_json::Value = serde_json::from_str(&text).expect("policy/default-policy.json is JSON");
    let out = std::path::Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("default-policy.min.json");
    std::fs::write(out, serde_json::to_string(&doc).expect("serialises")).expect("OUT_DIR is writable");
}
