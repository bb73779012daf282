//! The benchmark text, shared by the native benchmark and the in-browser measurement.

/// About 1 MB of English prose with an identifier every few hundred bytes (emails, phones,
/// SSNs, cards, case numbers, VINs, addresses), in a fixed pseudo-random order.
pub fn corpus() -> String {
    let prose = [
        "The Public Works Department will resurface Artesia Boulevard next spring, pending council approval of the budget. ",
        "Residents asked about parking near the pier during the summer concert series and the farmers market on Thursdays. ",
        "Please summarize the attached staff report for the Harbor Commission meeting and list the action items. ",
        "Contact the permit desk at permits@redondo.org or call (310) 372-1171 for an appointment. ",
        "The applicant's SSN 123-45-6789 must not be shared outside the Finance Department. ",
        "Card on file 4111 1111 1111 1111 was declined for the recreation class registration. ",
        "Case 2024-001234: the officer noted the vehicle VIN 1HGCM82633A004352 at 1922 Artesia Blvd. ",
        "We reviewed 42 proposals over 3 weeks, with scores between 61 and 97, for a contract worth $1,250,000. ",
    ];
    let mut out = String::with_capacity(1 << 20);
    let mut i = 0usize;
    while out.len() < 1 << 20 {
        i = i.wrapping_mul(1_103_515_245).wrapping_add(12_345);
        let pick = (i >> 8) % prose.len();
        // Mostly plain prose: an identifier sentence about one time in three.
        let pick = if pick >= 4 && !(i >> 3).is_multiple_of(3) { pick % 4 } else { pick };
        out.push_str(prose[pick]);
    }
    out
}

/// About 1 MB of text with an identifier about every 90 bytes (one per sentence), each of
/// a different kind and spelling, as in a case log or a spreadsheet pasted whole.
#[allow(dead_code)] // the in-browser measurement uses `corpus` alone
pub fn dense() -> String {
    let lines = [
        "The applicant's SSN 536-22-1234 is on file with the Finance Department for review. ",
        "Please call the resident back at (310) 555-0123 x204 before the end of the week. ",
        "The Maestro card 5018 0000 0009 0004 was declined at the recreation center desk. ",
        "Forward the signed permit to jane.doe@example.org and copy the planning office. ",
        "Intake form lists DOB: 03/05/1984 and a preferred language of Spanish for letters. ",
        "Officers towed the sedan with VIN 1HGCM82633A004352 from the harbor lot on Sunday. ",
        "The claimant lives at 123 Main St, Apt 4B and asked for mail to go to that address. ",
        "Her mobile is +1 310-555-0199 ext. 12 and she prefers text messages after five pm. ",
        "Payroll needs routing 021000021 confirmed by the bank before the next pay period. ",
        "The monitoring alert says host 192.168.1.10 stopped answering at a quarter to six. ",
        "The clerk opened Case No. 2024-001234 after the hearing was moved to next Tuesday. ",
        "The form says she was born March 5, 1984 in Ohio and moved to the city as a child. ",
        "The card on file 4111-1111-1111-1111 expired, so the class fee could not be paid. ",
        "Order 123456789 shipped on Friday and should reach the library branch by Monday. ",
    ];
    repeat_to_1mb(&lines)
}

/// About 1 MB of plain prose: no identifiers, a few everyday numbers (years, amounts).
#[allow(dead_code)]
pub fn prose() -> String {
    let lines = [
        "The Public Works Department will resurface Artesia Boulevard next spring, pending council approval of the budget. ",
        "Residents asked about parking near the pier during the summer concert series and the farmers market on Thursdays. ",
        "Please summarize the attached staff report for the Harbor Commission meeting and list the action items. ",
        "We reviewed 42 proposals over 3 weeks, with scores between 61 and 97, for a contract worth $1,250,000. ",
        "The library will open at 9 on weekdays in 2026, and the teen program meets in room 204 after school. ",
        "Council asked staff to draft a policy on the use of generative tools for public records requests. ",
    ];
    repeat_to_1mb(&lines)
}

/// `lines` in a fixed pseudo-random order until the text is about 1 MB.
#[allow(dead_code)]
fn repeat_to_1mb(lines: &[&str]) -> String {
    let mut out = String::with_capacity((1 << 20) + 256);
    let mut i = 0usize;
    while out.len() < 1 << 20 {
        i = i.wrapping_mul(1_103_515_245).wrapping_add(12_345);
        out.push_str(lines[(i >> 8) % lines.len()]);
    }
    out
}
