// The worker's cache size from WORKFLOW_CACHE_SIZE (docs/operating.md, "Memory and the workflow cache").
import { expect, test } from 'vitest';
import { workflowCacheSize } from '../../worker/create-worker.js';

test('WORKFLOW_CACHE_SIZE: unset or empty keeps the SDK default; a whole number of 2 or more is taken', () => {
  expect(workflowCacheSize({})).toBeUndefined();
  expect(workflowCacheSize({ WORKFLOW_CACHE_SIZE: '' })).toBeUndefined();
  expect(workflowCacheSize({ WORKFLOW_CACHE_SIZE: '1000' })).toBe(1000);
});

test('WORKFLOW_CACHE_SIZE: anything else stops the start with a sentence naming the variable', () => {
  for (const bad of ['1', '0', '-5', '2.5', 'lots']) expect(() => workflowCacheSize({ WORKFLOW_CACHE_SIZE: bad })).toThrow(/WORKFLOW_CACHE_SIZE must be a whole number of items, 2 or more/);
});
