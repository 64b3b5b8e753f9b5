// A browser app bundled by esbuild from the installed package; the page reads the result from the DOM.
import * as sn from 'simdnet';

await sn.ready();
const x = sn.tensor([0, 1, 2, 3, 4, 5, 6, 7, 8], [1, 3, 3, 1]);
const k = sn.tensor([0, 1, 2, 3], [2, 2, 1, 1]);
const text = JSON.stringify(sn.conv2d(x, k).reshape([2, 2]).array()).replaceAll(',', ', ');
console.log(text);
document.getElementById('out').textContent = text;
