/**
 * The fake web the browser sees, over local HTTPS (one server, routed by Host; the browser
 * maps the names here with --host-resolver-rules):
 *
 * - AI sites (chatgpt.com, grammarly.com, ai.redondo.org, ...): one page with a textarea, a
 *   text input, a contenteditable editor, a drop zone and a file input that behave like a
 *   chat app's (the drop zone and file input read files into the page, as an upload would),
 *   under a strict CSP, as real AI sites have;
 * - on the same hosts, the chat site `/chat/<editor>` (see CHAT_EDITORS): a composer made by
 *   a real editor library (ProseMirror, Quill, Lexical, CodeMirror 6) or a textarea or plain
 *   contenteditable, marked `data-composer`, a Send button (#send; Enter without Shift sends
 *   too), a file input (#upload) and a drop zone (#dropzone). Sending POSTs
 *   `{"prompt": <the editor's text>}` to /api/send, then clears the composer and logs
 *   `sent <n>` (n counts the page's sends) in #log; uploads POST each file as multipart
 *   "file" to /api/upload and log `uploaded <name>`. Everything POSTed to /api/* is
 *   recorded (`received`, `sent(host)`, `uploads(host)`): what the AI site got;
 * - example.org: a plain page, for measuring what the extension costs a page it ignores;
 * - lifeguard.test: a reverse proxy to the real `lifeguard serve`, which can also tamper with
 *   or replay policy bundles (the attacks the extension must refuse) and drops connections
 *   while the server is down, as an outage looks to the browser.
 */
import http from 'node:http';
import https from 'node:https';
import zlib from 'node:zlib';
import fs from 'node:fs';
import path from 'node:path';
import { buildChat, CHAT_BUILD_DIR, EDITORS as CHAT_EDITORS } from './build-chat.mjs';
import { selfSignedCert } from './certs.js';
import { freePort } from './util.js';

export const SERVER_HOST = 'lifeguard.test';
export const AI_HOSTS = ['chatgpt.com', 'grammarly.com', 'ai.redondo.org', 'newai.example', 'claude.ai', 'x.com', 'otter.ai'];
export const PLAIN_HOST = 'example.org';
/** The vendors' sign-in and API hosts that tenant restrictions name (with their subdomains). */
export const VENDOR_HOSTS = ['openai.com', 'anthropic.com', 'claude.com', 'google.com', 'microsoftonline.com', 'microsoft.com', 'windows.net'];
/** Google Translate's proxy (`chatgpt-com.translate.goog` serves chatgpt.com's pages). */
export const PROXY_HOSTS = ['translate.goog'];

const AI_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Fake AI</title>
<script src="/app.js"></script></head>
<body>
<h1 id="site"></h1>
<label>Prompt <textarea id="ta" rows="6" cols="60"></textarea></label>
<label>One line <input id="in" type="text"></label>
<div id="ce" contenteditable="true" role="textbox" aria-label="Editor" style="min-height:60px;border:1px solid #888"><p><br></p></div>
<div id="drop" style="width:300px;height:80px;border:2px dashed #888">Drop files here</div>
<pre id="dropped"></pre>
<input id="file" type="file">
<pre id="chosen"></pre>
</body></html>`;

const AI_APP = `
document.addEventListener('DOMContentLoaded', () => {
  document.getElementById('site').textContent = location.hostname;
  const drop = document.getElementById('drop');
  drop.addEventListener('dragover', (e) => e.preventDefault());
  drop.addEventListener('drop', async (e) => {
    e.preventDefault();
    for (const f of e.dataTransfer.files) document.getElementById('dropped').textContent += await f.text();
  });
  document.getElementById('file').addEventListener('change', async (e) => {
    for (const f of e.target.files) document.getElementById('chosen').textContent += await f.text();
  });
});
`;

export { CHAT_EDITORS };

const STRICT_CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'";

/** @param {string} editor */
function chatPage(editor) {
  const css = fs.existsSync(path.join(CHAT_BUILD_DIR, `${editor}.css`)) ? `<link rel="stylesheet" href="/chat/${editor}.css">` : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Chat (${editor})</title>
${css}<style>
#editor [data-composer] { min-height: 60px; border: 1px solid #888; padding: 4px; width: 40em; }
#dropzone { width: 300px; height: 80px; border: 2px dashed #888; }
</style>
<script src="/chat/${editor}.js" defer></script></head>
<body>
<h1 id="site"></h1>
<form id="chat"><div id="editor"></div><button id="send" type="submit">Send</button></form>
<input id="upload" type="file" multiple>
<div id="dropzone">Drop files here</div>
<pre id="log"></pre>
</body></html>`;
}

/**
 * The files of a multipart/form-data body, as the fake site's upload endpoint reads them.
 * @param {string} contentType
 * @param {Buffer} body
 * @returns {Promise<{name: string, type: string, bytes: Buffer}[]>}
 */
async function multipartFiles(contentType, body) {
  const form = await new Response(body, { headers: { 'content-type': contentType } }).formData();
  /** @type {{name: string, type: string, bytes: Buffer}[]} */
  const files = [];
  for (const v of form.getAll('file')) {
    if (typeof v === 'string') continue;
    files.push({ name: v.name, type: v.type, bytes: Buffer.from(await v.arrayBuffer()) });
  }
  return files;
}

const PLAIN_PAGE = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Plain</title></head>
<body><h1>An ordinary page</h1><p>Nothing to see.</p></body></html>`;

/**
 * @param {string} s
 */
function b64urlDecode(s) {
  return Buffer.from(s, 'base64url').toString('utf8');
}

export class FakeSites {
  /**
   * @param {string} dir for the certificate
   * @param {() => string} upstream the lifeguard server's base URL
   */
  constructor(dir, upstream) {
    this.dir = dir;
    this.upstream = upstream;
    /** @type {'pass'|'tamper'|'replay'} */
    this.mode = 'pass';
    /** @type {string|null} an older bundle to replay */
    this.replayBundle = null;
    /** Every bundle the proxy passed through, by version. */
    /** @type {Map<number, string>} */
    this.bundles = new Map();
    this.policyRequests = 0;
    this.port = 0;
    /**
     * Every POST the AI sites' /api/* endpoints received, in order.
     * @type {{host: string, path: string, contentType: string, body: Buffer, files?: {name: string, type: string, bytes: Buffer}[]}[]}
     */
    this.received = [];
    /**
     * Every request any fake site received (not the proxied server's), with its headers.
     * @type {{host: string, path: string, method: string, headers: import('node:http').IncomingHttpHeaders}[]}
     */
    this.requests = [];
  }

  /**
   * The requests a host received, each with the value of one header (undefined when absent).
   * @param {string} host
   * @param {string} header lower case
   */
  headersOn(host, header) {
    return this.requests.filter((r) => r.host === host).map((r) => ({ path: r.path, method: r.method, value: r.headers[header] }));
  }

  /**
   * The prompts /api/send received on a host.
   * @param {string} host
   * @returns {string[]}
   */
  sent(host) {
    return this.received.filter((r) => r.host === host && r.path === '/api/send').map((r) => JSON.parse(r.body.toString('utf8')).prompt);
  }

  /**
   * The files /api/upload received on a host.
   * @param {string} host
   */
  uploads(host) {
    return this.received.filter((r) => r.host === host && r.path === '/api/upload').flatMap((r) => r.files ?? []);
  }

  clearReceived() {
    this.received.length = 0;
    this.requests.length = 0;
  }

  async start() {
    await buildChat();
    const { key, cert } = selfSignedCert(this.dir, [...AI_HOSTS, ...VENDOR_HOSTS, ...PROXY_HOSTS, PLAIN_HOST, SERVER_HOST]);
    this.port = await freePort();
    this.server = https.createServer({ key, cert }, (req, res) => this.route(req, res));
    await new Promise((r) => this.server?.listen(this.port, '127.0.0.1', () => r(undefined)));
  }

  async stop() {
    this.server?.closeAllConnections();
    await new Promise((r) => this.server?.close(() => r(undefined)));
  }

  /** Chromium flags that send the test hosts here and nothing anywhere else. */
  resolverRules() {
    const hosts = [...AI_HOSTS, ...VENDOR_HOSTS, ...PROXY_HOSTS, PLAIN_HOST, SERVER_HOST];
    const maps = hosts.flatMap((h) => [`MAP ${h} 127.0.0.1:${this.port}`, `MAP *.${h} 127.0.0.1:${this.port}`]);
    // 127.0.0.1 stays reachable: the force-install test's update server listens there.
    return `${maps.join(', ')}, MAP * ~NOTFOUND, EXCLUDE 127.0.0.1`;
  }

  /**
   * @param {http.IncomingMessage} req
   * @param {http.ServerResponse} res
   */
  route(req, res) {
    const host = (req.headers.host ?? '').replace(/:\d+$/, '').toLowerCase();
    if (host === SERVER_HOST) return this.proxy(req, res);
    this.requests.push({ host, path: req.url ?? '/', method: req.method ?? 'GET', headers: req.headers });
    if (host === PLAIN_HOST) {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
      return res.end(PLAIN_PAGE);
    }
    const url = new URL(req.url ?? '/', 'https://x');
    if (url.pathname.startsWith('/api/')) return this.api(host, url.pathname, req, res);
    const chat = /^\/chat\/([a-z]+)(\.js|\.css)?$/.exec(url.pathname);
    if (chat && CHAT_EDITORS.includes(chat[1])) {
      if (chat[2]) {
        const file = path.join(CHAT_BUILD_DIR, `${chat[1]}${chat[2]}`);
        if (!fs.existsSync(file)) {
          res.writeHead(404);
          return res.end();
        }
        res.writeHead(200, { 'Content-Type': chat[2] === '.js' ? 'text/javascript' : 'text/css' });
        return res.end(fs.readFileSync(file));
      }
      const csp = url.searchParams.has('nocsp') ? {} : { 'Content-Security-Policy': STRICT_CSP };
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', ...csp });
      return res.end(chatPage(chat[1]));
    }
    if (req.url === '/app.js') {
      res.writeHead(200, { 'Content-Type': 'text/javascript' });
      return res.end(AI_APP);
    }
    if (req.url === '/favicon.ico') {
      res.writeHead(404);
      return res.end();
    }
    // `?nocsp` serves the page without a CSP, where the extension can run WebAssembly in the
    // page; with the strict CSP (the default) it cannot, and decides in its service worker.
    const csp = req.url?.includes('nocsp') ? {} : { 'Content-Security-Policy': STRICT_CSP };
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', ...csp });
    res.end(AI_PAGE);
  }

  /**
   * The AI site's API: records every POST and answers `{"ok":true}`.
   * @param {string} host
   * @param {string} pathname
   * @param {http.IncomingMessage} req
   * @param {http.ServerResponse} res
   */
  api(host, pathname, req, res) {
    if (req.method !== 'POST') {
      res.writeHead(405, { Allow: 'POST' });
      return res.end();
    }
    /** @type {Buffer[]} */
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', async () => {
      const body = Buffer.concat(chunks);
      const contentType = req.headers['content-type'] ?? '';
      /** @type {(typeof this.received)[number]} */
      const record = { host, path: pathname, contentType, body };
      try {
        if (contentType.startsWith('multipart/form-data')) record.files = await multipartFiles(contentType, body);
      } catch (e) {
        this.received.push(record);
        res.writeHead(400, { 'Content-Type': 'application/json' });
        return res.end(JSON.stringify({ error: `unreadable multipart body: ${e}` }));
      }
      this.received.push(record);
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end('{"ok":true}');
    });
  }

  /**
   * @param {http.IncomingMessage} req
   * @param {http.ServerResponse} res
   */
  proxy(req, res) {
    const isPolicy = req.method === 'GET' && req.url === '/v1/policy';
    if (isPolicy) this.policyRequests++;
    if (isPolicy && this.mode === 'replay' && this.replayBundle) {
      res.writeHead(200, { 'Content-Type': 'application/jose', ETag: '"replayed"' });
      return res.end(this.replayBundle);
    }
    const headers = { ...req.headers, host: new URL(this.upstream()).host };
    // Tampering needs a full bundle to tamper with, not a 304.
    if (isPolicy && this.mode === 'tamper') delete headers['if-none-match'];
    const up = http.request(`${this.upstream()}${req.url}`, { method: req.method, headers }, (upRes) => {
      /** @type {Buffer[]} */
      const chunks = [];
      upRes.on('data', (c) => chunks.push(c));
      upRes.on('end', () => {
        let body = Buffer.concat(chunks);
        const out = { ...upRes.headers };
        delete out['content-length'];
        delete out['transfer-encoding'];
        if (isPolicy && upRes.statusCode === 200) {
          // The browser asks for gzip, and the server sends the bundle gzipped.
          const gzipped = upRes.headers['content-encoding'] === 'gzip';
          const jws = (gzipped ? zlib.gunzipSync(body) : body).toString('utf8');
          const payload = JSON.parse(b64urlDecode(jws.split('.')[1]));
          this.bundles.set(payload.version, jws);
          if (this.mode === 'tamper') {
            body = Buffer.from(tamper(jws));
            delete out['content-encoding'];
          }
        }
        res.writeHead(upRes.statusCode ?? 502, out);
        res.end(body);
      });
    });
    // The server is down: drop the browser's connection too, as a real outage would.
    up.on('error', () => req.socket.destroy());
    req.pipe(up);
  }
}

/**
 * Changes a signed bundle's policy and keeps the signature: a bundle an attacker edited.
 * The edit opens ChatGPT by removing its rule.
 * @param {string} jws
 */
export function tamper(jws) {
  const [h, p, s] = jws.split('.');
  const payload = JSON.parse(b64urlDecode(p));
  payload.version += 100;
  payload.policy.version = payload.version;
  payload.policy.site_rules = payload.policy.site_rules.filter((/** @type {any} */ r) => !r.hosts.includes('chatgpt.com'));
  return `${h}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${s}`;
}
