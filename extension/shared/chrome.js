/**
 * The one wrapper over `chrome.*`.
 *
 * Every other module calls these functions instead of the `chrome` global, so the places
 * that touch the browser are easy to find, errors come back as rejected promises with a
 * message, and Edge and Chrome differences (none so far) would live here.
 */

/** @returns {typeof chrome} */
function api() {
  return globalThis.chrome;
}

/** The extension's own id. */
export function extensionId() {
  return api().runtime.id;
}

/** The extension's version from the manifest. */
export function extensionVersion() {
  return api().runtime.getManifest().version;
}

/**
 * The URL of a file in the extension.
 * @param {string} path
 */
export function extensionUrl(path) {
  return api().runtime.getURL(path);
}

/**
 * Sends a message to the service worker and waits for its reply.
 * @param {import('./messages.js').Message} message
 * @returns {Promise<import('./messages.js').Reply & Record<string, any>>}
 */
export async function send(message) {
  try {
    const reply = await api().runtime.sendMessage(message);
    return reply ?? { ok: false, error: 'no answer from the extension' };
  } catch (e) {
    return { ok: false, error: e instanceof Error ? e.message : String(e) };
  }
}

export const storage = {
  /**
   * @param {'local'|'session'|'managed'} area
   * @param {string|string[]|null} keys
   * @returns {Promise<Record<string, any>>}
   */
  get(area, keys) {
    return api().storage[area].get(keys);
  },
  /**
   * Every key in an area (values are not read).
   * @param {'local'|'session'} area
   * @returns {Promise<string[]>}
   */
  keys(area) {
    return api().storage[area].getKeys();
  },
  /**
   * @param {'local'|'session'} area
   * @param {Record<string, any>} items
   */
  set(area, items) {
    return api().storage[area].set(items);
  },
  /**
   * @param {'local'|'session'} area
   * @param {string|string[]} keys
   */
  remove(area, keys) {
    return api().storage[area].remove(keys);
  },
  /**
   * @param {(changes: Record<string, chrome.storage.StorageChange>, area: string) => void} listener
   */
  onChanged(listener) {
    api().storage.onChanged.addListener(listener);
  },
};

export const alarms = {
  /**
   * @param {string} name
   * @param {chrome.alarms.AlarmCreateInfo} info
   */
  create(name, info) {
    return api().alarms.create(name, info);
  },
  /** @param {string} name */
  get(name) {
    return api().alarms.get(name);
  },
  /** @param {string} name */
  clear(name) {
    return api().alarms.clear(name);
  },
  /** @param {(alarm: chrome.alarms.Alarm) => void} listener */
  onAlarm(listener) {
    api().alarms.onAlarm.addListener(listener);
  },
};

export const dnr = {
  getDynamicRules() {
    return api().declarativeNetRequest.getDynamicRules();
  },
  /** @param {chrome.declarativeNetRequest.UpdateRuleOptions} options */
  updateDynamicRules(options) {
    return api().declarativeNetRequest.updateDynamicRules(options);
  },
  getSessionRules() {
    return api().declarativeNetRequest.getSessionRules();
  },
  /** @param {chrome.declarativeNetRequest.UpdateRuleOptions} options */
  updateSessionRules(options) {
    return api().declarativeNetRequest.updateSessionRules(options);
  },
};

export const scripting = {
  /** @param {string[]} ids */
  getRegistered(ids) {
    return api().scripting.getRegisteredContentScripts({ ids });
  },
  /** @param {chrome.scripting.RegisteredContentScript[]} scripts */
  register(scripts) {
    return api().scripting.registerContentScripts(scripts);
  },
  /** @param {string[]} ids */
  unregister(ids) {
    return api().scripting.unregisterContentScripts({ ids });
  },
  /**
   * @param {number} tabId
   * @param {string[]} files
   */
  inject(tabId, files) {
    return api().scripting.executeScript({ target: { tabId, allFrames: true }, files, injectImmediately: true });
  },
};

export const tabs = {
  /** @param {string[]} urlPatterns */
  query(urlPatterns) {
    return api().tabs.query({ url: urlPatterns });
  },
  /**
   * @param {number} tabId
   * @param {string} url
   */
  navigate(tabId, url) {
    return api().tabs.update(tabId, { url });
  },
};

/** @param {(details: {tabId: number, frameId: number, url: string}) => void} listener */
export function onHistoryNavigation(listener) {
  api().webNavigation.onHistoryStateUpdated.addListener(listener);
}

/**
 * Every web navigation of a frame, as it starts (before DNR redirects it).
 * @param {(details: {tabId: number, frameId: number, url: string}) => void} listener
 */
export function onWebNavigationStart(listener) {
  api().webNavigation.onBeforeNavigate.addListener(listener, { url: [{ schemes: ['http', 'https'] }] });
}

/**
 * Navigations to Google Translate's proxy hosts (`www-chatgpt-com.translate.goog`), which the
 * DNR rules name only for a rule's own hosts, not for their subdomains.
 * @param {(details: {tabId: number, frameId: number, url: string}) => void} listener
 */
export function onTranslateProxyNavigation(listener) {
  api().webNavigation.onBeforeNavigate.addListener(listener, { url: [{ hostSuffix: '.translate.goog' }] });
}

/**
 * @param {(message: any, sender: chrome.runtime.MessageSender) => Promise<any>} handler
 *   answers asynchronously; its result (or error) is the reply
 */
export function onMessage(handler) {
  api().runtime.onMessage.addListener((message, sender, sendResponse) => {
    handler(message, sender).then(sendResponse, (e) => sendResponse({ ok: false, error: e instanceof Error ? e.message : String(e) }));
    return true; // keeps the channel open for the async reply
  });
}

/** @param {(details: chrome.runtime.InstalledDetails) => void} listener */
export function onInstalled(listener) {
  api().runtime.onInstalled.addListener(listener);
}

/** @param {() => void} listener */
export function onStartup(listener) {
  api().runtime.onStartup.addListener(listener);
}

/**
 * The signed-in profile's e-mail, or null (not signed in, or the API is missing).
 * @returns {Promise<string|null>}
 */
export async function profileEmail() {
  try {
    const info = await api().identity.getProfileUserInfo({ accountStatus: 'ANY' });
    return info?.email ? info.email.toLowerCase() : null;
  } catch {
    return null;
  }
}

export const management = {
  getAll() {
    return api().management.getAll();
  },
  /** @param {() => void} listener */
  onChanged(listener) {
    const m = api().management;
    for (const ev of [m.onInstalled, m.onEnabled, m.onDisabled, m.onUninstalled]) ev.addListener(listener);
  },
};

export const webRequest = {
  /** Whether this browser gives the extension `chrome.webRequest` at all. */
  available() {
    return Boolean(api().webRequest?.onBeforeRequest);
  },
  /**
   * Registers a blocking `onBeforeRequest` listener that sees request bodies. Chrome accepts
   * the call without the `webRequestBlocking` permission too (it then logs an error and never
   * calls the listener), so whether it works is {@link permissions.contains}'s to say.
   * @param {(details: chrome.webRequest.OnBeforeRequestDetails) => chrome.webRequest.BlockingResponse|undefined} listener
   * @param {chrome.webRequest.RequestFilter} filter
   */
  onBeforeRequestBlocking(listener, filter) {
    api().webRequest.onBeforeRequest.addListener(listener, filter, ['blocking', 'requestBody']);
  },
  /** @param {(details: chrome.webRequest.OnBeforeRequestDetails) => chrome.webRequest.BlockingResponse|undefined} listener */
  removeOnBeforeRequest(listener) {
    api().webRequest.onBeforeRequest.removeListener(listener);
  },
};

export const permissions = {
  /**
   * Whether the browser granted these API permissions (a manifest can ask for more than it gets).
   * @param {chrome.runtime.ManifestPermission[]} names
   * @returns {Promise<boolean>}
   */
  async contains(names) {
    try {
      return Boolean(await api().permissions.contains({ permissions: names }));
    } catch {
      return false;
    }
  },
};

/**
 * Sends a message to the extension's content script in one frame of a tab (the top frame
 * unless said); resolves with false when nothing there listens (no guard on that page).
 * @param {number} tabId
 * @param {unknown} message
 * @param {number} [frameId]
 */
export async function sendToTab(tabId, message, frameId = 0) {
  try {
    await api().tabs.sendMessage(tabId, message, { frameId });
    return true;
  } catch {
    return false;
  }
}
