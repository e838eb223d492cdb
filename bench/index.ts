// `npm run bench`: every benchmark, each printing its figures beside a baseline measured in the
// same process. STORIES and CONCURRENCY size the ticket-story run, CASES the case run, EMAILS and
// EMAIL_CONCURRENCY the email-channel run, CODEC_STORIES and CODEC_CONCURRENCY the codec's cost,
// SIM_SMALL and SIM_LARGE the SLA simulation's two sizes.

import { benchCalendar } from './calendar.js';
import { runCaseStories } from './case-stories.js';
import { runCodecCost } from './codec-cost.js';
import { runEmailChannel } from './email-channel.js';
import { runSlaSimulation } from './sla-simulation.js';
import { runTicketStories } from './ticket-stories.js';
import { runTracingCost } from './tracing-cost.js';

console.log('Business calendar arithmetic (R36)');
for (const line of await benchCalendar()) console.log(`  ${line}`);
await runTicketStories();
await runCaseStories();
await runEmailChannel();
await runCodecCost();
await runTracingCost();
await runSlaSimulation();
await (await import('./change-feed.js')).runChangeFeed();
