// R46: the items a bounded caller reaches, as SQL shared by the lists and the simulator's reads.

export interface Reach {
  id: string;
  queues: string[];
}

/** R46: the items a bounded caller reaches, as a condition on `work_items` (aliased `w`); params `$queues`, `$id`. */
export function reachSql(queues: string, id: string): string {
  return `(w.queue = ANY(${queues}) OR w.assignee = ${id}
    OR (w.kind = 'action' AND EXISTS (SELECT 1 FROM work_items c WHERE c.ref = w.parent_ref AND c.kind = 'case' AND c.assignee = ${id})))`;
}
