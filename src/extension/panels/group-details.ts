/**
 * The vscode glue of lag over time and the Group Details panel: starts the session's LagSampler (interval from
 * the kafkaLite.lagSampling.intervalSeconds setting, followed live), keeps the session's ResetHistory, and
 * registers the Group Details panel (a PanelSlot of GroupDetailsController, restored after a reload) with its
 * command, Show Group Details (palette: picks a group; tree: a group row's context menu). Called by
 * registerGroupCommands (src/extension/commands/groups.ts), which hands the sampler on to the consumer stepper.
 */
import * as vscode from 'vscode';
import type { BrokerHost } from '../broker-host';
import { GROUP_DETAILS_VIEW_TYPE, parseGroupDetailsSavedState } from '../../shared/group-details-messages';
import { pickGroup, targetOf } from '../commands/common';
import { DEFAULT_LAG_INTERVAL_MS, LagSampler } from '../model/lag-sampler';
import { ResetHistory } from '../model/reset-history';
import { GroupDetailsController } from './group-details-controller';
import { PanelSlot } from './panel-slot';

export const SHOW_GROUP_DETAILS = 'kafkaLite.group.showDetails';

export interface LagServices {
  sampler: LagSampler;
  resets: ResetHistory;
  /** Open (or reveal) the Group Details panel on a group. */
  showDetails(groupId: string): void;
}

function intervalSetting(): number {
  const s = vscode.workspace.getConfiguration('kafkaLite').get<number>('lagSampling.intervalSeconds', 5);
  return Number.isFinite(s) && s >= 1 && s <= 3600 ? s * 1000 : DEFAULT_LAG_INTERVAL_MS;
}

export function registerLagServices(
  context: vscode.ExtensionContext,
  host: BrokerHost,
  log: vscode.LogOutputChannel,
): LagServices {
  const sampler = new LagSampler({ getBroker: () => host.broker, intervalMs: intervalSetting() });
  const resets = new ResetHistory();
  sampler.start();
  const details: PanelSlot<GroupDetailsController> = new PanelSlot(context, host, log, {
    viewType: GROUP_DETAILS_VIEW_TYPE,
    title: 'Kafka Lite: Group Details',
    script: 'group-details-panel',
    create: (post, saved) =>
      new GroupDetailsController({
        getBroker: () => host.broker,
        post,
        sampler,
        resets,
        log: (level, line) => log[level](line),
        groupId: parseGroupDetailsSavedState(saved)?.groupId,
        resetOffsets: (groupId) =>
          Promise.resolve(vscode.commands.executeCommand('kafkaLite.group.resetOffsets', groupId)),
        openStepper: (groupId) => void vscode.commands.executeCommand('kafkaLite.panels.openStepper', { groupId }),
      }),
  });
  const showDetails = (groupId: string) => details.show((c) => c.show(groupId));
  context.subscriptions.push(
    { dispose: () => sampler.stop() },
    details,
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('kafkaLite.lagSampling.intervalSeconds')) sampler.setIntervalMs(intervalSetting());
    }),
    vscode.commands.registerCommand(SHOW_GROUP_DETAILS, async (arg?: unknown) => {
      let groupId = targetOf(arg, 'groupId').groupId;
      if (!groupId) {
        const b = host.broker;
        if (!b) {
          void vscode.window.showWarningMessage('The Kafka Lite broker is not running.');
          return undefined;
        }
        groupId = await pickGroup(b, 'Show the details of which group?');
        if (!groupId) return undefined;
      }
      showDetails(groupId);
      return groupId;
    }),
  );
  return { sampler, resets, showDetails };
}
