// MultiVectorIndex on the GPU: toDevice(), device: 'cpu' | 'cuda' per index and per call. On a
// machine without CUDA every GPU request must fail with ERR_CUDA_UNAVAILABLE (never a crash) and
// 'cpu' must keep working; where a GPU exists, GPU results must match the CPU's within the
// tolerance of the tensor-core precision used.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MultiVectorIndex, capabilities } from '../dist/index.js';
import { randomDocs, expectCode } from './mvindex_helpers.mjs';

const hasGpu = capabilities().cuda !== false;

test('argument checks come first: device names, device indexes, storage forms', async () => {
  const ix = new MultiVectorIndex({ dim: 8 });
  ix.add([1, 2], randomDocs(1, 2, 8, 1, 4));
  const q = randomDocs(2, 1, 8, 3, 3)[0];
  await expectCode(() => ix.search(q, { device: 'gpu' }), 'ERR_INVALID_ARGUMENT');
  await expectCode(() => ix.searchBatch(q, new Uint32Array([0, 3]), { device: 1 }), 'ERR_INVALID_ARGUMENT');
  await expectCode(() => new MultiVectorIndex({ dim: 8, device: 'tpu' }), 'ERR_INVALID_ARGUMENT');
  await expectCode(() => ix.toDevice({ device: -1 }), 'ERR_INVALID_ARGUMENT');
  await expectCode(() => ix.toDevice({ device: 0.5 }), 'ERR_INVALID_ARGUMENT');
  await expectCode(() => ix.toDevice(null), 'ERR_INVALID_ARGUMENT');
  for (const storage of ['int8', 'binary']) {
    const other = new MultiVectorIndex({ dim: 8, storage });
    other.add([1], randomDocs(3, 1, 8, 2, 2));
    await expectCode(() => other.toDevice(), 'ERR_INVALID_ARGUMENT');
  }
});

test('without a GPU: every GPU request gives ERR_CUDA_UNAVAILABLE and the CPU path is untouched', async () => {
  if (hasGpu) { console.log('  skipped: this machine has a CUDA device'); return; }
  const dim = 12;
  const docs = randomDocs(4, 20, dim, 0, 9);
  const ix = new MultiVectorIndex({ dim, storage: 'f16' });
  ix.add(docs.map((_, i) => i), docs);
  const q = randomDocs(5, 1, dim, 4, 4)[0];
  const cpu = ix.search(q, { k: 5 });
  await expectCode(() => ix.toDevice(), 'ERR_CUDA_UNAVAILABLE');
  await expectCode(() => ix.toDeviceAsync(), 'ERR_CUDA_UNAVAILABLE');
  await expectCode(() => ix.search(q, { device: 'cuda' }), 'ERR_CUDA_UNAVAILABLE');
  await expectCode(() => ix.searchAsync(q, { device: 'cuda' }), 'ERR_CUDA_UNAVAILABLE');
  assert.is(ix.onDevice, false);
  assert.is(ix.deviceBytes, 0);
  ix.releaseDevice();  // a no-op without a copy
  const viaCpu = ix.search(q, { k: 5, device: 'cpu' });
  assert.equal([...viaCpu.ids], [...cpu.ids]);
  // An index whose default device is 'cuda' fails the same way, and 'cpu' per call still works.
  const onGpu = new MultiVectorIndex({ dim, storage: 'f16', device: 'cuda' });
  onGpu.add(docs.map((_, i) => i), docs);
  await expectCode(() => onGpu.search(q), 'ERR_CUDA_UNAVAILABLE');
  assert.equal([...onGpu.search(q, { k: 5, device: 'cpu' }).ids], [...cpu.ids]);
});

test('with a GPU: device search matches the CPU within tensor-core precision; mutations drop the copy', async () => {
  if (!hasGpu) { console.log('  skipped: no CUDA device (capabilities().cuda is false)'); return; }
  const dim = 96;
  const docs = randomDocs(6, 300, dim, 0, 40);
  for (const storage of ['f32', 'f16', 'bf16']) {
    const ix = new MultiVectorIndex({ dim, storage });
    ix.add(docs.map((_, i) => i), docs);
    await ix.toDeviceAsync();
    assert.ok(ix.onDevice && ix.deviceBytes > 0);
    // TF32 keeps 10 mantissa bits of each f32 product input; f16 / bf16 inputs are exact.
    const tol = storage === 'f32' ? 2e-3 : 1e-4;
    for (let qi = 0; qi < 5; qi++) {
      const q = randomDocs(100 + qi, 1, dim, 8 + qi, 8 + qi)[0];
      const cpu = ix.search(q, { k: 300 });
      const gpu = ix.search(q, { k: 300, device: 'cuda' });
      const cpuScore = new Map([...cpu.ids].map((id, i) => [id, cpu.scores[i]]));
      assert.is(gpu.ids.length, cpu.ids.length);
      gpu.ids.forEach((id, i) => {
        const want = cpuScore.get(id);
        assert.ok(Math.abs(gpu.scores[i] - want) <= tol * (8 + qi) + 1e-6 || (want === -Infinity && gpu.scores[i] === -Infinity), `${storage} doc ${id}: ${gpu.scores[i]} vs ${want}`);
      });
      const filtered = ix.search(q, { k: 5, device: 'cuda', filter: { deny: [...cpu.ids].slice(0, 5) } });
      assert.ok([...filtered.ids].every((id) => ![...cpu.ids].slice(0, 5).includes(id)));
    }
    ix.delete([0]);
    assert.is(ix.onDevice, false);
    await expectCode(() => ix.search(docs[1], { device: 'cuda' }), 'ERR_INVALID_ARGUMENT');
  }
});

test('with a GPU: an f16 copy scores queries past the f16 range, and tiny ones, as scaled copies of one query', async () => {
  if (!hasGpu) { console.log('  skipped: no CUDA device (capabilities().cuda is false)'); return; }
  const dim = 64;
  const docs = randomDocs(21, 120, dim, 1, 30);
  const ix = new MultiVectorIndex({ dim, storage: 'f16' });
  ix.add(docs.map((_, i) => i), docs);
  await ix.toDeviceAsync();
  const q = randomDocs(22, 1, dim, 12, 12)[0];
  const base = ix.search(q, { k: 120, device: 'cuda' });
  // 2^20 puts most values past 65504; 2^-30 puts all of them below f16's smallest normal.
  for (const scale of [2 ** 20, 2 ** -30]) {
    const scaled = q.map((v) => v * scale);
    const gpu = ix.search(scaled, { k: 120, device: 'cuda' });
    assert.equal([...gpu.ids], [...base.ids], `scale ${scale}: same ranking`);
    gpu.scores.forEach((s, i) => assert.is(s, Math.fround(base.scores[i] * scale), `scale ${scale} rank ${i}`));
    const cpu = ix.search(scaled, { k: 120 });
    const cpuScore = new Map([...cpu.ids].map((id, i) => [id, cpu.scores[i]]));
    gpu.ids.forEach((id, i) => {
      const want = cpuScore.get(id);
      assert.ok(Math.abs(gpu.scores[i] - want) <= 2e-3 * 12 * scale * 4, `scale ${scale} doc ${id}: ${gpu.scores[i]} vs ${want}`);
    });
  }
  ix.releaseDevice();
});

test.run();
