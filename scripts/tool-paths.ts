// Where the locally provisioned binaries live (see scripts/provision.sh).
// `undefined` means "not provisioned": callers then let the Temporal SDK download its own copy,
// or (Mailpit) run without it.
import { accessSync, constants } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot: string = dirname(dirname(fileURLToPath(import.meta.url)));

function provisioned(envVar: string, relPath: string): string | undefined {
  const fromEnv = process.env[envVar];
  if (fromEnv) return fromEnv;
  const path = join(repoRoot, relPath);
  try {
    accessSync(path, constants.X_OK);
    return path;
  } catch {
    return undefined;
  }
}

/** Temporal CLI (dev server): TEMPORAL_CLI_PATH, else `.tools/bin/temporal`. */
export function temporalCliPath(): string | undefined {
  return provisioned('TEMPORAL_CLI_PATH', '.tools/bin/temporal');
}

/** Time-skipping test server wrapper: TEMPORAL_TEST_SERVER_PATH, else `.tools/bin/temporal-test-server`. */
export function testServerPath(): string | undefined {
  return provisioned('TEMPORAL_TEST_SERVER_PATH', '.tools/bin/temporal-test-server');
}

/** Mailpit (the mail catcher of `npm start`): MAILPIT_PATH, else `.tools/bin/mailpit`. */
export function mailpitPath(): string | undefined {
  return provisioned('MAILPIT_PATH', '.tools/bin/mailpit');
}
