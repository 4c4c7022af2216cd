// PLAID candidates on SciFact-GloVe: recall@10 against exact search, updates, tune() held out.
import { test } from 'uvu';
import { checkStrategyOnRealData } from './candidates_real_shared.mjs';

test('plaid on SciFact-GloVe: recall@10 >= 0.95 at some setting, after adds and deletes; tune() holds on held-out queries', () => {
  checkStrategyOnRealData('plaid', { candidates: 'plaid', plaid: { centroids: 1024 } }, { ncells: 4, ndocs: 2048, centroidScoreThreshold: 0.4 });
});

test.run();
