#!/usr/bin/env node
/**
 * Writes every deployment template from one source, so the platforms cannot drift apart:
 *
 *   template-source.json    browser policies per browser, the extension's settings' values
 *   ../managed_schema.json  the extension's settings: names, types, titles, descriptions
 *   a Lifeguard policy      the URLBlocklist (url-blocklist.mjs; default: the city policy)
 *
 * into windows/ (.reg per browser, ADMX with en-US ADML per browser for the extension's
 * settings), macos/lifeguard.mobileconfig and linux/ (a JSON policy file per browser).
 *
 *   node manifest/deploy/generate.mjs                 rewrite the committed templates
 *   node manifest/deploy/generate.mjs --check         exit 1 if they are not what it writes
 *   node manifest/deploy/generate.mjs --out DIR [--extension-id ID] [--server-url URL]
 *        [--policy-public-key KEY] [--policy POLICY.json]
 *                                                     the city's own copies, placeholders filled
 *
 * The committed templates keep the placeholders EXTENSION_ID, DEVICE_TOKEN, DEPARTMENT and
 * POLICY_PUBLIC_KEY (DEPLOYMENT.md says where each comes from); never commit filled copies.
 * The policy key is required: the source must carry its placeholder (never a key, which
 * would be some test server's), and a copy made without --policy-public-key is written with
 * a reminder, since a device without the key trusts the first key it is shown.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_POLICY, urlBlocklist } from './url-blocklist.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const EXTENSION_ID_RE = /^[a-p]{32}$/;
const KEY_PLACEHOLDER = 'POLICY_PUBLIC_KEY';

/**
 * Whether a policy key is what `lifeguard keys show` prints as `public_key`: 32 bytes,
 * base64url without padding.
 * @param {string} key
 */
function isPolicyKey(key) {
  return /^[A-Za-z0-9_-]{43}$/.test(key) && Buffer.from(key, 'base64url').length === 32;
}

/**
 * @typedef {{name: string, registry_key: string, macos_domain: string, linux_dirs: string[],
 *   admx_namespace: string, extension_settings: Record<string, string>,
 *   blocked_extensions: {ids: string[]}, groups: {comment: string, policies: Record<string, unknown>}[]}} Browser
 * @typedef {{type: string, title: string, description: string, minimum?: number, maximum?: number}} Setting
 * @typedef {{extensionId: string, serverUrl: string, policyFile: string, policyPublicKey?: string}} Options
 */

/**
 * Every template file, by its path under manifest/deploy/.
 * @param {Options} opts
 * @returns {Map<string, string>}
 */
export function generate(opts) {
  const source = JSON.parse(fs.readFileSync(path.join(here, 'template-source.json'), 'utf8'));
  /** @type {Record<string, Setting>} */
  const schema = JSON.parse(fs.readFileSync(path.join(here, '..', 'managed_schema.json'), 'utf8')).properties;
  const policy = JSON.parse(fs.readFileSync(opts.policyFile, 'utf8'));
  const blocklist = [...source.url_blocklist_extra.urls, ...urlBlocklist(policy)];
  // Tenant restrictions the browser itself can send: Chrome's AllowedDomainsForApps sets the
  // same X-GoogApps-Allowed-Domains header the extension sets (the other vendors' headers
  // have no browser policy; the extension is their only line on a managed browser).
  const googleDomains = (policy.authorized_tools ?? []).flatMap((/** @type {any} */ t) => t.tenant_restrictions?.google_workspace_domains ?? []).map((/** @type {string} */ d) => d.trim().toLowerCase().replace(/\.$/, ''));
  const id = opts.extensionId;
  const updateUrl = `${opts.serverUrl.replace(/\/+$/, '')}/extension/update.xml`;

  // The extension's managed settings, in the schema's order, with the template's values.
  /** @type {[string, unknown][]} */
  if (source.extension_settings.policyPublicKey !== KEY_PLACEHOLDER) {
    throw new Error(`template-source.json must set policyPublicKey to the placeholder ${KEY_PLACEHOLDER}: each city fills in its own server's key (lifeguard keys show), and a key here would be a test server's`);
  }
  const settings = Object.keys(schema).map((k) => {
    if (!(k in source.extension_settings)) throw new Error(`template-source.json has no value for the managed setting ${k}`);
    const v = source.extension_settings[k];
    return [k, v === 'SERVER_URL' ? opts.serverUrl : v === KEY_PLACEHOLDER && opts.policyPublicKey ? opts.policyPublicKey : v];
  });
  for (const k of Object.keys(source.extension_settings)) if (!(k in schema)) throw new Error(`template-source.json sets ${k}, which managed_schema.json does not define`);
  // A setting whose template value is null is set per person (userEmail), never machine-wide:
  // the machine files leave it out and its ADMX policy is a User policy.
  const perUser = new Set(settings.filter(([, v]) => v === null).map(([k]) => k));
  const machineSettings = settings.filter(([k]) => !perUser.has(k));

  /**
   * The browser's policies, in order, as JSON values.
   * @param {Browser} b
   * @returns {{comment: string, policies: [string, unknown][]}[]}
   */
  const policyGroups = (b) => {
    /** @type {Record<string, unknown>} */
    const extSettings = { [id]: { installation_mode: 'force_installed', update_url: updateUrl, ...b.extension_settings } };
    for (const blocked of b.blocked_extensions.ids) extSettings[blocked] = { installation_mode: 'blocked' };
    return [
      { comment: 'Force-install Lifeguard from the City\'s server; known AI extensions are blocked.', policies: [['ExtensionInstallForcelist', [`${id};${updateUrl}`]], ['ExtensionSettings', extSettings]] },
      ...b.groups.map((g) => ({ comment: g.comment, policies: Object.entries(g.policies) })),
      { comment: 'Second line, enforced by the browser itself (before the extension runs, on chrome:// pages): the policy\'s city-wide blocks, from url-blocklist.mjs.', policies: [['URLBlocklist', blocklist]] },
      ...(googleDomains.length && b.google_workspace_domains_policy
        ? [{ comment: 'Google accounts of the City\'s Workspace domains only (the tenant restriction of the policy\'s authorized tools).', policies: /** @type {[string, unknown][]} */ ([[b.google_workspace_domains_policy, googleDomains.join(',')]]) }]
        : []),
    ];
  };

  const files = new Map();
  const browsers = /** @type {Record<string, Browser>} */ (source.browsers);
  for (const [key, b] of Object.entries(browsers)) {
    files.set(`windows/lifeguard-${key}.reg`, reg(b, policyGroups(b), machineSettings, id));
    files.set(`windows/admx/lifeguard-${key}.admx`, admx(b, schema, id, perUser));
    files.set(`windows/admx/en-US/lifeguard-${key}.adml`, adml(b, schema, Object.fromEntries(settings)));
    files.set(`linux/lifeguard-${key}.json`, linux(policyGroups(b), machineSettings, id));
  }
  files.set('macos/lifeguard.mobileconfig', mobileconfig(Object.entries(browsers).map(([key, b]) => ({ key, b, groups: policyGroups(b) })), machineSettings, id));
  return files;
}

const HEADER = 'Generated by manifest/deploy/generate.mjs from template-source.json and managed_schema.json: edit those, not this file.';

// --- Windows registry -------------------------------------------------------------------

/** @param {string} s */
const regString = (s) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

/** @param {unknown} v */
function regValue(v) {
  if (typeof v === 'boolean') return `dword:${v ? '00000001' : '00000000'}`;
  if (typeof v === 'number') {
    if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new Error(`${v} is not a DWORD`);
    return `dword:${v.toString(16).padStart(8, '0')}`;
  }
  if (typeof v === 'string') return regString(v);
  // Dictionary policies (ExtensionSettings) are one JSON string.
  return regString(JSON.stringify(v));
}

/**
 * @param {Browser} b
 * @param {{comment: string, policies: [string, unknown][]}[]} groups
 * @param {[string, unknown][]} settings
 * @param {string} id
 */
function reg(b, groups, settings, id) {
  const root = `HKEY_LOCAL_MACHINE\\${b.registry_key}`;
  const out = [
    'Windows Registry Editor Version 5.00',
    '',
    `; Lifeguard for ${b.name} (City of Redondo Beach, APP 04.05). ${HEADER}`,
    '; Replace EXTENSION_ID, DEVICE_TOKEN, DEPARTMENT and POLICY_PUBLIC_KEY first (DEPLOYMENT.md), or',
    '; write filled copies with `node manifest/deploy/generate.mjs --out DIR --extension-id ID`.',
    '; Machine policy (HKLM): users cannot change it. Deploy with Group Policy Preferences, Intune or',
    '; `reg import`; the extension\'s settings can also be set with lifeguard-*.admx (admx/).',
  ];
  for (const g of groups) {
    out.push('', `; ${g.comment}`);
    const scalars = g.policies.filter(([, v]) => !Array.isArray(v));
    if (scalars.length) {
      out.push(`[${root}]`);
      for (const [k, v] of scalars) out.push(`"${k}"=${regValue(v)}`);
    }
    for (const [k, v] of g.policies.filter(([, v]) => Array.isArray(v))) {
      // A list policy is a key of its own with values "1", "2", ...; deleting it first drops
      // entries left from a longer earlier list.
      out.push(`[-${root}\\${k}]`, `[${root}\\${k}]`);
      /** @type {unknown[]} */ (v).forEach((item, i) => out.push(`"${i + 1}"=${regValue(item)}`));
    }
  }
  out.push('', '; The extension\'s own configuration (chrome.storage.managed, schema managed_schema.json).', `[${root}\\3rdparty\\extensions\\${id}\\policy]`);
  for (const [k, v] of settings) out.push(`"${k}"=${regValue(v)}`);
  // regedit reads a version 5 file that is not UTF-16 as the ANSI code page: keep it ASCII.
  const text = `${out.join('\r\n')}\r\n`.replace(/§/g, 'sec. ');
  if (/[^\x00-\x7f]/.test(text)) throw new Error(`${b.name}: the .reg file would hold non-ASCII text`);
  return text;
}

// --- ADMX / ADML --------------------------------------------------------------------------

/** @param {string} s */
const xml = (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const GP_NS = 'http://schemas.microsoft.com/GroupPolicy/2006/07/PolicyDefinitions';

/**
 * The extension's settings as Group Policy: one policy per managed setting, under
 * Administrative Templates > Lifeguard (BROWSER).
 * @param {Browser} b
 * @param {Record<string, Setting>} schema
 * @param {string} id
 * @param {Set<string>} perUser the settings set per person (User policies, HKCU)
 */
function admx(b, schema, id, perUser) {
  const key = `${b.registry_key}\\3rdparty\\extensions\\${id}\\policy`;
  const policies = Object.entries(schema).map(([name, s]) => {
    const element =
      s.type === 'integer'
        ? `<decimal id="${name}" valueName="${name}" required="true" minValue="${s.minimum ?? 0}" maxValue="${s.maximum ?? 2000000000}" />`
        : s.type === 'string'
          ? `<text id="${name}" valueName="${name}" required="true" maxLength="4096" />`
          : (() => {
              throw new Error(`managed setting ${name}: no ADMX element for type ${s.type}`);
            })();
    return [
      `    <policy name="${name}" class="${perUser.has(name) ? 'User' : 'Machine'}" displayName="$(string.${name})" explainText="$(string.${name}_Explain)" presentation="$(presentation.${name})" key="${xml(key)}">`,
      '      <parentCategory ref="Lifeguard" />',
      '      <supportedOn ref="SUPPORTED_LIFEGUARD" />',
      `      <elements>${element}</elements>`,
      '    </policy>',
    ].join('\r\n');
  });
  return [
    '<?xml version="1.0" encoding="utf-8"?>',
    `<!-- Lifeguard's managed settings for ${xml(b.name)}. ${xml(HEADER)} Import with lifeguard-*.adml (en-US) into the Group Policy Central Store or Intune (Devices > Configuration > Import ADMX). -->`,
    `<policyDefinitions xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" revision="1.0" schemaVersion="1.0" xmlns="${GP_NS}">`,
    '  <policyNamespaces>',
    `    <target prefix="lifeguard" namespace="${b.admx_namespace}" />`,
    '  </policyNamespaces>',
    '  <resources minRequiredRevision="1.0" />',
    '  <supportedOn>',
    '    <definitions>',
    '      <definition name="SUPPORTED_LIFEGUARD" displayName="$(string.SUPPORTED_LIFEGUARD)" />',
    '    </definitions>',
    '  </supportedOn>',
    '  <categories>',
    '    <category name="Lifeguard" displayName="$(string.Lifeguard)" />',
    '  </categories>',
    '  <policies>',
    ...policies,
    '  </policies>',
    '</policyDefinitions>',
    '',
  ].join('\r\n');
}

/**
 * @param {Browser} b
 * @param {Record<string, Setting>} schema
 * @param {Record<string, unknown>} values the templates' values (defaults of number boxes)
 */
function adml(b, schema, values) {
  const strings = [
    ['Lifeguard', `Lifeguard (${b.name})`],
    ['SUPPORTED_LIFEGUARD', `${b.name} with the Lifeguard extension force-installed`],
    ...Object.entries(schema).flatMap(([name, s]) => [
      [name, s.title],
      [`${name}_Explain`, `${s.description.replace(/`/g, '')}\n\nStored as ${name} in the extension's managed storage (chrome.storage.managed).`],
    ]),
  ];
  const presentations = Object.entries(schema).map(([name, s]) =>
    s.type === 'integer'
      ? `      <presentation id="${name}"><decimalTextBox refId="${name}" defaultValue="${Number(values[name] ?? s.minimum ?? 0)}">${xml(s.title)}</decimalTextBox></presentation>`
      : `      <presentation id="${name}"><textBox refId="${name}"><label>${xml(s.title)}</label></textBox></presentation>`,
  );
  return [
    '<?xml version="1.0" encoding="utf-8"?>',
    `<!-- ${xml(HEADER)} -->`,
    `<policyDefinitionResources xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" revision="1.0" schemaVersion="1.0" xmlns="${GP_NS}">`,
    `  <displayName>Lifeguard for ${xml(b.name)}</displayName>`,
    '  <description>The managed settings of Lifeguard, the City\'s AI-use policy extension (APP 04.05).</description>',
    '  <resources>',
    '    <stringTable>',
    ...strings.map(([k, v]) => `      <string id="${k}">${xml(v)}</string>`),
    '    </stringTable>',
    '    <presentationTable>',
    ...presentations,
    '    </presentationTable>',
    '  </resources>',
    '</policyDefinitionResources>',
    '',
  ].join('\r\n');
}

// --- Linux JSON ---------------------------------------------------------------------------

/**
 * @param {{comment: string, policies: [string, unknown][]}[]} groups
 * @param {[string, unknown][]} settings
 * @param {string} id
 */
function linux(groups, settings, id) {
  /** @type {Record<string, unknown>} */
  const doc = {};
  for (const g of groups) for (const [k, v] of g.policies) doc[k] = v;
  doc['3rdparty'] = { extensions: { [id]: Object.fromEntries(settings) } };
  return `${JSON.stringify(doc, null, 2)}\n`;
}

// --- macOS configuration profile ----------------------------------------------------------

/**
 * A value as plist XML.
 * @param {unknown} v
 * @param {string} indent
 * @returns {string}
 */
function plistValue(v, indent) {
  if (typeof v === 'boolean') return v ? '<true/>' : '<false/>';
  if (typeof v === 'number') return `<integer>${v}</integer>`;
  if (typeof v === 'string') return `<string>${xml(v)}</string>`;
  const inner = `${indent}  `;
  if (Array.isArray(v)) return `<array>\n${v.map((x) => `${inner}${plistValue(x, inner)}`).join('\n')}\n${indent}</array>`;
  const entries = Object.entries(/** @type {Record<string, unknown>} */ (v));
  return `<dict>\n${entries.map(([k, x]) => `${inner}<key>${xml(k)}</key>${plistValue(x, inner)}`).join('\n')}\n${indent}</dict>`;
}

/**
 * One profile with, per browser, its policies' payload and the extension's managed storage
 * payload. The payload UUIDs are fixed, so a new profile replaces the old one on devices.
 * @param {{key: string, b: Browser, groups: {comment: string, policies: [string, unknown][]}[]}[]} browsers
 * @param {[string, unknown][]} settings
 * @param {string} id
 */
function mobileconfig(browsers, settings, id) {
  const uuid = (/** @type {number} */ n) => `6B1E2F4A-3C5D-4E6F-8A9B-0C1D2E3F4A${(0x50 + n).toString(16).toUpperCase()}`;
  /** @type {Record<string, unknown>[]} */
  const payloads = [];
  browsers.forEach(({ key, b, groups }, i) => {
    /** @type {Record<string, unknown>} */
    const policies = { PayloadType: b.macos_domain, PayloadIdentifier: `org.redondo.lifeguard.${key}`, PayloadUUID: uuid(2 * i + 1), PayloadVersion: 1 };
    for (const g of groups) for (const [k, v] of g.policies) policies[k] = v;
    payloads.push(policies);
    payloads.push({ PayloadType: `${b.macos_domain}.extensions.${id}`, PayloadIdentifier: `org.redondo.lifeguard.${key}.extension`, PayloadUUID: uuid(2 * i + 2), PayloadVersion: 1, ...Object.fromEntries(settings) });
  });
  const profile = {
    PayloadDisplayName: 'Lifeguard: City AI-use policy (APP 04.05)',
    PayloadIdentifier: 'org.redondo.lifeguard',
    PayloadOrganization: 'City of Redondo Beach',
    PayloadScope: 'System',
    PayloadType: 'Configuration',
    PayloadUUID: uuid(0),
    PayloadVersion: 1,
    PayloadRemovalDisallowed: true,
    PayloadContent: payloads,
  };
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">',
    '<!--',
    `  Lifeguard for ${browsers.map((x) => x.b.name).join(' and ')} on macOS (City of Redondo Beach, APP 04.05).`,
    `  ${HEADER}`,
    '  Replace EXTENSION_ID, DEVICE_TOKEN, DEPARTMENT and POLICY_PUBLIC_KEY (DEPLOYMENT.md), then deliver it',
    '  with the MDM as a device-channel profile, so users cannot remove it.',
    '-->',
    '<plist version="1.0">',
    plistValue(profile, ''),
    '</plist>',
    '',
  ].join('\n');
}

// --- command line -------------------------------------------------------------------------

function main() {
  const args = process.argv.slice(2);
  /** @param {string} flag */
  const value = (flag) => {
    const i = args.indexOf(flag);
    if (i < 0) return undefined;
    const v = args[i + 1];
    if (v === undefined || v.startsWith('--')) throw new Error(`${flag} needs a value`);
    args.splice(i, 2);
    return v;
  };
  const check = args.includes('--check');
  if (check) args.splice(args.indexOf('--check'), 1);
  const out = value('--out');
  const extensionId = value('--extension-id') ?? 'EXTENSION_ID';
  const source = JSON.parse(fs.readFileSync(path.join(here, 'template-source.json'), 'utf8'));
  const serverUrl = value('--server-url') ?? source.server_url;
  const policyFile = value('--policy') ?? DEFAULT_POLICY;
  const policyPublicKey = value('--policy-public-key');
  if (args.length) throw new Error(`unknown arguments: ${args.join(' ')} (see the comment at the top of generate.mjs)`);
  if (extensionId !== 'EXTENSION_ID' && !EXTENSION_ID_RE.test(extensionId)) throw new Error(`--extension-id ${extensionId}: an extension id is 32 letters a-p (target/extension-id.txt)`);
  if (!/^https?:\/\/[^/\s]+/.test(serverUrl)) throw new Error(`--server-url ${serverUrl}: give the server's address, such as https://lifeguard.example.org`);
  if (policyPublicKey !== undefined && !isPolicyKey(policyPublicKey)) throw new Error(`--policy-public-key ${policyPublicKey}: the key is 43 characters of base64url (public_key of lifeguard keys show)`);
  const filled = extensionId !== 'EXTENSION_ID' || serverUrl !== source.server_url || policyFile !== DEFAULT_POLICY || policyPublicKey !== undefined;
  if (filled && !out && !check) throw new Error('filled-in templates are the city\'s own: write them with --out DIR, never over the committed ones');

  const files = generate({ extensionId, serverUrl, policyFile, policyPublicKey });
  const dir = out ?? here;
  const stale = [];
  for (const [rel, text] of files) {
    const file = path.join(dir, rel);
    if (check) {
      if (!fs.existsSync(file) || fs.readFileSync(file, 'utf8') !== text) stale.push(rel);
      continue;
    }
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text);
  }
  if (stale.length) {
    console.error(`not what generate.mjs writes: ${stale.join(', ')} (run node manifest/deploy/generate.mjs)`);
    process.exit(1);
  }
  if (!check) console.error(`wrote ${files.size} templates to ${dir}`);
  if (out && !policyPublicKey) {
    console.error(`${KEY_PLACEHOLDER} is still a placeholder: fill it in (public_key of lifeguard keys show) or pass --policy-public-key; a device without it trusts the first key it is shown, and its popup says so`);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  try {
    main();
  } catch (e) {
    console.error(`generate.mjs: ${e instanceof Error ? e.message : e}`);
    process.exit(2);
  }
}
