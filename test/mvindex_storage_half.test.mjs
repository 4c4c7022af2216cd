// f16 and bf16 storage on SciFact-GloVe against exact f32 (bounds: mvindex_storage_shared.mjs).
import { test } from 'uvu';
import { storageTests } from './mvindex_storage_shared.mjs';

storageTests(['f16', 'bf16']);
test.run();
