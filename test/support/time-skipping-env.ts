// Time-skipping Temporal test environment for workflow tests. Uses the provisioned
// Java test server (.tools/bin/temporal-test-server) when present, else lets the SDK download one.
import type { DataConverter } from '@temporalio/common';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { testServerPath } from '../../scripts/tool-paths.js';

/** `dataConverter`: the environment's own client's (R48: the payload codec of the worker it tests). */
export async function createTimeSkippingEnv(dataConverter?: DataConverter): Promise<TestWorkflowEnvironment> {
  const path = testServerPath();
  const client = dataConverter ? { client: { dataConverter } } : {};
  if (!path) return TestWorkflowEnvironment.createTimeSkipping(client);
  return TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path } }, ...client });
}
