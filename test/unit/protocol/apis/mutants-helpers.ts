/**
 * Shared by the *-mutants tests: a RequestContext for calling an API module's handle() directly, over a real
 * Broker or a stand-in engine (only the methods the module calls), with its log lines collected.
 */
import type { Broker } from '../../../../src/broker/broker';
import type { RequestContext } from '../../../../src/protocol/apis/api';

export interface Ctx extends RequestContext {
  /** Every line logged, as "<level> <message>". */
  logs: string[];
  /** Runs the callbacks registered with onClose (the connection closes). */
  closeConnection(): void;
}

export function ctxOf(broker: Partial<Broker>, apiVersion: number, nodeId = 1): Ctx {
  const logs: string[] = [];
  const closers: (() => void)[] = [];
  return {
    broker: broker as Broker,
    cluster: { nodeId, host: '127.0.0.1', port: 9092, clusterId: 'test-cluster' },
    apiVersion,
    clientId: 'mutants-test',
    clientHost: '127.0.0.1',
    connectionId: 1,
    logs,
    log: (level, message) => logs.push(`${level} ${message}`),
    onClose: (cb) => {
      closers.push(cb);
      return () => {
        const i = closers.indexOf(cb);
        if (i >= 0) closers.splice(i, 1);
      };
    },
    closeConnection: () => closers.splice(0).forEach((cb) => cb()),
  };
}
