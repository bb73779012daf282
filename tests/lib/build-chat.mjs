/**
 * Bundles the fake chat site's editors (tests/lib/chat/<editor>.js, each with the real
 * editor library from npm) into tests/.build/chat/<editor>.js (and .css when the library
 * ships a style sheet), with esbuild. Idempotent and quick: FakeSites runs it at start, so a
 * test file run alone finds the bundles; scripts/test-e2e.sh runs it after `npm ci`.
 *   node lib/build-chat.mjs
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

export const EDITORS = ['textarea', 'contenteditable', 'prosemirror', 'quill', 'lexical', 'codemirror'];

const here = path.dirname(fileURLToPath(import.meta.url));
export const CHAT_BUILD_DIR = path.resolve(here, '..', '.build', 'chat');

/** @type {Promise<void>|null} */
let built = null;

/** Builds the bundles once per process. */
export function buildChat() {
  built ??= esbuild
    .build({
      entryPoints: EDITORS.map((e) => path.join(here, 'chat', `${e}.js`)),
      outdir: CHAT_BUILD_DIR,
      bundle: true,
      format: 'iife',
      target: 'chrome120',
      logLevel: 'warning',
      // The libraries' development checks (e.g. Lexical's) stay on, as in a developer's build.
      define: { 'process.env.NODE_ENV': '"development"' },
    })
    .then(() => undefined);
  return built;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await buildChat();
  console.log(`chat bundles in ${CHAT_BUILD_DIR}: ${EDITORS.join(', ')}`);
}
