/**
 * The node shape of the sidebar views added beside Topics and Consumer Groups (Transactions, Schema Registry):
 * plain objects — label, description, tooltip, icon, contextValue, a stable id, the parent — that
 * views/node-tree-provider.ts maps to TreeItems one to one. vscode-free, like tree-model.ts.
 */
import type { IconSpec } from './tree-model';

export interface SideNode {
  kind: string;
  id: string;
  label: string;
  description?: string;
  tooltip?: string;
  icon?: IconSpec;
  /** What package.json menus match (`viewItem == …`). */
  contextValue: string;
  collapsible: boolean;
  parent?: SideNode;
  command?: { command: string; title: string; arguments?: unknown[] };
}

export interface SideMessageNode extends SideNode {
  kind: 'message';
}

export function sideMessage(id: string, label: string, opts: Partial<SideNode> = {}): SideMessageNode {
  return { id, label, contextValue: 'message', collapsible: false, ...opts, kind: 'message' };
}

export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
