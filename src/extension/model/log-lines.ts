/**
 * What the Kafka Lite output channel says about clients and groups, as plain rules (no vscode): one line at the
 * default (info) level per client connection, when it opens; its end, with the client id and how long it lasted,
 * only at debug level (a client that reconnects often would otherwise fill the log); and one line per group state,
 * written only when the state, generation or member count differs from the last line for that group (the group
 * coordinator reports some transitions more than once). Used by src/extension/broker-host.ts.
 */

export interface LogLine {
  level: 'debug' | 'info';
  text: string;
}

export interface ConnectionInfo {
  id: number;
  remote: string;
  clientId?: string;
}

export interface GroupStateInfo {
  groupId: string;
  state: string;
  generationId: number;
  members: number;
}

export class ClientLog {
  private readonly opened = new Map<number, number>();
  private readonly lastGroup = new Map<string, string>();

  constructor(private readonly now: () => number = Date.now) {}

  connected(c: ConnectionInfo): LogLine {
    this.opened.set(c.id, this.now());
    return { level: 'info', text: `Client connected from ${c.remote}.` };
  }

  disconnected(c: ConnectionInfo): LogLine {
    const since = this.opened.get(c.id);
    this.opened.delete(c.id);
    const who = c.clientId ? `"${c.clientId}" ` : '';
    const lasted = since === undefined ? '' : ` after ${formatDuration(this.now() - since)}`;
    return { level: 'debug', text: `Client ${who}from ${c.remote} disconnected${lasted}.` };
  }

  /** The line for a group's new state, or undefined when it says nothing the last line did not. */
  group(g: GroupStateInfo): LogLine | undefined {
    const text = `Group ${g.groupId}: ${g.state}, generation ${g.generationId}, ${g.members} member(s).`;
    if (this.lastGroup.get(g.groupId) === text) return undefined;
    this.lastGroup.set(g.groupId, text);
    if (g.state === 'Dead') this.lastGroup.delete(g.groupId); // a group made again later starts afresh
    return { level: 'info', text };
  }
}

function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const m = Math.floor(ms / 60_000);
  return `${m} min ${Math.round((ms % 60_000) / 1000)} s`;
}
