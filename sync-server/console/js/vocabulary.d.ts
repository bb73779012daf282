// The shape of js/vocabulary.js, which the server generates from lifeguard-core
// (wasm-core/src/report.rs, `Vocabulary`): the report kinds, the detectors and the policy's
// closed lists, named once. Read by the type check only; the server does not serve it.
export const VOCABULARY: Readonly<{
  kinds: { id: string; label: string; incident: boolean }[];
  detectors: { id: string; label: string; severity: 'low' | 'medium' | 'high' | 'critical'; placeholder: string }[];
  categories: string[];
  site_actions: string[];
  content_actions: string[];
  severities: string[];
  max_justification: number;
  tenant_vendors: { field: string; product: string; label: string; hint: string; header: string; hosts: string[]; list: boolean }[];
}>;
