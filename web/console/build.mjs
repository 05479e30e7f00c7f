// Builds the console into ../../internal/console/web/dist (index.html, app.js, app.css), where the
// Go backend embeds it, or, with --tests, compiles test/*.test.ts for `node --test`.
//
//   node build.mjs            production build (minified, no source maps)
//   node build.mjs --watch    rebuild on change, with inline source maps
//   node build.mjs --tests    compile the unit tests to node_modules/.cache/console-tests and run
//                             them with node's test runner
import * as esbuild from 'esbuild';
import { spawnSync } from 'node:child_process';
import { copyFile, mkdir, readdir, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const outdir = join(here, '..', '..', 'internal', 'console', 'web', 'dist');
const args = new Set(process.argv.slice(2));

if (args.has('--tests')) {
  const testdir = join(here, 'test');
  const outTests = join(here, 'node_modules', '.cache', 'console-tests');
  await rm(outTests, { recursive: true, force: true });
  const entryPoints = (await readdir(testdir)).filter((f) => f.endsWith('.test.ts') || f.endsWith('.test.tsx')).map((f) => join(testdir, f));
  await esbuild.build({
    entryPoints,
    outdir: outTests,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    jsx: 'automatic',
    jsxImportSource: 'preact',
    packages: 'external',
    sourcemap: 'inline',
    logLevel: 'warning',
  });
  // Explicit files: how `node --test` reads a folder argument differs between Node versions.
  const files = (await readdir(outTests)).filter((f) => f.endsWith('.test.mjs')).map((f) => join(outTests, f));
  const run = spawnSync(process.execPath, ['--enable-source-maps', '--test', ...files], { stdio: 'inherit' });
  process.exit(run.status ?? 1);
}

const watch = args.has('--watch');
/** @type {import('esbuild').BuildOptions} */
const options = {
  entryPoints: { app: join(here, 'src', 'main.tsx') },
  outdir,
  bundle: true,
  format: 'iife',
  target: ['chrome109', 'firefox115', 'safari16'],
  jsx: 'automatic',
  jsxImportSource: 'preact',
  minify: !watch,
  sourcemap: watch ? 'inline' : false,
  legalComments: 'none',
  define: { 'process.env.NODE_ENV': watch ? '"development"' : '"production"' },
  logLevel: 'warning',
  metafile: true,
};

await mkdir(outdir, { recursive: true });
// Only our three files are written; the folder's .gitkeep (and anything else) is left alone.
await copyFile(join(here, 'src', 'index.html'), join(outdir, 'index.html'));

if (watch) {
  const ctx = await esbuild.context({
    ...options,
    plugins: [{ name: 'log', setup: (b) => b.onEnd((r) => console.log(`built ${new Date().toLocaleTimeString()}: ${r.errors.length} error(s)`)) }],
  });
  await ctx.watch();
  console.log(`watching; output in ${outdir}`);
} else {
  await esbuild.build(options);
  for (const f of ['index.html', 'app.js', 'app.css']) {
    const s = await stat(join(outdir, f));
    console.log(`${f.padEnd(10)} ${(s.size / 1024).toFixed(1).padStart(7)} KiB`);
  }
}
