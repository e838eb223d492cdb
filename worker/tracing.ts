// OpenTelemetry tracing (docs/tracing.md): one trace per request, from the HTTP request through
// the Temporal workflow start or Update, the workflow task and its activities, to PostgreSQL and
// SMTP. Off unless OTEL_EXPORTER_OTLP_ENDPOINT is set (or a span processor is given): then
// nothing here is loaded into the worker or the client, and @opentelemetry/api stays a no-op.
//
// Where each span comes from:
// - HTTP server spans: @opentelemetry/instrumentation-http (and -express for the route's name);
// - StartWorkflow / StartWorkflowUpdate: Temporal's client interceptor, which also puts the
//   trace context into the call's headers;
// - RunWorkflow, ValidateUpdate, HandleUpdate, StartActivity: the workflow interceptors in the
//   bundle (workflows/tracing-interceptors.ts), exported from the sandbox through a sink;
// - RunActivity: Temporal's activity interceptor;
// - pg.query / pg.connect: @opentelemetry/instrumentation-pg, only inside a trace;
// - smtp.send: activities/email-delivery.ts, inside a trace.
//
// The instrumentations patch prototypes shared by the whole process (http.Server, pg.Client,
// express's Router). The service's modules are ES modules loaded before tracing is known to be
// on, so instead of a loader hook the modules are required once more after the instrumentations
// are enabled: their require hook patches the already loaded (CommonJS) modules in place.

import { createRequire } from 'node:module';
import { context, propagation, trace, type Tracer } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { ExpressInstrumentation, ExpressLayerType } from '@opentelemetry/instrumentation-express';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { defaultResource, resourceFromAttributes, type Resource } from '@opentelemetry/resources';
import { BatchSpanProcessor, type ReadableSpan, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import {
  makeWorkflowExporter,
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
  OpenTelemetryWorkflowClientInterceptor,
} from '@temporalio/interceptors-opentelemetry';
import type { ActivityInterceptorsFactory, InjectedSinks } from '@temporalio/worker';
import type { WorkflowClientInterceptor } from '@temporalio/client';

/** Where finished spans go: a BatchSpanProcessor to OTLP (from the environment), or a test's in-memory exporter. */
export interface TracingOptions {
  /** Absent: batched to OTLP over HTTP at OTEL_EXPORTER_OTLP_ENDPOINT (the exporter adds /v1/traces and reads its headers and timeout from the standard variables). */
  spanProcessor?: SpanProcessor;
  /** service.name on every span (absent: OTEL_SERVICE_NAME, else "work-items"). */
  serviceName?: string;
}

/** What a traced service adds to its Temporal client and worker. */
export interface ServiceTracing {
  tracer: Tracer;
  clientInterceptor: WorkflowClientInterceptor;
  activityInterceptor: ActivityInterceptorsFactory;
  /** The sink the workflow interceptors export their spans through. */
  workflowSinks: InjectedSinks<any>;
  /** Traces the HTTP requests to this port (only traced services' servers get HTTP spans). */
  traceHttpPort(port: number): void;
  /** Exports what is buffered and stops. */
  shutdown(): Promise<void>;
}

const tracedPorts = new Set<number>();
let instrumentations: { http: HttpInstrumentation; express: ExpressInstrumentation; pg: PgInstrumentation } | undefined;

/**
 * Starts tracing for one service. The context manager, the propagator and the instrumentations
 * are process-wide: a second traced service in the process takes them over (its provider gets
 * the HTTP and PostgreSQL spans from then on). An untraced service in the same process gets no
 * spans: its HTTP port is not traced, and PostgreSQL spans need a parent span.
 */
export function startTracing(options: TracingOptions = {}): ServiceTracing {
  const serviceName = options.serviceName ?? process.env.OTEL_SERVICE_NAME ?? 'work-items';
  const resource = defaultResource().merge(resourceFromAttributes({ [ATTR_SERVICE_NAME]: serviceName }));
  const spanProcessor = options.spanProcessor ?? new BatchSpanProcessor(new OTLPTraceExporter());
  const provider = new NodeTracerProvider({ resource, spanProcessors: [spanProcessor] });
  if (!instrumentations) {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    instrumentations = {
      http: new HttpInstrumentation({
        ignoreIncomingRequestHook: (req) => !tracedPorts.has(req.socket.localPort ?? -1),
        requireParentforOutgoingSpans: true,
      }),
      // The route's handler and router only: a span for each middleware (JSON parsing, logging,
      // auth, ...) on every request is noise in the trace and cost in the export.
      express: new ExpressInstrumentation({ ignoreLayersType: [ExpressLayerType.MIDDLEWARE] }),
      pg: new PgInstrumentation({ requireParentSpan: true }),
    };
    registerInstrumentations({ instrumentations: Object.values(instrumentations), tracerProvider: provider });
    // Patch the modules already loaded by the ES module graph (see the file's head).
    const require = createRequire(import.meta.url);
    for (const name of ['http', 'https', 'express', 'pg', 'pg-pool']) require(name);
  }
  for (const instrumentation of Object.values(instrumentations)) instrumentation.setTracerProvider(provider);
  // The global provider: code without a tracer of its own (the SMTP span) finds this one.
  trace.disable();
  trace.setGlobalTracerProvider(provider);

  const tracer = provider.getTracer('work-items');
  const ports: number[] = [];
  return {
    tracer,
    clientInterceptor: new OpenTelemetryWorkflowClientInterceptor({ tracer }),
    activityInterceptor: (ctx) => ({ inbound: new OpenTelemetryActivityInboundInterceptor(ctx, { tracer }), outbound: new OpenTelemetryActivityOutboundInterceptor(ctx) }),
    workflowSinks: { exporter: makeWorkflowExporter(workflowSpanProcessor(spanProcessor, resource) as never, resource as never) },
    traceHttpPort(port) {
      ports.push(port);
      tracedPorts.add(port);
    },
    async shutdown() {
      for (const port of ports) tracedPorts.delete(port);
      await provider.shutdown();
    },
  };
}

const isPrimitive = (value: unknown): boolean => typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';

/**
 * The attributes of a workflow span that OpenTelemetry allows (primitives and arrays of them). The
 * sink adds the whole WorkflowInfo to each span's attributes; its nested objects (memo, search
 * attributes, the parent, ...) would be exported as large nested values, more than half of the
 * exported bytes for a few spans. Its primitives (workflowId, runId, workflowType, taskQueue,
 * namespace, attempt, historyLength, ...) stay.
 */
function allowedAttributes(attributes: ReadableSpan['attributes']): ReadableSpan['attributes'] {
  const kept: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(attributes)) if (isPrimitive(value) || (Array.isArray(value) && value.every(isPrimitive))) kept[key] = value;
  return kept as ReadableSpan['attributes'];
}

/**
 * The workflow interceptors are built on OpenTelemetry's 1.x SDK (their span's parent is
 * `parentSpanId`, its scope `instrumentationLibrary`); this service's exporters are 2.x
 * (`parentSpanContext`, `instrumentationScope`). Each workflow span is given the 2.x fields
 * before it reaches the service's processor; without them it would arrive with no parent.
 */
function workflowSpanProcessor(processor: SpanProcessor, resource: Resource): Pick<SpanProcessor, 'onEnd' | 'onStart' | 'forceFlush' | 'shutdown'> {
  return {
    onStart: () => undefined,
    forceFlush: () => processor.forceFlush(),
    shutdown: () => Promise.resolve(),
    onEnd(span) {
      const v1 = span as ReadableSpan & { parentSpanId?: string; instrumentationLibrary?: ReadableSpan['instrumentationScope'] };
      const own = v1.spanContext();
      processor.onEnd({
        ...v1,
        attributes: allowedAttributes(v1.attributes),
        resource,
        instrumentationScope: v1.instrumentationScope ?? v1.instrumentationLibrary ?? { name: '@temporalio/interceptor-workflow' },
        parentSpanContext: v1.parentSpanContext ?? (v1.parentSpanId ? { traceId: own.traceId, spanId: v1.parentSpanId, traceFlags: own.traceFlags, isRemote: false } : undefined),
      });
    },
  };
}
