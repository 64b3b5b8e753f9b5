import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { sn } from '../helpers/setup.mjs';
import { assertThrowsMessage } from '../helpers/compare.mjs';

test('featureMapsSvg draws one cell per channel, each scaled to its own range', () => {
  // Channel 0 is a horizontal ramp 0..3, channel 1 constant, channel 2 a single bright pixel.
  const h = 2,
    w = 4,
    c = 3;
  const values = [];
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) values.push(x, 5, y === 1 && x === 2 ? 100 : -1);
  const t = sn.tensor(values, [1, h, w, c]);
  const svg = sn.plot.featureMapsSvg(t, { columns: 2, scale: 3, title: 'maps & more' });
  assert.ok(svg.startsWith('<svg'), 'an svg document');
  assert.ok(svg.includes('maps &amp; more'), 'title escaped');
  // ramp: levels 0 (background, not drawn), 85, 170, 255 in each row
  for (const level of [85, 170, 255])
    assert.ok(svg.includes(`fill="rgb(${level},${level},${level})"`), `level ${level}`);
  // channel 2: exactly one white pixel at x=2, y=1, scale 3, in the second column's cell
  const whiteRuns = svg.match(/<rect x="6" y="3" width="3" height="3" fill="rgb\(255,255,255\)"\/>/g);
  assert.is(whiteRuns?.length, 1, 'the bright pixel of channel 2');
  // channel 0's white column is x=3 in both rows
  assert.is((svg.match(/<rect x="9" y="[03]" width="3" height="3" fill="rgb\(255,255,255\)"\/>/g) || []).length, 2);
  assert.is((svg.match(/<g transform/g) || []).length, c);
  t.dispose();
});

test('featureMapsSvg checks its arguments', () => {
  const t = sn.zeros([2, 2]);
  assertThrowsMessage(
    () => sn.plot.featureMapsSvg(t),
    /featureMapsSvg: argument 'activation' must be rank 4 \[n,h,w,c\] or rank 3 \[h,w,c\]; got rank 2/,
  );
  const u = sn.zeros([1, 2, 2, 1]);
  assertThrowsMessage(
    () => sn.plot.featureMapsSvg(u, { index: 1 }),
    /option 'index' must be an integer in \[0, 0\]; got 1/,
  );
  t.dispose();
  u.dispose();
});

test.run();
