// The tutorial's cross-correlation through the installed package, loaded with require().
const sn = require('simdnet');

sn.ready().then(() => {
  const x = sn.tensor([0, 1, 2, 3, 4, 5, 6, 7, 8], [1, 3, 3, 1]);
  const k = sn.tensor([0, 1, 2, 3], [2, 2, 1, 1]);
  const y = sn.conv2d(x, k).reshape([2, 2]).array();
  console.log(JSON.stringify(y).replaceAll(',', ', '));
});
