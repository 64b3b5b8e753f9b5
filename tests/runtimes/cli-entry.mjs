// Command-line entry of the smoke test for Node, Deno and Bun: `<runtime> cli-entry.mjs <config.json>`.
// Reads the config the node runner wrote (fixture cases and the expected backend), runs the smoke test,
// prints one line per check and, last, the machine-readable result line the runner parses.
import { runSmoke } from './smoke.mjs';
import { RESULT_PREFIX } from './protocol.mjs';

async function readText(file) {
  if (globalThis.Deno) return Deno.readTextFile(file);
  if (globalThis.Bun) return Bun.file(file).text();
  return process.getBuiltinModule('node:fs').readFileSync(file, 'utf8');
}

const args = globalThis.Deno ? Deno.args : process.argv.slice(2);
const config = JSON.parse(await readText(args[0]));
const result = await runSmoke(config);
console.log(RESULT_PREFIX + JSON.stringify(result));
