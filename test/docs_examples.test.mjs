// The code examples in README.md and docs/*.md run as written. Each ```ts / ```js block is
// transpiled (types stripped), its `from 'maxsim'` pointed at this build, and run in a fresh
// temporary folder after a prelude that defines only the placeholders the prose leaves to the
// reader (the model's token embeddings, ids, queries). A block that no longer matches the API
// fails here instead of in a user's editor.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { fileURLToPath, pathToFileURL } from 'url';
import ts from 'typescript';
import { capabilities } from '../dist/index.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = pathToFileURL(path.join(root, 'dist', 'index.js')).href;
const hasGpu = capabilities().cuda !== false;

// Random rows, seeded, so a run is repeatable.
const helpers = `
let seed = 12345;
const rand = () => ((seed = (seed * 1664525 + 1013904223) >>> 0) / 4294967296) - 0.5;
const rows = (n, dim) => Float32Array.from({ length: n * dim }, rand);
const packed = (docs, tokensPerDoc, dim) => ({
  tokens: rows(docs * tokensPerDoc, dim),
  offsets: Uint32Array.from({ length: docs + 1 }, (_, i) => i * tokensPerDoc),
});
`;

// Placeholders per block, in the order the blocks appear in each file. A block not listed here
// needs none; a block that gains a placeholder must be listed, or it fails with a ReferenceError.
const PRELUDES = {
  'README.md#0': `const doc0 = rows(12, 128), doc1 = rows(1, 128), doc2 = rows(40, 128);
const queryTokens = rows(32, 128);`,
  'docs/candidates.md#0': `import { MultiVectorIndex } from 'maxsim';
const ids = Array.from({ length: 300 }, (_, i) => i);
const { tokens, offsets } = packed(300, 16, 128);
const { tokens: sampleQueries, offsets: sampleOffsets } = packed(8, 4, 128);
const query = rows(4, 128);`,
  'docs/hnsw.md#0': `const vectors = rows(400, 100), vectorIds = Array.from({ length: 400 }, (_, i) => i);
const more = rows(50, 100), moreIds = Array.from({ length: 50 }, (_, i) => 1000 + i);
const query = rows(1, 100), queries = rows(3, 100), vec = rows(1, 100);`,
  'docs/multi-vector-index.md#0': `const { tokens, offsets } = packed(2, 20, 128);
const docTokens = rows(9, 128), queryTokens = rows(32, 128);
const { tokens: queries, offsets: queryOffsets } = packed(3, 8, 128);`,
  'docs/multi-vector-index.md#1': `const ids = Array.from({ length: 50 }, (_, i) => i);
const { tokens, offsets } = packed(50, 30, 128);`,
  'docs/multi-vector-index.md#2': `import { MultiVectorIndex } from 'maxsim';
const ids = [1, 2, 3];
const { tokens, offsets } = packed(3, 10, 128);
const query = rows(8, 128);`,
};

// Blocks that only run with a GPU: without one they must fail with ERR_CUDA_UNAVAILABLE.
const NEEDS_GPU = new Set(['docs/multi-vector-index.md#2']);

function blocks(file) {
  const text = fs.readFileSync(path.join(root, file), 'utf8');
  const out = [];
  for (const m of text.matchAll(/```(ts|js)\n([\s\S]*?)```/g)) out.push({ id: `${file}#${out.length}`, lang: m[1], code: m[2] });
  return out;
}

// Moves the block's imports (and the prelude's) to the top, as ES modules require.
function program(block) {
  const prelude = PRELUDES[block.id] ?? '';
  const source = `${helpers}\n${prelude}\n${block.code}`.replace(/from 'maxsim'/g, `from '${dist}'`);
  const js = ts.transpileModule(source, {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
  }).outputText;
  const lines = js.split('\n');
  const imports = lines.filter((l) => /^import .* from /.test(l));
  const body = lines.filter((l) => !/^import .* from /.test(l));
  return `${imports.join('\n')}\n${body.join('\n')}\nexport {};\n`;
}

const files = ['README.md', ...fs.readdirSync(path.join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
const all = files.flatMap(blocks);

test('the docs hold code examples, and every placeholder list names a real block', () => {
  assert.ok(all.length >= 6, `found ${all.length} blocks`);
  for (const id of [...Object.keys(PRELUDES), ...NEEDS_GPU]) assert.ok(all.some((b) => b.id === id), `no block ${id}`);
});

for (const block of all) {
  test(`example ${block.id} runs`, async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'maxsim-doc-'));
    const file = path.join(dir, 'example.mjs');
    fs.writeFileSync(file, program(block));
    const cwd = process.cwd();
    const log = console.log;
    process.chdir(dir);  // the examples save files by bare name
    console.log = () => {};
    try {
      await import(pathToFileURL(file).href);
      assert.ok(!NEEDS_GPU.has(block.id) || hasGpu, `${block.id} ran without a GPU`);
    } catch (e) {
      if (!(NEEDS_GPU.has(block.id) && !hasGpu && e && e.code === 'ERR_CUDA_UNAVAILABLE')) throw e;
    } finally {
      console.log = log;
      process.chdir(cwd);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
}

test.run();
