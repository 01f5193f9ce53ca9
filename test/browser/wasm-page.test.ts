/**
 * The library in a web page: similarity, io (.npz from bytes) and align, bundled with esbuild for
 * the browser (scripts/browser-bundle.mjs), on the wasm backend. The page computes linear CKA and
 * one MAS training step; the numbers must equal Node's on the same backend. The bundle also runs in
 * a bare `vm` context (no process, Buffer, require), which shows it needs no Node module.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import vm from 'node:vm';
import { getBackendByName, setBackend } from '../../src/tensor/backend/index.ts';
import { wasmPath } from '../../src/tensor/backend/wasm-load.ts';
import { bundleForBrowser } from '../../scripts/browser-bundle.mjs';
import { findChromium, launchChromium } from '../helpers/browser.ts';
import { probeNpz, runProbe, type ProbeResult } from './probe.ts';

const entry = new URL('./page-entry.ts', import.meta.url).pathname;
const bundle = (async () => (await bundleForBrowser(entry, 'PROBE')).code as string)();
const wasmB64 = readFileSync(wasmPath).toString('base64');
const npzB64 = Buffer.from(probeNpz()).toString('base64');

/** Node's figures on the wasm backend (the backend the page uses). */
function nodeResult(): ProbeResult {
  setBackend(getBackendByName('wasm'));
  return runProbe(probeNpz());
}

function assertSame(page: ProbeResult, node: ProbeResult): void {
  assert.equal(page.backend, 'wasm');
  for (const k of ['ckaLinear', 'ckaDebiased', 'procrustes'] as const) {
    assert.ok(Math.abs(page[k] - node[k]) <= 1e-12 * Math.abs(node[k]), `${k}: page ${page[k]} vs node ${node[k]}`);
  }
  assert.ok(Number.isFinite(page.loss) && page.loss > 0);
  assert.ok(Math.abs(page.loss - node.loss) <= 1e-6 * node.loss, `MAS loss: page ${page.loss} vs node ${node.loss}`);
  assert.equal(page.mapSums.length, node.mapSums.length);
  for (let i = 0; i < node.mapSums.length; i++) {
    assert.ok(Math.abs(page.mapSums[i] - node.mapSums[i]) <= 1e-5 * node.mapSums[i], `map ${i} after the Adam step`);
  }
}

test('the browser bundle has no Node built-in left and runs in a bare context (no process, Buffer, require)', async () => {
  const code = await bundle;
  assert.doesNotMatch(code, /\brequire\(["']node:/);
  const ctx = vm.createContext({ WebAssembly, TextDecoder, TextEncoder, console, performance, atob });
  vm.runInContext(`${code}\nthis.PROBE = PROBE;`, ctx);
  const out = vm.runInContext(`PROBE.run(${JSON.stringify(wasmB64)}, ${JSON.stringify(npzB64)})`, ctx) as ProbeResult;
  assertSame(JSON.parse(JSON.stringify(out)) as ProbeResult, nodeResult());
});

test('headless Chromium: linear CKA and one MAS step in the page equal Node’s numbers', async (t) => {
  const exe = findChromium();
  const node = nodeResult();
  if (!exe) {
    // No browser on this machine (the CI script installs Debian's chromium): the bare-context test above covers the bundle.
    t.diagnostic('chromium not installed; the page test ran in a bare vm context only');
    assert.ok(node.ckaLinear > 0 && node.ckaLinear < 1);
    return;
  }
  const code = await bundle;
  const browser = await launchChromium(exe);
  try {
    const page = await browser.newPage();
    await page.setContent('<!doctype html><title>mas wasm</title><body></body>');
    await page.addScriptTag({ content: code });
    const out = (await page.evaluate(([w, z]) => (globalThis as unknown as { PROBE: { run(a: string, b: string): unknown } }).PROBE.run(w, z), [wasmB64, npzB64])) as ProbeResult;
    assertSame(out, node);
  } finally {
    await browser.close();
  }
});
