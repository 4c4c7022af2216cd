/** The real ColBERTv2 token embeddings of ../shared/data/colbert-nanofiqa (see its README). */
import * as path from 'path';
import { Qrels } from './beir';
import { dataDir, readDataFile } from './paths';
import { MultiVectorSet } from './scifact_glove';

export interface ColbertNanoFiqa {
  documents: MultiVectorSet;
  queries: MultiVectorSet;
  qrels: Qrels;
}

function f32(file: string): Float32Array {
  const b = readDataFile(file);
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}
function offsets(file: string): Uint32Array {
  const b = readDataFile(file);
  return new Uint32Array(new Int32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength)));
}

export function loadColbertNanoFiqa(dir?: string): ColbertNanoFiqa {
  const d = path.join(dataDir(dir), 'colbert-nanofiqa');
  const manifest = JSON.parse(readDataFile(path.join(d, 'manifest.json'), 'utf8')) as Record<string, unknown>;
  const docIds = (manifest.documents as { ids: string[] }).ids;
  const queryIds = (manifest.queries as { ids: string[] }).ids;
  const rawQrels = JSON.parse(readDataFile(path.join(d, 'qrels.json'), 'utf8')) as Record<string, string[] | Record<string, number>>;
  const qrels: Qrels = new Map();
  for (const [q, rel] of Object.entries(rawQrels)) {
    const m = new Map<string, number>();
    if (Array.isArray(rel)) rel.forEach((id) => m.set(String(id), 1));
    else Object.entries(rel).forEach(([id, s]) => m.set(String(id), Number(s)));
    qrels.set(String(q), m);
  }
  return {
    documents: { dim: 128, tokens: f32(path.join(d, 'documents.f32')), offsets: offsets(path.join(d, 'documents_offsets.i32')), ids: docIds.map(String) },
    queries: { dim: 128, tokens: f32(path.join(d, 'queries.f32')), offsets: offsets(path.join(d, 'queries_offsets.i32')), ids: queryIds.map(String) },
    qrels,
  };
}
