// LanceDB side of bench/mvindex.bench.mjs: the same documents in a multivector column
// (List<FixedSizeList<Float32, dim>>) and a flat (exhaustive) multi-vector search.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { createRequire } from 'module';
import { importPeer, peerDir } from './lib/peers.mjs';

const lancedb = await importPeer('@lancedb/lancedb');

// The CommonJS build of apache-arrow, the one @lancedb/lancedb itself requires: the ESM build's
// classes are different objects and fail LanceDB's instanceof checks.
const arrow = createRequire(path.join(peerDir('@lancedb/lancedb'), 'package.json'))('apache-arrow');

/** Builds a LanceDB table holding every document's tokens; returns { table, dir }. */
export async function buildLanceTable(docs) {
  const dim = docs.dim;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mvindex-lance-'));
  const db = await lancedb.connect(dir);
  const item = new arrow.Field('item', new arrow.Float32(), true);
  const tokType = new arrow.FixedSizeList(dim, item);
  const listType = new arrow.List(new arrow.Field('item', tokType, true));
  const schema = new arrow.Schema([new arrow.Field('id', new arrow.Int32(), false), new arrow.Field('vector', listType, false)]);
  const n = docs.offsets.length - 1;
  const batches = [];
  const step = 1000;
  for (let b = 0; b < n; b += step) {
    const e = Math.min(n, b + step);
    const t0 = docs.offsets[b], t1 = docs.offsets[e];
    const values = arrow.makeData({ type: new arrow.Float32(), length: (t1 - t0) * dim, data: docs.tokens.subarray(t0 * dim, t1 * dim) });
    const toks = arrow.makeData({ type: tokType, length: t1 - t0, nullCount: 0, child: values });
    const valueOffsets = new Int32Array(e - b + 1);
    for (let i = b; i <= e; i++) valueOffsets[i - b] = docs.offsets[i] - t0;
    const lists = arrow.makeData({ type: listType, length: e - b, nullCount: 0, valueOffsets, child: toks });
    const ids = arrow.makeData({ type: new arrow.Int32(), length: e - b, data: Int32Array.from({ length: e - b }, (_, i) => b + i) });
    const struct = arrow.makeData({ type: new arrow.Struct(schema.fields), length: e - b, nullCount: 0, children: [ids, lists] });
    batches.push(new arrow.RecordBatch(schema, struct));
  }
  const table = await db.createTable('docs', new arrow.Table(schema, batches));
  return { table, dir };
}

/**
 * Multi-vector search of one query (nq x dim rows): document indices best first. Flat
 * (exhaustive) unless `nprobes` is given, which searches the table's IVF-PQ index instead.
 */
export async function lanceSearch(table, q, dim, k, { nprobes, refineFactor } = {}) {
  const nq = q.length / dim;
  let query = table.vectorSearch(q.subarray(0, dim)).column('vector').distanceType('cosine');
  for (let i = 1; i < nq; i++) query = query.addQueryVector(q.subarray(i * dim, (i + 1) * dim));
  if (nprobes === undefined) query = query.bypassVectorIndex();
  else {
    query = query.nprobes(nprobes);
    if (refineFactor) query = query.refineFactor(refineFactor);
  }
  const rows = await query.select(['id', '_distance']).limit(k).toArray();
  return rows.map((r) => r.id);
}

/** Builds LanceDB's IVF-PQ index on the multivector column (cosine); returns seconds taken. */
export async function buildLanceIvfPq(table, { numPartitions, numSubVectors } = {}) {
  const t0 = process.hrtime.bigint();
  await table.createIndex('vector', { config: lancedb.Index.ivfPq({ distanceType: 'cosine', numPartitions, numSubVectors }), replace: true });
  return Number(process.hrtime.bigint() - t0) / 1e9;
}
