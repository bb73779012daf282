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
