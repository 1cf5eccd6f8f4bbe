/**
 * Which address the broker may listen on, and which address another window may connect to.
 *
 * Contract: a loopback host (127.0.0.0/8, ::1, localhost) is always allowed. A non-loopback `kafkaLite.host`
 * exposes every topic to the network without authentication, so it is honoured only from the user's own
 * settings (user or remote-machine settings.json, VS Code's "global" value), never from a workspace or folder
 * `.vscode/settings.json` that arrived with a cloned repository; such a value is ignored (loopback is used) and
 * named in the returned `ignored` message. package.json declares the setting machine-scoped, so VS Code itself
 * already drops workspace values; this is the same rule enforced where the value is used.
 * Pure (no vscode): settings.ts passes in what `WorkspaceConfiguration.inspect('host')` returned.
 */
export const DEFAULT_HOST = '127.0.0.1';

export function isLoopbackHost(host: string): boolean {
  const h = host.trim().toLowerCase();
  return h === 'localhost' || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h) || /^::ffff:127(\.\d{1,3}){3}$/.test(h);
}

/** The shape of vscode's WorkspaceConfiguration.inspect() result that matters here. */
export interface InspectedSetting<T> {
  defaultValue?: T;
  globalValue?: T;
  workspaceValue?: T;
  workspaceFolderValue?: T;
}

export function listenHostFrom(inspected: InspectedSetting<string> | undefined): {
  host: string;
  ignored?: string;
} {
  const clean = (v: unknown) => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);
  const user = clean(inspected?.globalValue);
  const fromUser = user ?? DEFAULT_HOST;
  for (const [where, v] of [
    ['the folder settings', clean(inspected?.workspaceFolderValue)],
    ['the workspace settings', clean(inspected?.workspaceValue)],
  ] as const) {
    if (v === undefined) continue;
    if (isLoopbackHost(v)) return { host: v };
    return {
      host: fromUser,
      ignored:
        `kafkaLite.host "${v}" in ${where} is ignored: a non-loopback address exposes your topics to the ` +
        `network and is honoured only from your user settings. Listening on ${fromUser}.`,
    };
  }
  return { host: fromUser };
}
