/**
 * Topic commands: Create Topic… (name validated as you type with Kafka's rule, partitions, optional configs),
 * Delete Topic… (a topic holding records asks for its name to be typed; an empty one a modal Yes/No), Purge Topic (delete records up to the log end, with progress), Compact
 * Topic Now (a compacted topic keeps the latest record per key), Add Partitions…, Topic Configs… (view and edit), Copy Topic Name, Produce Record… (topic, key, value).
 *
 * Each command accepts its inputs as arguments (a tree node or a topic name first) so tests and other commands
 * run it without prompts; missing inputs are asked for. Registered once from extension.ts.
 */
import * as vscode from 'vscode';
import type { CompactionStats, TopicConfigs, TopicInfo } from '../../broker/types';
import { parseCleanupPolicy } from '../../shared/cleanup-policy';
import { topicNameProblem } from '../../shared/topic-name';
import type { BrokerHost } from '../broker-host';
import { deleteTopicConfirmation } from '../model/confirm';
import { formatCompaction, formatCount } from '../model/format';
import type { CommandFailure } from './common';
import { fail, KEEP_OPEN, parseInteger, pickTopic, brokerOrWarn, targetOf } from './common';

/** Configs offered when creating a topic: name, what it means, an example value. */
const COMMON_CONFIGS: { name: string; detail: string; example: string }[] = [
  { name: 'retention.ms', detail: 'How long records are kept (ms); -1 keeps them forever', example: '604800000' },
  {
    name: 'retention.bytes',
    detail: 'Size a partition may reach before old segments are deleted; -1 = no limit',
    example: '-1',
  },
  { name: 'segment.bytes', detail: 'Size at which a new segment file is started', example: '1073741824' },
  { name: 'segment.ms', detail: 'Age at which a new segment file is started (ms)', example: '604800000' },
  { name: 'cleanup.policy', detail: 'delete, compact or compact,delete', example: 'delete' },
  { name: 'max.message.bytes', detail: 'Largest record batch accepted', example: '1048588' },
  { name: 'message.timestamp.type', detail: 'CreateTime or LogAppendTime', example: 'CreateTime' },
];

export interface ProduceArgs {
  topic?: string;
  key?: string | null;
  value?: string;
  partition?: number;
  /** Produce the value this many times (progress shown above 100; cancellable between batches). */
  count?: number;
}

export function registerTopicCommands(
  context: vscode.ExtensionContext,
  host: BrokerHost,
  log: vscode.LogOutputChannel,
): void {
  const reg = (id: string, fn: (...args: never[]) => unknown) =>
    context.subscriptions.push(vscode.commands.registerCommand(id, fn as (...args: unknown[]) => unknown));

  reg(
    'kafkaLite.topic.create',
    async (
      nameArg?: string,
      partitionsArg?: number,
      configsArg?: TopicConfigs,
    ): Promise<TopicInfo | CommandFailure | undefined> => {
      const broker = brokerOrWarn(host);
      if (!broker) return undefined;
      const name =
        typeof nameArg === 'string'
          ? nameArg
          : await vscode.window.showInputBox({
              ...KEEP_OPEN,
              title: 'Kafka Lite: Create Topic (1/3)',
              prompt: 'Topic name: letters, digits, ".", "_" and "-"',
              placeHolder: 'orders',
              validateInput: (v) =>
                topicNameProblem(v) ?? (broker.getTopic(v) ? `Topic "${v}" already exists.` : undefined),
            });
      if (name === undefined) return undefined;
      let partitions = partitionsArg;
      if (partitions === undefined) {
        const text = await vscode.window.showInputBox({
          ...KEEP_OPEN,
          title: 'Kafka Lite: Create Topic (2/3)',
          prompt: 'Number of partitions',
          value: String(broker.defaultPartitions),
          validateInput: (v) =>
            parseInteger(v, 1, 10000) === undefined ? 'A whole number from 1 to 10000.' : undefined,
        });
        if (text === undefined) return undefined;
        partitions = parseInteger(text, 1, 10000);
      }
      let configs = configsArg;
      if (configs === undefined && typeof nameArg !== 'string') {
        const picked = await vscode.window.showQuickPick(
          COMMON_CONFIGS.map((c) => ({ label: c.name, detail: c.detail, example: c.example })),
          {
            ...KEEP_OPEN,
            title: 'Kafka Lite: Create Topic (3/3)',
            placeHolder: 'Configs to set (optional; press Enter for defaults)',
            canPickMany: true,
          },
        );
        if (picked === undefined) return undefined;
        configs = {};
        for (const c of picked) {
          const value = await vscode.window.showInputBox({
            ...KEEP_OPEN,
            title: `Kafka Lite: ${c.label}`,
            prompt: c.detail,
            value: c.example,
          });
          if (value === undefined) return undefined;
          configs[c.label] = value;
        }
      }
      try {
        const info = await broker.createTopic(name, partitions, configs);
        void vscode.window.setStatusBarMessage(`$(check) Topic ${info.name} created`, 3000);
        return info;
      } catch (e) {
        return fail(log, `Could not create topic "${name}"`, e);
      }
    },
  );

  reg(
    'kafkaLite.topic.delete',
    async (arg?: unknown, opts?: { confirm?: boolean }): Promise<boolean | CommandFailure | undefined> => {
      const broker = brokerOrWarn(host);
      if (!broker) return undefined;
      const topic = targetOf(arg, 'topic').topic ?? (await pickTopic(broker, 'Topic to delete'));
      if (!topic) return undefined;
      if (opts?.confirm !== false) {
        let records = 0;
        try {
          for (const p of broker.partitions(topic)) records += p.logEndOffset - p.logStartOffset;
        } catch {
          records = 0; // an unknown topic: deleteTopic below says so
        }
        const c = deleteTopicConfirmation(topic, records);
        if (c.kind === 'modal') {
          const ok = await vscode.window.showWarningMessage(c.message, { modal: true, detail: c.detail }, 'Delete');
          if (ok !== 'Delete') return false;
        } else {
          const typed = await vscode.window.showInputBox({
            ...KEEP_OPEN,
            title: `Kafka Lite: Delete Topic "${topic}"`,
            prompt: c.prompt,
            placeHolder: c.placeHolder,
            validateInput: c.validate,
          });
          if (typed !== topic) return false;
        }
      }
      try {
        await broker.deleteTopic(topic);
        return true;
      } catch (e) {
        return fail(log, `Could not delete topic "${topic}"`, e);
      }
    },
  );

  reg(
    'kafkaLite.topic.purge',
    async (arg?: unknown, opts?: { confirm?: boolean }): Promise<number | CommandFailure | undefined> => {
      const broker = brokerOrWarn(host);
      if (!broker) return undefined;
      const topic = targetOf(arg, 'topic').topic ?? (await pickTopic(broker, 'Topic to purge'));
      if (!topic) return undefined;
      if (opts?.confirm !== false) {
        const ok = await vscode.window.showWarningMessage(
          `Purge topic "${topic}"?`,
          {
            modal: true,
            detail:
              'Every record up to the log end is deleted (the log start offset moves to the log end). Offsets keep counting from there.',
          },
          'Purge',
        );
        if (ok !== 'Purge') return undefined;
      }
      try {
        return await vscode.window.withProgress(
          { location: vscode.ProgressLocation.Notification, title: `Purging ${topic}`, cancellable: true },
          async (progress, token) => {
            const parts = broker.partitions(topic);
            let deleted = 0;
            for (const p of parts) {
              if (token.isCancellationRequested) break; // each partition is purged whole, so stopping between them is safe
              deleted += p.logEndOffset - p.logStartOffset;
              broker.deleteRecords(topic, p.partition, -1);
              progress.report({ increment: 100 / parts.length, message: `partition ${p.partition}` });
              await new Promise((r) => setImmediate(r));
            }
            log.info(`Purged ${formatCount(deleted)} record(s) from ${topic}.`);
            return deleted;
          },
        );
      } catch (e) {
        return fail(log, `Could not purge topic "${topic}"`, e);
      }
    },
  );

  reg('kafkaLite.topic.compact', async (arg?: unknown): Promise<CompactionStats[] | CommandFailure | undefined> => {
    const broker = brokerOrWarn(host);
    if (!broker) return undefined;
    const topic =
      targetOf(arg, 'topic').topic ?? (await pickTopic(broker, 'Topic to compact (cleanup.policy=compact)'));
    if (!topic) return undefined;
    try {
      const stats = await broker.compactTopic(topic);
      const text = `${formatCompaction(topic, stats)}; offsets unchanged.`;
      log.info(text);
      void vscode.window.setStatusBarMessage(`$(check) ${text}`, 5000);
      return stats;
    } catch (e) {
      return fail(log, `Could not compact topic "${topic}"`, e);
    }
  });

  reg(
    'kafkaLite.topic.addPartitions',
    async (arg?: unknown, totalArg?: number): Promise<number | CommandFailure | undefined> => {
      const broker = brokerOrWarn(host);
      if (!broker) return undefined;
      const topic = targetOf(arg, 'topic').topic ?? (await pickTopic(broker, 'Topic to add partitions to'));
      if (!topic) return undefined;
      const current = broker.getTopic(topic)?.partitions ?? 0;
      let total = totalArg;
      if (total === undefined) {
        const text = await vscode.window.showInputBox({
          ...KEEP_OPEN,
          title: `Kafka Lite: Add Partitions to ${topic}`,
          prompt: `New total number of partitions (now ${current}; partitions can only be added)`,
          value: String(current + 1),
          validateInput: (v) =>
            parseInteger(v, current + 1, 10000) === undefined ? `A whole number above ${current}.` : undefined,
        });
        if (text === undefined) return undefined;
        total = parseInteger(text, current + 1, 10000);
      }
      try {
        await broker.createPartitions(topic, total as number);
        return total;
      } catch (e) {
        return fail(log, `Could not add partitions to "${topic}"`, e);
      }
    },
  );

  reg('kafkaLite.topic.copyName', async (arg?: unknown) => {
    const topic = targetOf(arg, 'topic').topic;
    if (topic) await vscode.env.clipboard.writeText(topic);
    return topic;
  });

  reg('kafkaLite.topic.configs', async (arg?: unknown): Promise<void | CommandFailure> => {
    const broker = brokerOrWarn(host);
    if (!broker) return;
    const topic = targetOf(arg, 'topic').topic ?? (await pickTopic(broker, 'Topic whose configs to show'));
    if (!topic) return;
    try {
      const entries = broker.describeTopicConfigs(topic);
      const picked = await vscode.window.showQuickPick(
        entries.map((c) => ({
          label: c.name,
          description: c.sensitive ? '(sensitive)' : (c.value ?? 'null'),
          detail: c.isDefault ? 'default' : 'set on this topic',
          entry: c,
        })),
        { ...KEEP_OPEN, title: `Kafka Lite: configs of ${topic}`, placeHolder: 'Pick a config to change it' },
      );
      if (!picked || picked.entry.readOnly) return;
      const value = await vscode.window.showInputBox({
        ...KEEP_OPEN,
        title: `${topic}: ${picked.label}`,
        value: picked.entry.value ?? '',
      });
      if (value === undefined) return;
      await broker.alterTopicConfigs(topic, { [picked.label]: value });
      void vscode.window.setStatusBarMessage(`$(check) ${topic}: ${picked.label} = ${value}`, 3000);
    } catch (e) {
      return fail(log, `Could not change configs of "${topic}"`, e);
    }
  });

  reg(
    'kafkaLite.record.produce',
    async (
      arg?: unknown,
    ): Promise<{ partition: number; baseOffset: number; count: number } | CommandFailure | undefined> => {
      const broker = brokerOrWarn(host);
      if (!broker) return undefined;
      const args: ProduceArgs =
        typeof arg === 'object' && arg !== null && 'value' in arg
          ? (arg as ProduceArgs)
          : { topic: targetOf(arg, 'topic').topic };
      const topic =
        args.topic ??
        (await pickTopicOrNew(
          broker
            .listTopics()
            .map((t) => t.name)
            .sort(),
        ));
      if (!topic) return undefined;
      let key = args.key;
      // A compacted topic refuses keyless records; say so in the words of the form, not of the wire batch.
      const compacted = parseCleanupPolicy(broker.getTopic(topic)?.configs['cleanup.policy']).compact;
      const needsKey = `Topic "${topic}" is compacted (cleanup.policy=compact): every record needs a key, because compaction keeps the latest record of each key.`;
      if (key === undefined && args.value === undefined) {
        const k = await vscode.window.showInputBox({
          ...KEEP_OPEN,
          title: `Kafka Lite: Produce to ${topic} (1/2)`,
          prompt: compacted ? 'Key (required: the topic is compacted)' : 'Key (leave empty for no key)',
          validateInput: (v) => (compacted && v === '' ? needsKey : undefined),
        });
        if (k === undefined) return undefined;
        key = k === '' ? null : k;
      }
      let value = args.value;
      if (value === undefined) {
        value = await vscode.window.showInputBox({
          ...KEEP_OPEN,
          title: `Kafka Lite: Produce to ${topic} (2/2)`,
          prompt: 'Value',
        });
        if (value === undefined) return undefined;
      }
      if (compacted && (key === undefined || key === null))
        return fail(log, `Could not produce to "${topic}"`, new Error(needsKey));
      const count = Math.max(1, Math.floor(args.count ?? 1));
      const record = { key: key ?? null, value };
      try {
        const produceAll = async (token?: vscode.CancellationToken, report?: (n: number) => void) => {
          let first: { partition: number; baseOffset: number } | undefined;
          let done = 0;
          while (done < count && !token?.isCancellationRequested) {
            const n = Math.min(500, count - done);
            const r = await broker.produce(
              topic,
              Array.from({ length: n }, () => record),
              { partition: args.partition },
            );
            first ??= { partition: r.partition, baseOffset: r.baseOffset };
            done += n;
            report?.(n);
            if (done < count) await new Promise((res) => setImmediate(res));
          }
          return { ...(first ?? { partition: -1, baseOffset: -1 }), count: done };
        };
        const result =
          count > 100
            ? await vscode.window.withProgress(
                {
                  location: vscode.ProgressLocation.Notification,
                  title: `Producing ${formatCount(count)} records to ${topic}`,
                  cancellable: true,
                },
                (progress, token) => produceAll(token, (n) => progress.report({ increment: (100 * n) / count })),
              )
            : await produceAll();
        void vscode.window.setStatusBarMessage(
          `$(check) Produced ${result.count === 1 ? 'a record' : `${formatCount(result.count)} records`} to ${topic}[${result.partition}] at offset ${formatCount(result.baseOffset)}`,
          5000,
        );
        return result;
      } catch (e) {
        return fail(log, `Could not produce to "${topic}"`, e);
      }
    },
  );
}

/** A quick pick of existing topics that also accepts a typed new name (validated), for Produce Record. */
function pickTopicOrNew(topics: string[]): Promise<string | undefined> {
  return new Promise((resolve) => {
    const qp = vscode.window.createQuickPick();
    qp.ignoreFocusOut = KEEP_OPEN.ignoreFocusOut;
    qp.title = 'Kafka Lite: Produce Record';
    qp.placeholder = 'Topic (pick one, or type a new name)';
    const base: vscode.QuickPickItem[] = topics.map((t) => ({ label: t }));
    qp.items = base;
    qp.onDidChangeValue((v) => {
      if (!v || topics.includes(v)) {
        qp.items = base;
        return;
      }
      const problem = topicNameProblem(v);
      const typed = problem
        ? { label: `$(error) ${v}`, description: problem, alwaysShow: true }
        : { label: v, description: 'new topic (created on first record)', alwaysShow: true };
      qp.items = [...base, typed];
    });
    let done = false;
    qp.onDidAccept(() => {
      const label = qp.selectedItems[0]?.label;
      if (!label || label.startsWith('$(error)')) return;
      done = true;
      qp.hide();
      resolve(label);
    });
    qp.onDidHide(() => {
      qp.dispose();
      if (!done) resolve(undefined);
    });
    qp.show();
  });
}
