/**
 * What each detector id means, in words staff understand. Presentation only: lifeguard-core
 * decides; this table names what it found (the ids are stable, see DESIGN.md).
 */

/** @type {Record<string, string>} */
const LABELS = {
  us_ssn: 'Social Security number',
  us_itin: 'taxpayer ID (ITIN)',
  credit_card: 'payment card number',
  us_bank_routing: 'bank routing number',
  us_bank_account: 'bank account number',
  us_passport: 'passport number',
  us_drivers_license: "driver's license number",
  email: 'e-mail address',
  phone_us: 'phone number',
  ip_address: 'IP address',
  date_of_birth: 'date of birth',
  street_address: 'street address',
  us_mbi: 'Medicare number (MBI)',
  us_npi: 'provider number (NPI)',
  us_dea: 'DEA registration number',
  icd10: 'diagnosis code (ICD-10)',
  medical_record_number: 'medical record number',
  vin: 'vehicle identification number',
  license_plate: 'license plate',
  cji_case_number: 'criminal justice case number',
  cji_identifier: 'criminal justice identifier',
  aws_access_key: 'AWS access key',
  github_token: 'GitHub token',
  slack_token: 'Slack token',
  openai_api_key: 'OpenAI API key',
  google_api_key: 'Google API key',
  private_key: 'private key',
  jwt: 'access token (JWT)',
  password_assignment: 'password',
};

/**
 * @param {string} id a detector id
 * @returns {string}
 */
export function detectorLabel(id) {
  return LABELS[id] ?? id.replaceAll('_', ' ');
}

/**
 * Counts findings per detector, the only form in which findings leave the page.
 * @param {{detector: string}[]} findings
 * @returns {Record<string, number>}
 */
export function countByDetector(findings) {
  /** @type {Record<string, number>} */
  const counts = {};
  for (const f of findings) counts[f.detector] = (counts[f.detector] ?? 0) + 1;
  return counts;
}

/**
 * "2 Social Security numbers, 1 e-mail address" style list items.
 * @param {Record<string, number>} counts
 * @returns {string[]}
 */
export function describeCounts(counts) {
  return Object.entries(counts).map(([id, n]) => `${detectorLabel(id)}${n > 1 ? ` (${n})` : ''}`);
}
