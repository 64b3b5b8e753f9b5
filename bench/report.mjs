// Turns results into tables (for the terminal and for bench/RESULTS.md).
//
// A result row: { section, id, label, work, unit, impls: { [impl]: cell } } where a cell is
// { status: 'ok', medianMs, rme, samples, err, leak, note } or { status: 'n/a' | 'error', reason }.
import { TOLERANCE } from './check.mjs';

const PEERS = [
  { key: 'naive', label: 'naive JS' },
  { key: 'tfwasm', label: 'TF.js wasm' },
  { key: 'tfcpu', label: 'TF.js cpu' },
];

const ok = (c) => c && c.status === 'ok';

/** Peer bugs the bench's checks found, explained where they are flagged. */
const KNOWN_PEER_ISSUES = {
  'tfwasm:poolBackward':
    "TF.js wasm 4.22's MaxPoolGrad gives no gradient to windows whose maximum is negative; these inputs are uniform in [-1, 1), so 1 window in 16 loses it. After a relu, as in the training tables, its gradients are right",
};

function fmtNum(x) {
  if (!Number.isFinite(x)) return '—';
  if (x >= 100) return x.toFixed(0);
  if (x >= 10) return x.toFixed(1);
  if (x >= 1) return x.toFixed(2);
  return x.toPrecision(2);
}

function fmtCell(c, section) {
  if (!c) return '—';
  if (c.status === 'n/a') return 'n/a';
  if (c.status === 'error') return 'error';
  const flag = isWrong(c, section) ? ' ✗' : '';
  if (c.method === 'sum') return `${fmtNum(c.medianMs)} (sum)${flag}`;
  if (c.method === 'diff') return `${fmtNum(c.medianMs)} (diff)${flag}`;
  if (!Number.isFinite(c.rme)) return `${fmtNum(c.medianMs)} (${c.samples} call${c.samples > 1 ? 's' : ''})${flag}`;
  return `${fmtNum(c.medianMs)} ±${c.rme.toFixed(0)}%${flag}`;
}

function isWrong(c, section) {
  if (!ok(c) || c.err === undefined || c.err === null) return false;
  return !(c.err <= (section === 'train' ? TOLERANCE.train : TOLERANCE.op));
}

function throughput(row, c) {
  if (!ok(c)) return '—';
  const perSecond = row.work / (c.medianMs / 1000);
  return row.unit === 'image' ? perSecond.toFixed(0) : fmtNum(perSecond / 1e9);
}

/** How many times faster simdnet is than `other` (other's median / simdnet's median). */
function ratio(sn, other) {
  if (!ok(sn) || !ok(other)) return '—';
  return `${fmtNum(other.medianMs / sn.medianMs)}×`;
}

function workCell(row) {
  if (row.unit === 'image') return String(row.work);
  const m = row.work / 1e6;
  return m >= 1 ? m.toFixed(1) : m.toFixed(2);
}

/** The table for one section: ms ±rme and throughput per implementation, then simdnet's speed-ups. */
export function sectionTable(rows, section) {
  const peers = section === 'train' ? PEERS.filter((p) => p.key !== 'naive') : PEERS;
  const rate = section === 'train' ? 'img/s' : rows.some((r) => r.unit === 'op') ? 'G(FL)OP/s' : 'GFLOP/s';
  const time = section === 'train' ? 'ms/step' : 'ms';
  const headers = [
    section === 'train' ? 'model (batch 32)' : 'case',
    section === 'train' ? 'batch' : 'MFLOP',
    `simdnet ${time}`,
    rate,
  ];
  for (const p of peers) headers.push(`${p.label} ${time}`, rate);
  for (const p of peers) headers.push(`vs ${p.label}`);
  const body = rows.map((row) => {
    const sn = row.impls.simdnet;
    const cells = [row.label, workCell(row), fmtCell(sn, section), throughput(row, sn)];
    for (const p of peers) cells.push(fmtCell(row.impls[p.key], section), throughput(row, row.impls[p.key]));
    for (const p of peers) cells.push(ratio(sn, row.impls[p.key]));
    return cells;
  });
  return { headers, body, align: headers.map((_, i) => (i === 0 ? 'left' : 'right')) };
}

/** simdnet's builds side by side: relaxed in the bench process, relaxed alone, plain alone. */
export function buildsTable(rows) {
  const headers = [
    'case',
    'relaxed ms (TF.js loaded)',
    'relaxed ms (alone)',
    'plain ms (alone)',
    'relaxed vs plain',
    'loaded / alone',
  ];
  const body = rows
    .filter((row) => ['simdnet', 'simdnet-alone', 'simdnet-plain'].some((k) => ok(row.impls[k])))
    .map((row) => {
      const inBench = row.impls.simdnet;
      const alone = row.impls['simdnet-alone'];
      const plain = row.impls['simdnet-plain'];
      const relaxedRef = ok(alone) ? alone : inBench;
      return [
        row.label,
        fmtCell(inBench, row.section),
        fmtCell(alone, row.section),
        fmtCell(plain, row.section),
        ratio(relaxedRef, plain),
        ok(alone) && ok(inBench) ? fmtNum(inBench.medianMs / alone.medianMs) : '—',
      ];
    });
  return { headers, body, align: headers.map((_, i) => (i === 0 ? 'left' : 'right')) };
}

/** Every table of a run, in order, each with its title. */
export function allTables(rows) {
  const sections = [
    ['forward', 'Forward'],
    ['backward', 'Backward'],
    ['train', 'Training step (forward, backward, optimizer update)'],
  ];
  const tables = [];
  for (const [key, title] of sections) {
    const sectionRows = rows.filter((r) => r.section === key);
    if (sectionRows.length) tables.push({ title, table: sectionTable(sectionRows, key) });
  }
  const builds = buildsTable(rows);
  if (builds.body.length) tables.push({ title: 'simdnet builds: relaxed SIMD vs plain SIMD', table: builds });
  return tables;
}

export function renderConsole({ headers, body, align }) {
  const widths = headers.map((h, i) => Math.max(h.length, ...body.map((r) => r[i].length)));
  const line = (cells) =>
    cells.map((c, i) => (align[i] === 'left' ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

export function renderMarkdown({ headers, body, align }) {
  const esc = (s) => s.replace(/\|/g, '\\|');
  return [
    `| ${headers.map(esc).join(' | ')} |`,
    `| ${align.map((a) => (a === 'left' ? ':---' : '---:')).join(' | ')} |`,
    ...body.map((r) => `| ${r.map(esc).join(' | ')} |`),
  ].join('\n');
}

/** Lines about anything a reader must know: wrong outputs, leaks, errors, n/a reasons, notes. */
export function findings(rows) {
  const lines = [];
  const reasons = new Map(); // reason → { impls, rows }
  let worst = 0;
  let checked = 0;
  for (const row of rows) {
    for (const [impl, c] of Object.entries(row.impls)) {
      if (!c) continue;
      if (c.status === 'error') lines.push(`ERROR ${impl} on ${row.label}: ${c.reason}`);
      if (c.status === 'n/a') {
        const r = reasons.get(c.reason) ?? { impls: new Set(), rows: new Set() };
        r.impls.add(impl);
        r.rows.add(row.id);
        reasons.set(c.reason, r);
      }
      if (!ok(c)) continue;
      if (isWrong(c, row.section)) {
        const known = KNOWN_PEER_ISSUES[`${impl}:${row.method}`];
        lines.push(
          `WRONG ${impl} on ${row.label}: relative error ${c.err.toExponential(2)} vs ${row.reference}${known ? ` (${known})` : ''}`,
        );
      } else if (typeof c.err === 'number') {
        checked++;
        worst = Math.max(worst, c.err);
      }
      if (c.leak) lines.push(`LEAK ${impl} on ${row.label}: ${c.leak > 0 ? '+' : ''}${c.leak} tensors after dispose`);
      if (c.checkNote) lines.push(`note ${impl} on ${row.label}: ${c.checkNote}`);
      if (c.note && row.section === 'train' && impl === 'simdnet')
        lines.push(`${impl} training step on ${row.label}: ${c.note}`);
    }
  }
  for (const [reason, r] of reasons)
    lines.push(`n/a (${[...r.impls].join(', ')}; ${r.rows.size} row${r.rows.size > 1 ? 's' : ''}): ${reason}`);
  lines.unshift(
    `checked ${checked} results against the reference (ops: naive JS; training: gradients at the initial weights and losses of three steps vs TF.js cpu, or wasm where cpu did not run): worst relative error ${worst.toExponential(1)}`,
  );
  return lines;
}
