#!/usr/bin/env node
/**
 * Bundle the browser entry (src/browser.ts: similarity, io from bytes, align; wasm backend) into
 * dist-browser/mas.browser.js (an IIFE defining the global `MAS`) and copy wasm/mas_wasm.wasm
 * next to it. A page loads the script, fetches mas_wasm.wasm and calls MAS.useWasmBackend(bytes).
 */
import { copyFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleForBrowser } from './browser-bundle.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.join(root, 'dist-browser');
mkdirSync(out, { recursive: true });
await bundleForBrowser(path.join(root, 'src/browser.ts'), 'MAS', path.join(out, 'mas.browser.js'));
copyFileSync(path.join(root, 'wasm/mas_wasm.wasm'), path.join(out, 'mas_wasm.wasm'));
console.log(`build-browser: ${path.relative(root, out)}/mas.browser.js and mas_wasm.wasm`);
