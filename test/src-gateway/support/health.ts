// The gateway's health document, as a test reads it over real HTTP.
import type { TestGateway } from '../../helpers/gateway.js';

export async function health(gateway: TestGateway): Promise<Record<string, unknown>> {
  return (await (await fetch(`${gateway.httpUrl}/api/v1/health`)).json()) as Record<string, unknown>;
}
