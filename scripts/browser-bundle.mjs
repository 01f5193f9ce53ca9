/**
 * esbuild settings of the browser bundle (scripts/build-browser.mjs; test/browser): platform
 * 'browser', with the Node-only modules on the library's paths replaced — the backend loaders by
 * src/browser/{native,wasm-load}.ts, node:zlib by src/browser/zlib.ts (fflate), and any other
 * node:* module by a stub whose functions throw "not available in a web page" when called (only
 * the file-system entry points use them; the bundle never needs them).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { builtinModules } from 'node:module';
import * as esbuild from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const replaced = {
  [path.join(root, 'src/tensor/backend/native.ts')]: path.join(root, 'src/browser/native.ts'),
  [path.join(root, 'src/tensor/backend/wasm-load.ts')]: path.join(root, 'src/browser/wasm-load.ts'),
};

/** The esbuild plugin that keeps Node-only modules out of the bundle. */
export const browserPlugin = {
  name: 'mas-browser',
  setup(build) {
    build.onResolve({ filter: /^(node:)?[a-z_]+(\/[a-z_]+)?$/ }, (args) => {
      const name = args.path.replace(/^node:/, '');
      if (!builtinModules.includes(name)) return undefined;
      if (name === 'zlib') return { path: path.join(root, 'src/browser/zlib.ts') };
      return { path: name, namespace: 'node-stub' };
    });
    build.onResolve({ filter: /(native|wasm-load)\.ts$/ }, (args) => {
      const full = path.resolve(args.resolveDir, args.path);
      return replaced[full] ? { path: replaced[full] } : undefined;
    });
    build.onLoad({ filter: /.*/, namespace: 'node-stub' }, async (args) => {
      const real = await import(`node:${args.path}`);
      const names = Object.keys(real).filter((k) => k !== 'default' && /^[A-Za-z_$][\w$]*$/.test(k));
      const lines = [
        `const fail = (what) => () => { throw new Error('node:${args.path} ' + what + ' is not available in a web page'); };`,
        ...names.map((k) => `export const ${k} = fail('${k}');`),
        `export default new Proxy({}, { get: (_, k) => fail(String(k)) });`,
      ];
      return { contents: lines.join('\n'), loader: 'js' };
    });
  },
};

/** Bundle `entry` for the browser as one IIFE script assigning its exports to `globalName`. */
export async function bundleForBrowser(entry, globalName, outfile) {
  const r = await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    platform: 'browser',
    format: 'iife',
    globalName,
    target: 'es2022',
    plugins: [browserPlugin],
    write: Boolean(outfile),
    outfile,
    logLevel: 'silent',
    metafile: true,
  });
  return { code: outfile ? null : r.outputFiles[0].text, metafile: r.metafile };
}
