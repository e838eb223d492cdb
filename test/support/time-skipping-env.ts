// Time-skipping Temporal test environment for workflow tests. Uses the provisioned
// Java test server (.tools/bin/temporal-test-server) when present, else lets the SDK download one.
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { testServerPath } from '../../scripts/tool-paths.js';

export async function createTimeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  const path = testServerPath();
  if (!path) return TestWorkflowEnvironment.createTimeSkipping();
  return TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path } } });
}
