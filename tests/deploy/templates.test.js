/**
 * The deployment templates in manifest/deploy/, read as the platforms read them: the .reg
 * files line by line as regedit does, the configuration profile with a plist parser, the
 * ADMX/ADML with an XML parser, the Linux files as JSON. Each must configure exactly the
 * extension settings managed_schema.json defines, with the schema's types, ship the safe
 * defaults a city should deploy, and be what generate.mjs writes from the one source.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import * as plist from 'plist';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const DEPLOY = path.join(ROOT, 'manifest', 'deploy');
const GENERATE = path.join(DEPLOY, 'generate.mjs');
/** @type {Record<string, {type: string}>} */
const SCHEMA = JSON.parse(fs.readFileSync(path.join(ROOT, 'manifest', 'managed_schema.json'), 'utf8')).properties;
const SETTINGS = Object.keys(SCHEMA).sort();
/** Set per person (user-scope policy), never in the machine files: who uses the browser. */
const PER_USER = ['userEmail'];
const MACHINE_SETTINGS = SETTINGS.filter((k) => !PER_USER.includes(k));
const BROWSERS = [
  { key: 'chrome', reg: 'SOFTWARE\\Policies\\Google\\Chrome', mac: 'com.google.Chrome' },
  { key: 'edge', reg: 'SOFTWARE\\Policies\\Microsoft\\Edge', mac: 'com.microsoft.Edge' },
];
const read = (/** @type {string} */ rel) => fs.readFileSync(path.join(DEPLOY, rel), 'utf8');

/**
 * A .reg file as regedit reads it: key → value name → [type, value]. Deleted keys (`[-K]`)
 * are dropped.
 * @param {string} text
 */
function parseReg(text) {
  assert.ok(text.startsWith('Windows Registry Editor Version 5.00\r\n'), 'the version 5 header, CRLF lines');
  assert.doesNotMatch(text, /[^\x00-\x7f]/, 'ASCII only (regedit reads a non-UTF-16 file as ANSI)');
  /** @type {Map<string, Map<string, [string, string|number]>>} */
  const keys = new Map();
  /** @type {Map<string, [string, string|number]>|null} */
  let current = null;
  for (const line of text.split('\r\n').slice(1)) {
    if (line === '' || line.startsWith(';')) continue;
    const key = line.match(/^\[(-?)(HKEY_LOCAL_MACHINE\\[^\]]+)\]$/);
    if (key) {
      if (key[1]) {
        keys.delete(key[2]);
        current = null;
      } else {
        current = keys.get(key[2]) ?? new Map();
        keys.set(key[2], current);
      }
      continue;
    }
    const value = line.match(/^"((?:[^"\\]|\\.)*)"=(?:"((?:[^"\\]|\\.)*)"|dword:([0-9a-f]{8}))$/);
    assert.ok(value && current, `a value line inside a key: ${line}`);
    const unescape = (/** @type {string} */ s) => s.replace(/\\(.)/g, '$1');
    current.set(unescape(value[1]), value[3] ? ['dword', parseInt(value[3], 16)] : ['sz', unescape(value[2])]);
  }
  return keys;
}

/** The schema's type as each platform stores it. */
const regType = (/** @type {string} */ t) => (t === 'integer' || t === 'boolean' ? 'dword' : 'sz');
const jsType = (/** @type {string} */ t) => (t === 'integer' ? 'number' : t);

test('generate.mjs writes exactly the committed templates', () => {
  execFileSync(process.execPath, [GENERATE, '--check'], { stdio: 'pipe' });
});

test('filled copies go to another folder and name the real extension id and server', () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeguard-templates-'));
  try {
    const id = 'abcdefghijklmnopabcdefghijklmnop';
    execFileSync(process.execPath, [GENERATE, '--out', out, '--extension-id', id, '--server-url', 'https://lifeguard.city.example'], { stdio: 'pipe' });
    const linux = JSON.parse(fs.readFileSync(path.join(out, 'linux', 'lifeguard-chrome.json'), 'utf8'));
    assert.deepEqual(linux.ExtensionInstallForcelist, [`${id};https://lifeguard.city.example/extension/update.xml`]);
    assert.equal(linux['3rdparty'].extensions[id].serverUrl, 'https://lifeguard.city.example');
    assert.match(fs.readFileSync(path.join(out, 'windows', 'admx', 'lifeguard-edge.admx'), 'utf8'), new RegExp(`Edge\\\\3rdparty\\\\extensions\\\\${id}\\\\policy`));
    // Never over the committed templates, and a bad id is refused with a message.
    const over = () => execFileSync(process.execPath, [GENERATE, '--extension-id', id], { stdio: 'pipe' });
    assert.throws(over, (/** @type {any} */ e) => /--out DIR/.test(String(e.stderr)));
    const bad = () => execFileSync(process.execPath, [GENERATE, '--out', out, '--extension-id', 'XYZ'], { stdio: 'pipe' });
    assert.throws(bad, (/** @type {any} */ e) => /32 letters a-p/.test(String(e.stderr)));
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
});

test('every template ships the policy key as a placeholder a city must fill in, never a key', () => {
  assert.match(SCHEMA.policyPublicKey.description, /^Required on City devices/);
  for (const b of BROWSERS) {
    const ext = parseReg(read(`windows/lifeguard-${b.key}.reg`)).get(`HKEY_LOCAL_MACHINE\\${b.reg}\\3rdparty\\extensions\\EXTENSION_ID\\policy`);
    assert.deepEqual(ext?.get('policyPublicKey'), ['sz', 'POLICY_PUBLIC_KEY'], b.key);
    assert.equal(JSON.parse(read(`linux/lifeguard-${b.key}.json`))['3rdparty'].extensions.EXTENSION_ID.policyPublicKey, 'POLICY_PUBLIC_KEY', b.key);
    assert.match(read(`windows/admx/lifeguard-${b.key}.admx`), /<text id="policyPublicKey" valueName="policyPublicKey" required="true"/, b.key);
    assert.match(read(`windows/admx/en-US/lifeguard-${b.key}.adml`), /Required on City devices/, b.key);
  }
  const profile = /** @type {any} */ (plist.parse(read('macos/lifeguard.mobileconfig')));
  const keys = JSON.stringify(profile).match(/"policyPublicKey":"[^"]*"/g) ?? [];
  assert.deepEqual(keys, ['"policyPublicKey":"POLICY_PUBLIC_KEY"', '"policyPublicKey":"POLICY_PUBLIC_KEY"'], 'one per browser');
});

test('--policy-public-key fills the key in the copies; a key that is not 32 bytes is refused; without it the copies come with a reminder', () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeguard-templates-'));
  try {
    const key = Buffer.alloc(32, 7).toString('base64url');
    execFileSync(process.execPath, [GENERATE, '--out', out, '--policy-public-key', key], { stdio: 'pipe' });
    assert.equal(JSON.parse(fs.readFileSync(path.join(out, 'linux', 'lifeguard-edge.json'), 'utf8'))['3rdparty'].extensions.EXTENSION_ID.policyPublicKey, key);
    assert.match(fs.readFileSync(path.join(out, 'windows', 'lifeguard-chrome.reg'), 'utf8'), new RegExp(`"policyPublicKey"="${key}"`));
    assert.doesNotMatch(fs.readFileSync(path.join(out, 'macos', 'lifeguard.mobileconfig'), 'utf8'), /POLICY_PUBLIC_KEY<\/string>/);
    for (const bad of ['POLICY_PUBLIC_KEY', Buffer.alloc(16).toString('base64url'), `${key.slice(0, 42)}+`]) {
      const run = () => execFileSync(process.execPath, [GENERATE, '--out', out, '--policy-public-key', bad], { stdio: 'pipe' });
      assert.throws(run, (/** @type {any} */ e) => /43 characters of base64url/.test(String(e.stderr)), bad);
    }
    const reminder = spawnSync(process.execPath, [GENERATE, '--out', out], { encoding: 'utf8' });
    assert.equal(reminder.status, 0);
    assert.match(reminder.stderr, /POLICY_PUBLIC_KEY is still a placeholder: fill it in/);
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
});

test("a policy's Google Workspace tenant restriction becomes Chrome's AllowedDomainsForApps; the committed templates have none", () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeguard-templates-'));
  try {
    const policy = JSON.parse(fs.readFileSync(path.join(ROOT, 'wasm-core', 'policy', 'default-policy.json'), 'utf8'));
    policy.authorized_tools.push({ id: 'gemini-workspace', name: 'Gemini for Google Workspace', hosts: ['gemini.google.com'], policy_ref: 'APP 04.05 §IV.1', tenant_restrictions: { google_workspace_domains: ['redondo.org', 'Redondo.gov.'] } });
    const file = path.join(out, 'policy.json');
    fs.writeFileSync(file, JSON.stringify(policy));
    execFileSync(process.execPath, [GENERATE, '--out', out, '--policy', file], { stdio: 'pipe' });
    const chrome = JSON.parse(fs.readFileSync(path.join(out, 'linux', 'lifeguard-chrome.json'), 'utf8'));
    assert.equal(chrome.AllowedDomainsForApps, 'redondo.org,redondo.gov');
    const reg = parseReg(fs.readFileSync(path.join(out, 'windows', 'lifeguard-chrome.reg'), 'utf8'));
    assert.deepEqual(reg.get('HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Google\\Chrome')?.get('AllowedDomainsForApps'), ['sz', 'redondo.org,redondo.gov']);
    const profile = /** @type {any} */ (plist.parse(fs.readFileSync(path.join(out, 'macos', 'lifeguard.mobileconfig'), 'utf8')));
    const chromePayload = profile.PayloadContent.find((/** @type {any} */ p) => p.PayloadType === 'com.google.Chrome');
    assert.equal(chromePayload.AllowedDomainsForApps, 'redondo.org,redondo.gov');
    // Edge has no such policy: the extension's header is its only line.
    assert.equal(JSON.parse(fs.readFileSync(path.join(out, 'linux', 'lifeguard-edge.json'), 'utf8')).AllowedDomainsForApps, undefined);
    for (const b of BROWSERS) assert.equal(JSON.parse(read(`linux/lifeguard-${b.key}.json`)).AllowedDomainsForApps, undefined, b.key);
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
});

for (const b of BROWSERS) {
  test(`${b.key}: the .reg file sets every managed setting with its type, and safe browser policies`, () => {
    const keys = parseReg(read(`windows/lifeguard-${b.key}.reg`));
    const ext = keys.get(`HKEY_LOCAL_MACHINE\\${b.reg}\\3rdparty\\extensions\\EXTENSION_ID\\policy`);
    assert.ok(ext, 'the extension policy key');
    assert.deepEqual([...ext.keys()].sort(), MACHINE_SETTINGS);
    for (const [name, [type]] of ext) assert.equal(type, regType(SCHEMA[name].type), name);
    const browser = keys.get(`HKEY_LOCAL_MACHINE\\${b.reg}`);
    assert.ok(browser);
    assert.ok([0, 2].includes(Number(browser.get('DeveloperToolsAvailability')?.[1])), 'no DevTools on the force-installed extension');
    assert.equal(browser.get('ExtensionDeveloperModeSettings')?.[1], 1);
    // Sign-in is forced and only to City accounts: the identity per-user rules trust.
    assert.equal(Number(browser.get('BrowserSignin')?.[1]), 2);
    assert.equal(browser.get('RestrictSigninToPattern')?.[1], '.*@redondo\\.org');
    assert.equal(ext.get('staffEmailDomains')?.[1], 'redondo.org');
    const settings = JSON.parse(String(browser.get('ExtensionSettings')?.[1]));
    assert.equal(settings.EXTENSION_ID.installation_mode, 'force_installed');
    const forcelist = keys.get(`HKEY_LOCAL_MACHINE\\${b.reg}\\ExtensionInstallForcelist`);
    assert.equal(forcelist?.get('1')?.[1], 'EXTENSION_ID;https://lifeguard.redondo.org/extension/update.xml');
    const blocklist = [...(keys.get(`HKEY_LOCAL_MACHINE\\${b.reg}\\URLBlocklist`)?.values() ?? [])].map(([, v]) => v);
    for (const url of ['javascript://*', 'view-source:*', 'chatgpt.com', 'claude.ai', 'gemini.google.com']) assert.ok(blocklist.includes(url), url);
  });

  test(`${b.key}: the ADMX and ADML are valid, cross-referenced, and cover every managed setting`, () => {
    const admxText = read(`windows/admx/lifeguard-${b.key}.admx`);
    const admlText = read(`windows/admx/en-US/lifeguard-${b.key}.adml`);
    assert.equal(XMLValidator.validate(admxText), true);
    assert.equal(XMLValidator.validate(admlText), true);
    const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', isArray: (name) => ['policy', 'string', 'presentation', 'definition', 'category'].includes(name) });
    const admx = parser.parse(admxText).policyDefinitions;
    const adml = parser.parse(admlText).policyDefinitionResources;
    assert.equal(admx.xmlns, 'http://schemas.microsoft.com/GroupPolicy/2006/07/PolicyDefinitions');
    const strings = new Set(adml.resources.stringTable.string.map((/** @type {any} */ s) => s.id));
    const presentations = new Map(adml.resources.presentationTable.presentation.map((/** @type {any} */ p) => [p.id, p]));
    /** @param {string} ref */
    const stringRef = (ref) => {
      const m = /^\$\(string\.(\w+)\)$/.exec(ref);
      assert.ok(m && strings.has(m[1]), `${ref} is in the ADML string table`);
    };
    for (const d of admx.supportedOn.definitions.definition) stringRef(d.displayName);
    for (const c of admx.categories.category) stringRef(c.displayName);
    /** @type {any[]} */
    const policies = admx.policies.policy;
    assert.deepEqual(policies.map((p) => p.name).sort(), SETTINGS);
    for (const p of policies) {
      assert.equal(p.class, PER_USER.includes(p.name) ? 'User' : 'Machine', `${p.name}: machine policy, out of users' reach (who uses the browser: a user policy)`);
      assert.equal(p.key, `${b.reg}\\3rdparty\\extensions\\EXTENSION_ID\\policy`);
      stringRef(p.displayName);
      stringRef(p.explainText);
      const presentation = presentations.get(/^\$\(presentation\.(\w+)\)$/.exec(p.presentation)?.[1]);
      assert.ok(presentation, `${p.name}: presentation`);
      const [kind, element] = Object.entries(p.elements)[0];
      assert.equal(element.valueName, p.name, 'the registry value is the managed setting');
      assert.equal(kind, SCHEMA[p.name].type === 'integer' ? 'decimal' : 'text', `${p.name}: element for a ${SCHEMA[p.name].type}`);
      const box = presentation[kind === 'decimal' ? 'decimalTextBox' : 'textBox'];
      assert.equal(box.refId, element.id, `${p.name}: the presentation points at the element`);
    }
  });

  test(`${b.key}: the Linux JSON policy sets every managed setting with its type`, () => {
    const doc = JSON.parse(read(`linux/lifeguard-${b.key}.json`));
    const ext = doc['3rdparty'].extensions.EXTENSION_ID;
    assert.deepEqual(Object.keys(ext).sort(), MACHINE_SETTINGS);
    for (const [name, v] of Object.entries(ext)) assert.equal(typeof v, jsType(SCHEMA[name].type), name);
    assert.ok([0, 2].includes(doc.DeveloperToolsAvailability));
    assert.equal(doc.BrowserSignin, 2);
    assert.equal(doc.RestrictSigninToPattern, '.*@redondo\\.org');
    assert.ok(doc.URLBlocklist.includes('javascript://*') && doc.URLBlocklist.includes('view-source:*'));
  });
}

test('the macOS profile has a policy and a managed-storage payload per browser, with every managed setting', () => {
  const profile = /** @type {any} */ (plist.parse(read('macos/lifeguard.mobileconfig')));
  assert.equal(profile.PayloadType, 'Configuration');
  assert.equal(profile.PayloadScope, 'System');
  assert.equal(profile.PayloadRemovalDisallowed, true);
  const uuids = new Set([profile.PayloadUUID, ...profile.PayloadContent.map((/** @type {any} */ p) => p.PayloadUUID)]);
  assert.equal(uuids.size, 1 + profile.PayloadContent.length, 'every payload UUID is distinct');
  for (const b of BROWSERS) {
    const policies = profile.PayloadContent.find((/** @type {any} */ p) => p.PayloadType === b.mac);
    assert.ok(policies, b.mac);
    assert.ok([0, 2].includes(policies.DeveloperToolsAvailability), `${b.mac}: DevTools`);
    assert.equal(policies.BrowserSignin, 2, `${b.mac}: sign-in forced`);
    assert.equal(policies.RestrictSigninToPattern, '.*@redondo\\.org', `${b.mac}: City accounts only`);
    assert.deepEqual(policies.ExtensionInstallForcelist, ['EXTENSION_ID;https://lifeguard.redondo.org/extension/update.xml']);
    const ext = profile.PayloadContent.find((/** @type {any} */ p) => p.PayloadType === `${b.mac}.extensions.EXTENSION_ID`);
    assert.ok(ext, `${b.mac}: managed storage payload`);
    const names = Object.keys(ext).filter((k) => !k.startsWith('Payload')).sort();
    assert.deepEqual(names, MACHINE_SETTINGS);
    for (const name of names) assert.equal(typeof ext[name], jsType(SCHEMA[name].type), name);
  }
});

test('no template carries test-only values', () => {
  for (const rel of execFileSync('git', ['ls-files', 'manifest/deploy'], { cwd: ROOT, encoding: 'utf8' }).trim().split('\n')) {
    const text = fs.readFileSync(path.join(ROOT, rel), 'utf8');
    for (const bad of [/DeveloperToolsAvailability"?\s*[=:]\s*(dword:0*1\b|1\b)/, /DeveloperToolsAvailability<\/key>\s*<integer>1</, /127\.0\.0\.1|localhost/, /lifeguard\.test|e2e/]) {
      assert.doesNotMatch(text, bad, `${rel}: ${bad}`);
    }
  }
});
