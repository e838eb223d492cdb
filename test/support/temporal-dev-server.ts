// Starts a throwaway Temporal dev server (Temporal CLI, in-memory SQLite, no UI) for integration
// tests. Uses the provisioned CLI (.tools/bin/temporal) when present, else lets the SDK download one.
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { temporalCliPath } from '../../scripts/tool-paths.js';

export interface DevServer {
  /** host:port of the frontend gRPC endpoint */
  address: string;
  /** Web UI URL; undefined because the UI is not started for tests */
  uiUrl?: string;
  stop(): Promise<void>;
}

export async function startDevServer(): Promise<DevServer> {
  const path = temporalCliPath();
  let env: TestWorkflowEnvironment;
  try {
    env = await TestWorkflowEnvironment.createLocal({
      server: {
        executable: path ? { type: 'existing-path', path } : undefined,
        extraArgs: ['--sqlite-pragma', 'journal_mode=WAL', '--sqlite-pragma', 'synchronous=OFF'],
      },
    });
  } catch (err) {
    const how = path ? `using ${path}` : 'downloading the Temporal CLI (no .tools/bin/temporal; run npm run provision)';
    throw new Error(`could not start the Temporal dev server ${how}: ${(err as Error).message}`, { cause: err });
  }
  return { address: env.address, stop: () => env.teardown() };
}
