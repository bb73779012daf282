/**
 * Loads lifeguard-core (WebAssembly) and compiles policies with it.
 *
 * The service worker and the content scripts both decide with the same engine; nothing
 * here decides anything itself. `wasm/` is filled by scripts/build-extension.sh from
 * target/wasm (wasm-bindgen `--target web`).
 */
import init, { WasmEngine } from '../wasm/lifeguard_core.js';

/** @type {Promise<unknown>|null} */
let loading = null;

/** Instantiates the wasm once per context; later calls share the first load. */
export function loadEngine() {
  loading ??= init({ module_or_path: globalThis.chrome.runtime.getURL('wasm/lifeguard_core_bg.wasm') });
  return loading;
}

/**
 * Compiles a policy document (JSON text), or the default city policy built into the engine
 * when there is none yet. Throws an Error listing every problem of a bad document.
 * @param {string|null|undefined} policyJson
 * @returns {WasmEngine}
 */
export function compile(policyJson) {
  return policyJson ? new WasmEngine(policyJson) : WasmEngine.defaultCity();
}

/** The default city policy document built into the engine, as JSON text. */
export function defaultPolicyJson() {
  return WasmEngine.defaultPolicyJson();
}

/** Seconds since the Unix epoch, as the engine takes time. */
export function nowSeconds() {
  return Date.now() / 1000;
}
