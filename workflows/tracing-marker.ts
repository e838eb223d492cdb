/** Found in a workflow bundle that includes the OpenTelemetry interceptors (workflows/tracing-interceptors.ts); worker/create-worker.ts checks a prebuilt bundle for it when tracing is on. */
export const TRACING_MARKER = 'work-items:tracing-interceptors:v1';
