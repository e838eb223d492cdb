// Says which order a query-across-* test's run took (the server hands worker B the waiting Query
// and the workflow task in either order), for its output.

export function describeFirst(first: unknown): string {
  if (!(first instanceof Error)) return 'order: the workflow task came first; the Query was answered after it';
  if (/went past its history/.test(first.message)) return 'order: the Query came first, from a history past the last task; the run guard refused it (the run was dropped)';
  return `order: the Query got no answer in time (${first.message.slice(0, 80)})`;
}
