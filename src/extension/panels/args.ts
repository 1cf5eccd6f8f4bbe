/**
 * Arguments of the panel commands. A command runs from the tree (it receives the tree node: an object with
 * topic / partition / groupId fields), from the palette (no arguments) or from tests and other code (plain
 * values: topic, partition, groupId). This normalises all three; pure, no vscode.
 */
export interface PanelTarget {
  topic?: string;
  partition?: number;
  groupId?: string;
  offset?: number;
}

export function panelTarget(args: unknown[]): PanelTarget {
  const [a, b, c] = args;
  if (typeof a === 'object' && a !== null && !Array.isArray(a)) {
    const o = a as Record<string, unknown>;
    const t: PanelTarget = {};
    if (typeof o.topic === 'string' && o.topic !== '') t.topic = o.topic;
    if (typeof o.partition === 'number' && Number.isInteger(o.partition) && o.partition >= 0) t.partition = o.partition;
    if (typeof o.groupId === 'string' && o.groupId !== '') t.groupId = o.groupId;
    if (typeof o.offset === 'number' && Number.isInteger(o.offset) && o.offset >= 0) t.offset = o.offset;
    return t;
  }
  const t: PanelTarget = {};
  if (typeof a === 'string' && a !== '') t.topic = a;
  if (typeof b === 'number' && Number.isInteger(b) && b >= 0) t.partition = b;
  else if (typeof b === 'string' && b !== '') t.groupId = b;
  if (typeof c === 'number' && Number.isInteger(c) && c >= 0) t.offset = c;
  return t;
}
