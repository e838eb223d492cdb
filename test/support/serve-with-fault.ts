// `npm run serve` (scripts/serve.ts) with one fault built in, for tests that need a real process
// to die at an exact point. Production code has no fault hooks; this entry adds them through the
// service's ordinary options:
//
//   node --import tsx test/support/serve-with-fault.ts kill-after-store
//     SIGKILL as soon as a `recordChanges` activity has stored an item's changes, before Temporal
//     hears that it completed (an activity interceptor);
//   node --import tsx test/support/serve-with-fault.ts kill-after-smtp-accept
//     SIGKILL 100 ms after the SMTP listener answered 250 for a stored message, which it leaves
//     untaken (the listener's onMessageAccepted).
//
// The environment is the one scripts/serve.ts reads. Import only its `Fault` type: importing this
// module runs the service.

import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import { serve } from '../../scripts/serve.js';

const FAULTS = ['kill-after-store', 'kill-after-smtp-accept'] as const;
export type Fault = (typeof FAULTS)[number];

const die = () => process.kill(process.pid, 'SIGKILL');

/** Dies once `activityType` has returned (its result is never reported to Temporal). */
function killAfterActivity(activityType: string): ActivityInterceptorsFactory {
  return (ctx) => ({
    inbound: {
      async execute(input, next) {
        const result = await next(input);
        if (ctx.info.activityType === activityType) die();
        return result;
      },
    },
  });
}

const fault = process.argv[2] as Fault;
if (!FAULTS.includes(fault)) {
  console.error(`usage: serve-with-fault.ts <${FAULTS.join('|')}> (got ${process.argv[2] ?? 'nothing'})`);
  process.exit(2);
}

await serve((options) => {
  switch (fault) {
    case 'kill-after-store':
      return { ...options, activityInterceptors: [...(options.activityInterceptors ?? []), killAfterActivity('recordChanges')] };
    case 'kill-after-smtp-accept':
      if (!options.smtp) throw new Error('kill-after-smtp-accept needs the SMTP listener: set SMTP_PORT');
      return {
        ...options,
        smtp: {
          ...options.smtp,
          onMessageAccepted: () => {
            setTimeout(die, 100); // after the 250 has gone out
            return 'leave';
          },
        },
      };
  }
});
