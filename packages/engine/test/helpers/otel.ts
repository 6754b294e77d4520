import { context, propagation, trace } from '@opentelemetry/api';

/** After a file that registered the OpenTelemetry API's globals: flush the SDK, unregister them all. */
export async function unregisterOtel(provider: { shutdown(): Promise<void> }, contextManager: { disable(): unknown }): Promise<void> {
  await provider.shutdown();
  contextManager.disable();
  trace.disable();
  context.disable();
  propagation.disable();
}
