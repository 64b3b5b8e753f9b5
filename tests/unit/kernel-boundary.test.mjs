// The TS/WASM boundary is declared once, in src/backend/kernels.generated.ts (generated from the plain
// build's typings). Both builds must export exactly what it declares, with the declared parameter counts,
// or the facade would call kernels with shifted arguments.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';

// Node 20 validates relaxed SIMD only with this flag (ready() sets it the same way).
setFlagsFromString('--experimental-wasm-relaxed-simd');

const root = new URL('../../', import.meta.url);
const declaration = readFileSync(new URL('src/backend/kernels.generated.ts', root), 'utf8');

function declared() {
  const arity = /KERNEL_ARITY[^=]*=\s*\{([^}]*)\}/.exec(declaration)[1];
  const kernels = new Map([...arity.matchAll(/(\w+):\s*(\d+)/g)].map((m) => [m[1], Number(m[2])]));
  const names = /KERNEL_CONSTANT_NAMES[^=]*=\s*\[([^\]]*)\]/.exec(declaration)[1];
  const constants = [...names.matchAll(/'(\w+)'/g)].map((m) => m[1]);
  return { kernels, constants };
}

async function exported(flavor) {
  const bytes = readFileSync(new URL(`build/simdnet-${flavor}.wasm`, root));
  const module = await WebAssembly.compile(bytes);
  const memory = new WebAssembly.Memory({ initial: 32 });
  const { exports } = await WebAssembly.instantiate(module, { env: { memory } });
  const kernels = new Map();
  const constants = [];
  for (const [name, value] of Object.entries(exports)) {
    if (typeof value === 'function') kernels.set(name, value.length);
    else if (value instanceof WebAssembly.Global) constants.push(name);
  }
  return { kernels, constants };
}

for (const flavor of ['plain', 'relaxed']) {
  test(`the ${flavor} build exports exactly the declared kernels and constants`, async () => {
    let module;
    try {
      module = await exported(flavor);
    } catch (e) {
      // The relaxed build does not compile where the runtime lacks relaxed SIMD; the plain one always must.
      if (flavor === 'relaxed' && e instanceof WebAssembly.CompileError) return;
      throw e;
    }
    const d = declared();
    assert.ok(d.kernels.size > 40, `parsed ${d.kernels.size} kernels from the declaration`);
    assert.equal([...module.kernels.keys()].sort(), [...d.kernels.keys()].sort());
    for (const [name, n] of d.kernels) assert.is(module.kernels.get(name), n, `parameters of ${name}`);
    assert.equal(module.constants.sort(), [...d.constants].sort());
  });
}

test.run();
