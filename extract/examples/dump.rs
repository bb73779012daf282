//! Prints what `extract` makes of each file named on the command line.
fn main() {
    for path in std::env::args().skip(1) {
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) => {
                eprintln!("{path}: {e}");
                continue;
            }
        };
        match lifeguard_extract::extract(&bytes, &path, "", &lifeguard_extract::Limits::default()) {
            Ok(got) => println!("== {path}: {:?}\n{}", got.format, got.text),
            Err(why) => println!("== {path}: unreadable ({}): {why}", why.as_str()),
        }
    }
}
