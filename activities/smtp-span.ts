// A span around one send to the SMTP relay (nodemailer has no OpenTelemetry instrumentation).
// Only inside a trace (the deliverEmail activity's RunActivity span): with tracing off, or
// outside a trace, it is one lookup of the active span.

import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';

export async function inSmtpSpan<T>(relayUrl: string | undefined, send: () => Promise<T>): Promise<T> {
  if (!trace.getActiveSpan()) return send();
  const relay = relayUrl && URL.canParse(relayUrl) ? new URL(relayUrl) : undefined;
  const attributes = relay ? { 'server.address': relay.hostname, 'server.port': Number(relay.port || 25) } : {};
  return trace.getTracer('work-items').startActiveSpan('smtp.send', { kind: SpanKind.CLIENT, attributes }, async (span) => {
    try {
      return await send();
    } catch (error) {
      span.recordException(error as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error)?.message });
      throw error;
    } finally {
      span.end();
    }
  });
}
