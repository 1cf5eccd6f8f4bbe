/**
 * Listening with a fallback: if the configured port is taken (EADDRINUSE), try the next ports, up to +20, and
 * tell the caller which port was used and which were busy. Port 0 means "any free port" and is tried once.
 * Pure (the listen function is injected), so the rule is unit-tested without sockets.
 */

export const PORT_FALLBACK_ATTEMPTS = 20;

export interface ListenOutcome<T> {
  server: T;
  /** The port asked for. */
  requestedPort: number;
  /** Ports found busy before one worked. */
  busyPorts: number[];
}

export function isAddressInUse(e: unknown): boolean {
  const err = e as NodeJS.ErrnoException | undefined;
  return err?.code === 'EADDRINUSE' || /EADDRINUSE/.test(String(err?.message ?? ''));
}

export async function listenWithFallback<T>(
  requestedPort: number,
  listen: (port: number) => Promise<T>,
  attempts = PORT_FALLBACK_ATTEMPTS,
): Promise<ListenOutcome<T>> {
  const busyPorts: number[] = [];
  const last = requestedPort === 0 ? 0 : Math.min(65535, requestedPort + attempts);
  for (let port = requestedPort; port <= last; port++) {
    try {
      return { server: await listen(port), requestedPort, busyPorts };
    } catch (e) {
      if (!isAddressInUse(e) || requestedPort === 0) throw e;
      busyPorts.push(port);
    }
  }
  throw new Error(`ports ${requestedPort}..${last} are all in use; set kafkaLite.port to a free port (or 0 for any)`);
}
