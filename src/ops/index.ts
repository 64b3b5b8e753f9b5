// Every op, one file per op family: src/ops/<name>.ts, its kernels in assembly/<name>.ts, its tests in
// tests/ops/<name>.test.mjs.
export { reshape, flatten } from './reshape.js';
