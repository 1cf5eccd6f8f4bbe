/**
 * The embedded Schema Registry in one call, for `kafka-lite serve` and the extension host: open the registry on
 * the broker's `_schemas` topic (replaying it) and serve it over HTTP on 127.0.0.1:<port> (0 = a free port).
 * `close()` stops the HTTP server and waits for the registry's writes in flight; the broker stays open (the caller
 * closes it afterwards).
 */
import type { Broker } from '../broker/broker';
import { brokerSchemaLog } from '../schema-registry/log';
import type { Logger } from '../schema-registry/registry';
import { SchemaRegistry } from '../schema-registry/registry';
import type { SchemaRegistryServer } from './server';
import { startSchemaRegistryServer } from './server';

export interface EmbeddedSchemaRegistry extends SchemaRegistryServer {
  readonly registry: SchemaRegistry;
}

export async function startEmbeddedSchemaRegistry(
  broker: Broker,
  opts: { port: number; logger?: Logger; maxBodyBytes?: number },
): Promise<EmbeddedSchemaRegistry> {
  const registry = await SchemaRegistry.open(brokerSchemaLog(broker), opts.logger);
  const server = await startSchemaRegistryServer({
    registry,
    port: opts.port,
    logger: opts.logger,
    maxBodyBytes: opts.maxBodyBytes,
  });
  return {
    registry,
    host: server.host,
    port: server.port,
    url: server.url,
    close: async () => {
      await server.close();
      await registry.idle();
    },
  };
}
