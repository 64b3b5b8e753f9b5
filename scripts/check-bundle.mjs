// Checks that dist/simdnet.js is self-contained, so that one file loads unchanged in Node, Deno, Bun and
// browsers: no import of any kind (static, re-export, dynamic, require) and above all no `node:` module,
// which a browser cannot load and a bundler would trip over. Node-only code must reach Node's modules
// through process.getBuiltinModule at run time instead.
// Usage: node scripts/check-bundle.mjs [bundle]   (exit 1 and a list of problems if any)
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

// Written-out forms of a `node:` import, looked for in the text as a second, parser-independent check.
const NODE_IMPORT_PATTERNS = [
  /\b(?:import|export)\b[^;'"`]*?\bfrom\s*["'`]node:[\w/]+["'`]/g, // import x from 'node:fs', export * from
  /\bimport\s*["'`]node:[\w/]+["'`]/g, // import 'node:fs'
  /\bimport\s*\(\s*["'`]node:[\w/]+["'`]\s*\)/g, // import('node:fs')
  /\brequire\s*\(\s*["'`]node:[\w/]+["'`]\s*\)/g, // require('node:fs')
];

/** Returns { problems: string[], builtinModuleUses: number } for the bundle at `file`. */
export async function checkBundle(file = path.join(root, 'dist', 'simdnet.js')) {
  const problems = [];
  const text = readFileSync(file, 'utf8');

  // esbuild parses the bundle and lists every import it finds; `external: ['*']` keeps it from following.
  const { metafile } = await esbuild.build({
    entryPoints: [file],
    bundle: true,
    write: false,
    metafile: true,
    format: 'esm',
    platform: 'neutral',
    logLevel: 'silent',
    external: ['*'],
  });
  for (const input of Object.values(metafile.inputs)) {
    for (const imp of input.imports) {
      if (imp.path === '<runtime>') continue; // esbuild's own helpers, not an import of the bundle
      problems.push(`${imp.kind} of '${imp.path}'`);
    }
  }

  for (const pattern of NODE_IMPORT_PATTERNS) {
    for (const m of text.matchAll(pattern)) {
      const line = text.slice(0, m.index).split('\n').length;
      problems.push(`node: import in the text at line ${line}: ${m[0].slice(0, 80)}`);
    }
  }
  return { problems, builtinModuleUses: (text.match(/getBuiltinModule/g) ?? []).length };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const file = path.resolve(process.argv[2] ?? path.join(root, 'dist', 'simdnet.js'));
  const { problems, builtinModuleUses } = await checkBundle(file);
  if (problems.length) {
    console.error(`${path.relative(root, file)} is not self-contained:\n  ${problems.join('\n  ')}`);
    process.exit(1);
  }
  console.log(
    `${path.relative(root, file)}: no imports, no node: modules (process.getBuiltinModule used ${builtinModuleUses} times)`,
  );
}
