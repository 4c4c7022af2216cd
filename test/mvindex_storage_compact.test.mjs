// int8 and binary storage on SciFact-GloVe against exact f32 (bounds: mvindex_storage_shared.mjs).
import { test } from 'uvu';
import { storageTests } from './mvindex_storage_shared.mjs';

storageTests(['int8', 'binary']);
test.run();
