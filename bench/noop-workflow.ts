// The benchmark's baseline: a workflow that does nothing but answer an Update, so a bare
// Update round trip can be timed beside a real command.

import { condition, defineUpdate, setHandler } from '@temporalio/workflow';

export const ping = defineUpdate<number, [number]>('ping');
export const finish = defineUpdate<void, []>('finish');

export async function noop(): Promise<void> {
  let done = false;
  setHandler(ping, (n) => n, { validator: (n) => void (n < 0 && (() => { throw new Error('negative'); })()) });
  setHandler(finish, () => void (done = true));
  await condition(() => done);
}
