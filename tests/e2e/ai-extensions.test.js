/**
 * AI built into other software (APP 04.05 §II): an installed extension that the policy's
 * `known_ai_extensions` names is reported to the server, once.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { startStack } from '../lib/harness.js';
import { cleanup, tempDir, waitFor } from '../lib/util.js';

const dir = tempDir('lifeguard-fake-ai-ext-');
/** The fake "AI writing helper": a stable id from a key made for the test. */
let fakeId = '';
/** @type {Awaited<ReturnType<typeof startStack>>} */
let stack;

before(async () => {
  const key = path.join(dir, 'key.pem');
  execFileSync('openssl', ['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', key], { stdio: 'ignore' });
  const der = execFileSync('openssl', ['pkey', '-in', key, '-pubout', '-outform', 'DER']);
  fakeId = [...crypto.createHash('sha256').update(der).digest('hex').slice(0, 32)].map((c) => 'abcdefghijklmnop'[parseInt(c, 16)]).join('');
  const ext = path.join(dir, 'ext');
  fs.mkdirSync(ext);
  fs.writeFileSync(path.join(ext, 'manifest.json'), JSON.stringify({ manifest_version: 3, name: 'Fake AI writing helper', version: '1.0', key: der.toString('base64') }));
  stack = await startStack({ extraExtensions: [ext] });
});
after(async () => {
  await stack?.close();
  cleanup(dir);
});

test('a known AI extension is reported after IT lists it', async () => {
  await stack.server.admin('PUT', `/v1/admin/draft/known_ai_extensions/${fakeId}`, { id: fakeId, name: 'Fake AI writing helper' });
  await stack.server.admin('POST', '/v1/admin/publish', { note: 'list the fake AI helper' });
  const { text } = await stack.browser.syncNow();
  assert.equal(text, 'New policy installed.');
  const events = await waitFor(async () => {
    const e = await stack.server.events({ kind: 'ai_extension_found' });
    return e.length ? e : null;
  }, 'the ai_extension_found event');
  assert.equal(events.length, 1);
  // The found extension's id is the event's subject; no rule decided anything.
  assert.equal(events[0].subject, fakeId);
  assert.equal(events[0].rule, null);
  assert.equal(events[0].category, 'embedded_ai');
  assert.equal(events[0].action, 'enabled');
  // A second sync reports nothing new.
  await stack.browser.syncNow();
  assert.equal((await stack.server.events({ kind: 'ai_extension_found' })).length, 1);
});
