/**
 * The fake web the browser sees, over local HTTPS (one server, routed by Host; the browser
 * maps the names here with --host-resolver-rules):
 *
 * - AI sites (chatgpt.com, grammarly.com, ai.redondo.org, ...): one page with a textarea, a
 *   text input, a contenteditable editor, a drop zone and a file input that behave like a
 *   chat app's (the drop zone and file input read files into the page, as an upload would),
 *   under a strict CSP, as real AI sites have;
 * - example.org: a plain page, for measuring what the extension costs a page it ignores;
 * - lifeguard.test: a reverse proxy to the real `lifeguard serve`, which can also tamper with
 *   or replay policy bundles (the attacks the extension must refuse) and drops connections
 *   while the server is down, as an outage looks to the browser.
 */
import http from 'node:http';
import https from 'node:https';
import zlib from 'node:zlib';
import { selfSignedCert } from './certs.js';
import { freePort } from './util.js';

export const SERVER_HOST = 'lifeguard.test';
export const AI_HOSTS = ['chatgpt.com', 'grammarly.com', 'ai.redondo.org', 'newai.example', 'claude.ai', 'x.com', 'otter.ai'];
export const PLAIN_HOST = 'example.org';

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
  }

  async start() {
    const { key, cert } = selfSignedCert(this.dir, [...AI_HOSTS, PLAIN_HOST, SERVER_HOST]);
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
    const hosts = [...AI_HOSTS, PLAIN_HOST, SERVER_HOST];
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
    if (host === PLAIN_HOST) {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
      return res.end(PLAIN_PAGE);
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
    const csp = req.url?.includes('nocsp') ? {} : { 'Content-Security-Policy': "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'" };
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', ...csp });
    res.end(AI_PAGE);
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
