// The OpenTelemetry workflow interceptors (Temporal's @temporalio/interceptors-opentelemetry): a
// span for the run (RunWorkflow), each Update's validator and handler (ValidateUpdate,
// HandleUpdate), each signal, each activity and child it starts (StartActivity,
// StartChildWorkflow), each one a child of the span whose context came in the call's headers.
// Their spans leave the sandbox through the `exporter` sink (worker/tracing.ts), which is not
// called during a replay.
//
// The run's activities are scheduled by its main loop (item-run.ts `settle()`), whose span is
// the run's own: left alone, every store of an item would join the trace of the request that
// created it, and RunWorkflow ends only when the item does. `LatestCause` makes the latest Update
// or signal the run handled the parent of what the run starts next (its stores, emails, children,
// notices), so that a command's trace holds the store and the email it caused.
//
// In the bundle only when tracing is on (worker/create-worker.ts, `bundleWorkItemWorkflows`
// with `tracing: true`); the run guard (workflows/interceptors.ts) is always there. Nothing here
// changes a command the workflow makes: only the trace headers of the activities it schedules.

import { context, type Context } from '@opentelemetry/api';
import type {
  ActivityInput,
  Next,
  SignalInput,
  SignalWorkflowInput,
  StartChildWorkflowExecutionInput,
  UpdateInput,
  WorkflowInboundCallsInterceptor,
  WorkflowInterceptorsFactory,
  WorkflowOutboundCallsInterceptor,
} from '@temporalio/workflow';
import { OpenTelemetryInboundInterceptor, OpenTelemetryInternalsInterceptor, OpenTelemetryOutboundInterceptor } from '@temporalio/interceptors-opentelemetry/lib/workflow/index.js';
import { TRACING_MARKER } from './tracing-marker.js';

/** Remembers the trace context of the latest Update or signal handled; what the run starts next runs in it. */
class LatestCause {
  private latest: Context | undefined;

  /** Inside OpenTelemetry's inbound interceptor: the active context is the HandleUpdate / HandleSignal span's. */
  readonly inbound: WorkflowInboundCallsInterceptor = {
    handleUpdate: (input: UpdateInput, next: Next<WorkflowInboundCallsInterceptor, 'handleUpdate'>) => {
      this.latest = context.active();
      return next(input);
    },
    handleSignal: (input: SignalInput, next: Next<WorkflowInboundCallsInterceptor, 'handleSignal'>) => {
      this.latest = context.active();
      return next(input);
    },
  };

  /** Outside OpenTelemetry's outbound interceptor: its StartActivity (...) span starts in the latest cause's context. */
  readonly outbound: WorkflowOutboundCallsInterceptor = {
    scheduleActivity: (input: ActivityInput, next: Next<WorkflowOutboundCallsInterceptor, 'scheduleActivity'>) => this.within(() => next(input)),
    startChildWorkflowExecution: (input: StartChildWorkflowExecutionInput, next: Next<WorkflowOutboundCallsInterceptor, 'startChildWorkflowExecution'>) => this.within(() => next(input)),
    signalWorkflow: (input: SignalWorkflowInput, next: Next<WorkflowOutboundCallsInterceptor, 'signalWorkflow'>) => this.within(() => next(input)),
  };

  private within<T>(fn: () => T): T {
    return this.latest ? context.with(this.latest, fn) : fn();
  }
}

export const interceptors: WorkflowInterceptorsFactory = () => {
  const cause = new LatestCause();
  return {
    // The first of each list is the outermost.
    inbound: [new OpenTelemetryInboundInterceptor(), cause.inbound],
    outbound: [cause.outbound, new OpenTelemetryOutboundInterceptor()],
    internals: [Object.assign(new OpenTelemetryInternalsInterceptor(), { marker: TRACING_MARKER })],
  };
};
