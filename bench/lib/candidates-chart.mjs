// The recall@10-against-QPS chart of bench/candidates.bench.mjs, drawn from its result rows, so
// a chart can also be redrawn from the JSON line the bench prints last:
//   node bench/lib/candidates-chart.mjs <file with that JSON line> <output folder>
import * as fs from 'fs';
import * as path from 'path';
import { writeLineChart } from './png-chart.mjs';

const byQps = (pts) => pts.slice().sort((a, b) => a[0] - b[0]);

export function drawCandidatesChart(file, label, rows, exactQps) {
  const pts = (pred) => byQps(rows.filter(pred).map((r) => [r.qps1, r.recall]));
  writeLineChart(file, {
    title: `${label}: recall@10 vs QPS (1 thread)`, xLabel: 'queries per second', yLabel: 'recall@10', xLog: true,
    legend: 'bottom-right',
    series: [
      { name: 'muvera', points: pts((r) => r.strategy === 'muvera') },
      { name: 'plaid', points: pts((r) => r.strategy === 'plaid') },
      { name: 'exact flat', points: [[exactQps, 1]] },
      { name: 'LanceDB flat', points: pts((r) => r.strategy === 'lancedb' && r.params.flat) },
      { name: 'LanceDB IVF-PQ', points: pts((r) => r.strategy === 'lancedb' && !r.params.flat) },
    ].filter((s) => s.points.length),
  });
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname)) {
  const [jsonFile, outDir] = process.argv.slice(2);
  const line = fs.readFileSync(jsonFile, 'utf8').split('\n').filter((l) => l.startsWith('[{')).pop();
  for (const set of JSON.parse(line)) {
    const exact = set.summary.find((s) => s.strategy === 'exact');
    const file = path.join(outDir, `candidates-${set.label}.png`);
    drawCandidatesChart(file, set.label, set.rows, exact.qps1);
    console.log(`wrote ${file}`);
  }
}
