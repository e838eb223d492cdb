// The workflows this worker runs (the bundle entry point).
export { workItem } from './work-item.js';
export { scheduledCase } from './scheduled-case.js';
export { webhookDispatcher } from './webhook-dispatcher.js';
