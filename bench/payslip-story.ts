// The ticket story the side-by-side cost benches (codec-cost.ts, tracing-cost.ts) send to each
// of their two services: created, noted, waiting and back, noted as the resolution, resolved.
// Every command's latency goes to `latencies`; the story answers the ticket's ref.

/** Sends one request as the agent and answers the JSON (throws on a refusal). */
export type Call = (method: string, path: string, body?: unknown) => Promise<any>;

export async function payslipStory(call: Call, categoryId: string, i: number, latencies: number[]): Promise<string> {
  const timed = async (method: string, path: string, body?: unknown) => {
    const t0 = performance.now();
    const answer = await call(method, path, body);
    latencies.push(performance.now() - t0);
    return answer;
  };
  const { ref } = await timed('POST', '/v1/work-items', {
    kind: 'ticket', title: `Payslip ${i} for Ann Popescu`, description: 'Her March payslip is wrong.', categoryId, primaryContact: 'ann@acme.example', requester: 'ann@acme.example', submit: true,
  });
  await timed('POST', `/v1/work-items/${ref}/notes`, { text: 'Checking the payroll run of March for Ann.' });
  await timed('POST', `/v1/work-items/${ref}/wait`, { type: 'more_info' });
  await timed('POST', `/v1/work-items/${ref}/cancel-wait`, {});
  await timed('POST', `/v1/work-items/${ref}/notes`, { text: 'Corrected: the overtime was missing.', isResolution: true });
  await timed('POST', `/v1/work-items/${ref}/resolve`, { method: 'customer_communication' });
  return ref as string;
}
