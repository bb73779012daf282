/**
 * What the guard shows in a page, read the way the user sees it. The notices live in closed
 * shadow roots (a page script cannot reach them), which Playwright's locators do not enter;
 * the DevTools protocol does: `DOM.getDocument` with `pierce` walks closed roots and frames.
 * Buttons are pressed with real mouse clicks at their place on the screen, so the guard gets
 * the trusted click a user makes.
 *
 *   const n = notice(page, 'alert');           // role: alert, alertdialog, status, note
 *   await n.waitFor();  await n.innerText();  await n.count();
 *   await noticeButton(page, 'Paste anyway').click();
 */
import { waitFor } from './util.js';

/**
 * @typedef {{nodeId: number, backendNodeId: number, nodeType: number, nodeName: string, nodeValue?: string,
 *   attributes?: string[], children?: Node[], shadowRoots?: Node[], contentDocument?: Node}} Node
 */

/** @type {WeakMap<import('playwright-core').Page, import('playwright-core').CDPSession>} */
const sessions = new WeakMap();

/** @param {import('playwright-core').Page} page */
async function cdp(page) {
  let s = sessions.get(page);
  if (!s) {
    s = await page.context().newCDPSession(page);
    sessions.set(page, s);
  }
  return s;
}

/**
 * @param {Node} n
 * @returns {Generator<Node>}
 */
function* walk(n) {
  yield n;
  for (const c of [...(n.shadowRoots ?? []), ...(n.children ?? []), ...(n.contentDocument ? [n.contentDocument] : [])]) yield* walk(c);
}

/** @param {Node} n @param {string} name */
function attr(n, name) {
  const a = n.attributes ?? [];
  for (let i = 0; i < a.length; i += 2) if (a[i] === name) return a[i + 1];
  return undefined;
}

const BLOCK = new Set(['DIV', 'P', 'H2', 'UL', 'LI', 'BUTTON']);

/**
 * The text of a node as lines, roughly as innerText renders the notices' simple markup.
 * @param {Node} n
 * @returns {string}
 */
function textOf(n) {
  if (n.nodeType === 3) return n.nodeValue ?? '';
  /** @type {string} */
  const inner = (n.children ?? []).map(textOf).join('');
  return BLOCK.has(n.nodeName) ? `\n${inner}\n` : inner;
}

/** Every box of the guard's notices in the page and its frames, with its role. */
async function boxes(/** @type {import('playwright-core').Page} */ page) {
  const s = await cdp(page);
  const { root } = /** @type {{root: Node}} */ (await s.send('DOM.getDocument', { depth: -1, pierce: true }));
  /** @type {{role: string, name: string|undefined, node: Node, text: string}[]} */
  const out = [];
  for (const n of walk(root)) {
    if (n.nodeName !== 'LIFEGUARD-NOTICE') continue;
    for (const sr of n.shadowRoots ?? []) {
      for (const b of walk(sr)) {
        const role = attr(b, 'role');
        if (role) out.push({ role, name: attr(b, 'aria-label'), node: b, text: textOf(b).replace(/\n+/g, '\n').trim() });
      }
    }
  }
  return out;
}

/**
 * The guard's notices of a role (alert, alertdialog, status, note), optionally with a name
 * (aria-label) or holding a text.
 * @param {import('playwright-core').Page} page
 * @param {string} role
 * @param {{name?: string, hasText?: string|RegExp}} [filter]
 */
export function notice(page, role, filter = {}) {
  const find = async () =>
    (await boxes(page)).filter((b) => b.role === role && (filter.name === undefined || b.name === filter.name) && (filter.hasText === undefined || (typeof filter.hasText === 'string' ? b.text.includes(filter.hasText) : filter.hasText.test(b.text))));
  return {
    /** How many are shown now. */
    async count() {
      return (await find()).length;
    },
    /** @param {{state?: 'visible'|'detached', timeout?: number}} [opts] */
    async waitFor({ state = 'visible', timeout = 30_000 } = {}) {
      await waitFor(async () => ((await find()).length > 0) === (state === 'visible') || null, `a ${role} notice ${state === 'visible' ? 'shown' : 'gone'}`, timeout);
    },
    /** The first one's text, once it is shown. */
    async innerText() {
      await this.waitFor();
      return (await find())[0].text;
    },
  };
}

/**
 * A button in the guard's notices, by its accessible name (aria-label, else its text).
 * @param {import('playwright-core').Page} page
 * @param {string} name
 */
export function noticeButton(page, name) {
  return {
    /** Waits for the button and clicks it as a user does (a real, trusted mouse click). */
    async click() {
      const node = await waitFor(async () => (await boxes(page)).flatMap((b) => [...walk(b.node)]).find((n) => n.nodeName === 'BUTTON' && (attr(n, 'aria-label') ?? textOf(n).trim()) === name) ?? null, `the "${name}" button`);
      const s = await cdp(page);
      const { model } = /** @type {{model: {content: number[]}}} */ (await s.send('DOM.getBoxModel', { backendNodeId: node.backendNodeId }));
      const q = model.content;
      await page.mouse.click((q[0] + q[2] + q[4] + q[6]) / 4, (q[1] + q[3] + q[5] + q[7]) / 4);
    },
  };
}
