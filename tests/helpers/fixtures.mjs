// The PyTorch reference cases, copied into tests/fixtures from the generators there (see its README).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const fixturesDir = process.env.SIMDNET_FIXTURES || path.join(repoRoot, 'tests/fixtures');

let ops = null;
export function opsFixtures() {
  ops ??= JSON.parse(readFileSync(path.join(fixturesDir, 'ops.json'), 'utf8'));
  return ops;
}

export function casesOf(op) {
  return opsFixtures().cases.filter((c) => c.op === op);
}

export function lenetFixture() {
  return {
    json: JSON.parse(readFileSync(path.join(fixturesDir, 'lenet.json'), 'utf8')),
    safetensors: new Uint8Array(readFileSync(path.join(fixturesDir, 'lenet.safetensors'))),
  };
}

let layers = null;
/** Cases of layers.json (made by make_layer_fixtures.py) for one op. */
export function layerCasesOf(op) {
  layers ??= JSON.parse(readFileSync(path.join(fixturesDir, 'layers.json'), 'utf8'));
  return layers.cases.filter((c) => c.op === op);
}
