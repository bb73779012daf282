/**
 * What each detector id means, in words staff understand. Presentation only: lifeguard-core
 * decides, and names its detectors in shared/vocabulary.js, which the build generates from
 * it (`lifeguard extension vocabulary`), so the notices, the console and the engine say the
 * same.
 */
import { VOCABULARY } from './vocabulary.js';

/** @type {Record<string, string>} */
const LABELS = Object.fromEntries(VOCABULARY.detectors.map((d) => [d.id, d.label]));

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
