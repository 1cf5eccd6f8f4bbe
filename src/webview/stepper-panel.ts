/**
 * Consumer stepper (browser side): topic and group pickers, the consumers of the panel with Poll / Commit /
 * Crash / Leave, the assignment diagram (SVG: partitions left, members right, arrows for ownership, idle members
 * drawn idle; after a rebalance the partitions that moved are highlighted with their previous owner), what moved
 * and a short timeline of the group (joined, rebalance started, generation N, moved, session expired, committed),
 * the group's isolation level (a read_committed member's stop at the last stable offset is marked on the
 * partition's bar and row), its lag over time (lag-chart.ts; per partition on expand), per-partition offsets as
 * bars, commit history and the other groups reading the topic. Renders host snapshots; saves topic, group, poll
 * size and the chart's expansion with setState. A header line says where the panel works (this window's broker or
 * a remote cluster, with a cloud); the remote cluster's name is saved too, so a panel restored after a reload says
 * where it was instead of working on this window's broker. Messages: src/shared/stepper-messages.ts.
 */
import type {
  LocalConsumerView,
  PartitionView,
  StepperIsolationLevel,
  StepperProtocol,
  StepperSavedState,
  StepperSnapshot,
} from '../shared/stepper-messages';
import {
  brokerStatus,
  button,
  checked,
  byId,
  channel,
  formatTime,
  h,
  icon,
  setOptions,
  setValue,
  showStatus,
  svg,
  valueOf,
  vscode,
} from './common';
import { drawLagChart, legendItems } from './lag-chart';

const { request, listen } = channel<StepperProtocol>();

const saved = vscode.getState() as StepperSavedState | undefined;
let state: StepperSavedState = saved ?? { topic: '', groupId: '', pollMax: 5 };
let snap: StepperSnapshot | null = null;
let snapAt = Date.now();
/** The topic picker was changed and Use not pressed yet. */
let topicPicked = false;
/** Per-partition lines of the lag chart (the webview's own choice, kept across reloads). */
let perPartition = (vscode.getState() as { perPartition?: boolean } | undefined)?.perPartition === true;

const diagram = svg('svg', { id: 'diagram', class: 'diagram', role: 'img' });
const lagChart = svg('svg', { id: 'lag-chart' });
const app = byId('app');
app.append(
  h('h2', {}, icon('debug-step-over'), ' Consumer stepper'),
  h('div', { id: 'panel-source', class: 'hint', 'data-testid': 'panel-source' }),
  h(
    'div',
    { class: 'row' },
    h('vscode-single-select', { id: 'topic', class: 'grow', title: 'Topic' }),
    h('vscode-textfield', { id: 'group', placeholder: 'group id (existing or new)', class: 'grow' }),
    button('Use', () => void select(), { id: 'select', icon: 'check' }),
    h(
      'vscode-single-select',
      { id: 'isolation', title: "Isolation level of this group's consumers in the panel" },
      h('vscode-option', { value: 'read_uncommitted', selected: true }, 'read_uncommitted'),
      h('vscode-option', { value: 'read_committed' }, 'read_committed'),
    ),
    h('span', { class: 'hint' }, 'Poll size'),
    h('vscode-textfield', { id: 'poll-max', class: 'narrow', value: String(state.pollMax) }),
    button('Add consumer', () => void request('addConsumer'), { id: 'add-consumer', icon: 'add' }),
  ),
  h('div', { id: 'status', class: 'status', role: 'status' }),
  h('div', { id: 'caption', class: 'outcome' }),
  h('div', { id: 'group-line', class: 'hint' }),
  h('div', { class: 'diagram-wrap' }, diagram),
  h('div', { id: 'moves', class: 'moves' }),
  h('h3', {}, icon('list-ordered'), ' Timeline'),
  h('ol', { id: 'timeline', class: 'timeline' }),
  h('h3', {}, icon('graph-line'), ' Lag over time'),
  h(
    'div',
    { class: 'row' },
    h('vscode-checkbox', { id: 'lag-per-partition', label: 'per partition', checked: perPartition }),
    h('span', { id: 'lag-legend', class: 'legend hint' }),
  ),
  h('div', { class: 'diagram-wrap' }, lagChart),
  h('h3', {}, icon('person'), ' Consumers'),
  h('div', { id: 'consumers', class: 'consumers' }),
  h('h3', {}, icon('graph'), ' Partitions'),
  h('table', { id: 'partitions', class: 'data' }),
  h('h3', {}, icon('history'), ' Commit history'),
  h('div', { id: 'history' }),
  h('h3', {}, icon('organization'), ' Other groups on this topic'),
  h('div', { id: 'others' }),
);

const topicSel = byId('topic', 'vscode-single-select');
const groupEl = byId('group', 'vscode-textfield');
const pollEl = byId('poll-max', 'vscode-textfield');
const isolationSel = byId('isolation', 'vscode-single-select');
const perPartitionEl = byId('lag-per-partition', 'vscode-checkbox');
setValue(groupEl, state.groupId);

function save(): void {
  vscode.setState({ ...state, perPartition });
}

function pollMax(): number {
  const n = Number(valueOf(pollEl).trim());
  return Number.isInteger(n) && n >= 1 && n <= 500 ? n : 5;
}

async function select(): Promise<void> {
  const topic = valueOf(topicSel);
  const groupId = valueOf(groupEl).trim();
  if (!topic) return showStatus('Pick a topic.', 'error');
  if (!groupId) return showStatus("Type a group id: an existing group (e.g. your app's) or a new one.", 'error');
  state = { topic, groupId, pollMax: pollMax() };
  save();
  topicPicked = false;
  const r = await request('select', { topic, groupId });
  if (r.ok) showStatus('');
}

function consumerCard(c: LocalConsumerView, shownGroup: string, severalGroups: boolean): HTMLElement {
  const live = c.state !== 'left' && c.state !== 'crashed';
  const act = (t: 'commit' | 'crash' | 'leave' | 'remove') => () => void request(t, { consumer: c.name });
  const poll = () => void request('poll', { consumer: c.name, max: pollMax() });
  const badge = h(
    'vscode-badge',
    { class: `state ${c.state}` },
    c.state === 'stable' && c.partitions.length === 0 ? 'idle' : c.state,
  );
  const countdown = h('span', { class: 'countdown hint', 'data-expires': c.sessionExpiresAt ?? '' });
  const polled = h(
    'table',
    { class: 'data polled' },
    ...c.lastPoll.map((r) =>
      h(
        'tr',
        { class: r.redelivered ? 'redelivered' : '' },
        h('td', { class: 'num' }, `p${r.partition}`),
        h('td', { class: 'num offset' }, String(r.offset)),
        h('td', { class: 'key' }, r.key ?? 'null'),
        h('td', { class: 'value' }, r.value ?? 'null'),
        h(
          'td',
          {},
          r.redelivered
            ? h(
                'span',
                { class: 'tag redelivered-tag', title: 'delivered before: read again from the last committed offset' },
                icon('history'),
                ' redelivered',
              )
            : '',
        ),
      ),
    ),
  );
  const other = c.groupId !== shownGroup;
  return h(
    'div',
    { class: `consumer ${c.state}${other ? ' other-group' : ''}`, 'data-name': c.name, 'data-group': c.groupId },
    h(
      'div',
      { class: 'row' },
      h('b', {}, c.name),
      badge,
      c.isLeader ? h('span', { class: 'tag' }, 'leader') : null,
      severalGroups || other
        ? h(
            'span',
            {
              class: 'tag group-tag',
              title: other
                ? 'a member of another group: pick that group to see its assignment'
                : 'the group shown below',
            },
            icon('organization'),
            ` ${c.groupId}`,
          )
        : null,
      h(
        'span',
        { class: 'hint' },
        c.partitions.length
          ? `partitions ${c.partitions.join(', ')}`
          : c.state === 'stable'
            ? 'no partitions (idle)'
            : '',
      ),
      h('span', { class: 'hint' }, c.positions.map((p) => `p${p.partition}@${p.position}`).join('  ')),
      countdown,
    ),
    h(
      'div',
      { class: 'row' },
      button('Poll', poll, {
        icon: 'arrow-down',
        disabled: !live,
        title: 'Read the next records from its partitions',
      }),
      button('Commit', act('commit'), { icon: 'save', secondary: true, disabled: !live }),
      button('Crash', act('crash'), {
        icon: 'debug-disconnect',
        secondary: true,
        disabled: !live,
        title: 'Stop without committing or leaving',
      }),
      button('Leave', act('leave'), { icon: 'sign-out', secondary: true, disabled: !live }),
      button('Remove', act('remove'), { icon: 'close', secondary: true }),
    ),
    c.note ? h('div', { class: 'hint error' }, c.note) : null,
    c.lastPoll.length ? polled : null,
  );
}

function bar(p: PartitionView): HTMLElement {
  const span = Math.max(1, p.logEndOffset - p.logStartOffset);
  const pct = (o: number) => `${(100 * Math.min(Math.max(o - p.logStartOffset, 0), span)) / span}%`;
  const track = h('div', {
    class: 'bar',
    title: `log start ${p.logStartOffset}, committed ${p.committed}, position ${p.position ?? '–'}, last stable ${p.lastStableOffset}, log end ${p.logEndOffset}`,
  });
  const done = h('div', { class: 'bar-committed' });
  done.style.width = pct(p.committed >= 0 ? p.committed : p.logStartOffset);
  track.append(done);
  if (p.lastStableOffset < p.logEndOffset) {
    const lso = h('div', {
      class: 'bar-lso',
      title: `last stable offset ${p.lastStableOffset}: a transaction is open from here`,
    });
    lso.style.left = pct(p.lastStableOffset);
    lso.style.width = `calc(100% - ${pct(p.lastStableOffset)})`;
    track.append(lso);
  }
  if (p.position !== null) {
    const pos = h('div', { class: 'bar-position' });
    pos.style.left = pct(p.position);
    track.append(pos);
  }
  return track;
}

function drawDiagram(s: StepperSnapshot): void {
  const el = diagram;
  const parts = s.partitions;
  const members = s.group?.members ?? [];
  const rowH = 34;
  const height = Math.max(parts.length, members.length, 1) * rowH + 20;
  const width = 560;
  el.setAttribute('viewBox', `0 0 ${width} ${height}`);
  el.setAttribute('height', String(height));
  el.replaceChildren();
  el.append(
    svg(
      'defs',
      {},
      svg(
        'marker',
        {
          id: 'arrow',
          viewBox: '0 0 10 10',
          refX: 9,
          refY: 5,
          markerWidth: 7,
          markerHeight: 7,
          orient: 'auto-start-reverse',
        },
        svg('path', { d: 'M 0 0 L 10 5 L 0 10 z', class: 'arrow-head' }),
      ),
      svg(
        'marker',
        {
          id: 'arrow-moved',
          viewBox: '0 0 10 10',
          refX: 9,
          refY: 5,
          markerWidth: 7,
          markerHeight: 7,
          orient: 'auto-start-reverse',
        },
        svg('path', { d: 'M 0 0 L 10 5 L 0 10 z', class: 'arrow-head moved' }),
      ),
    ),
  );
  const py = (i: number, n: number) => 10 + i * rowH + (height - 20 - n * rowH) / 2 + rowH / 2;
  const moved = new Map(s.moves.filter((m) => m.to !== null).map((m) => [m.partition, m]));
  members.forEach((m, j) => {
    const y = py(j, members.length);
    for (const p of m.partitions) {
      const i = parts.findIndex((x) => x.partition === p);
      if (i < 0) continue;
      el.append(
        svg('path', {
          d: `M 170 ${py(i, parts.length)} C 260 ${py(i, parts.length)}, 290 ${y}, 378 ${y}`,
          class: moved.has(p) ? 'edge moved' : 'edge',
          'marker-end': moved.has(p) ? 'url(#arrow-moved)' : 'url(#arrow)',
          'data-partition': p,
        }),
      );
    }
  });
  parts.forEach((p, i) => {
    const y = py(i, parts.length);
    const mv = moved.get(p.partition);
    el.append(
      svg(
        'g',
        {
          class: `node partition${mv ? ' moved' : ''}${p.waitingAtLso ? ' at-lso' : ''}`,
          'data-partition': p.partition,
        },
        svg('rect', { x: 10, y: y - 13, width: 160, height: 26, rx: 4 }),
        svg(
          'text',
          { x: 20, y: y + 4 },
          `partition ${p.partition}  lag ${p.lag}${p.lastStableOffset < p.logEndOffset ? `  LSO ${p.lastStableOffset}` : ''}`,
        ),
      ),
    );
    if (mv)
      el.append(
        svg(
          'text',
          { x: 176, y: y - 4, class: 'move-label', 'data-partition': p.partition },
          mv.from === null ? 'newly assigned' : `was ${mv.from.length > 16 ? `${mv.from.slice(0, 15)}…` : mv.from}`,
        ),
      );
  });
  members.forEach((m, j) => {
    const y = py(j, members.length);
    const idle = m.partitions.length === 0;
    const label = `${m.local ?? m.clientId}${idle ? ' (idle)' : ''}`;
    el.append(
      svg(
        'g',
        {
          class: `node member${idle ? ' idle' : ''}${m.local ? '' : ' external'}`,
          'data-member': m.local ?? m.memberId,
        },
        svg('rect', { x: 380, y: y - 13, width: 170, height: 26, rx: 13 }),
        svg('text', { x: 392, y: y + 4 }, label.length > 24 ? `${label.slice(0, 23)}…` : label),
      ),
    );
  });
  if (members.length === 0) el.append(svg('text', { x: 380, y: height / 2 + 4, class: 'hint-text' }, 'no members'));
}

function render(s: StepperSnapshot): void {
  snap = s;
  snapAt = Date.now();
  // A topic picked but not yet applied with Use stays picked (snapshots arrive on every lag sample too).
  if (s.topic && !topicPicked) state = { ...state, topic: s.topic, groupId: s.groupId };
  if (s.remote) state.remote = s.where;
  else delete state.remote;
  save();
  byId('panel-source').replaceChildren(
    icon(s.remote ? 'cloud' : 'vm', s.remote ? 'a remote cluster' : "this window's broker"),
    ` Working on: ${s.where}`,
  );
  byId('panel-source').dataset.remote = String(s.remote);
  for (const id of ['select', 'add-consumer'])
    (byId(id) as HTMLElement & { disabled?: boolean }).disabled = s.detached !== null;
  setOptions(
    topicSel,
    [
      { value: '', label: '(pick a topic)' },
      ...s.topics.map((t) => ({ value: t.name, label: `${t.name} (${t.partitions})` })),
    ],
    state.topic,
  );
  if (document.activeElement !== groupEl && s.groupId) setValue(groupEl, s.groupId);
  brokerStatus(s.brokerRunning);
  if (s.error) showStatus(s.error, 'error');
  byId('caption').textContent = s.caption ?? '';
  const g = s.group;
  byId('group-line').textContent = s.groupId
    ? g
      ? `Group "${s.groupId}": ${g.state}, generation ${g.generationId >= 0 ? g.generationId : 'unknown'}, ${g.members.length} member(s).`
      : `Group "${s.groupId}" has no live members yet.`
    : 'Pick a topic and a group, then add consumers.';
  byId('group-line').dataset.generation = String(g?.generationId ?? -1);
  drawDiagram(s);
  if (valueOf(isolationSel) !== s.isolationLevel) setValue(isolationSel, s.isolationLevel);
  byId('moves').replaceChildren(
    ...(s.moves.length
      ? [
          h('b', {}, 'Last rebalance moved: '),
          ...s.moves.map((m) =>
            h(
              'span',
              { class: 'move', 'data-partition': m.partition },
              m.from === null
                ? `partition ${m.partition} → ${m.to} (newly assigned)`
                : m.to === null
                  ? `partition ${m.partition}: ${m.from} → nobody (revoked)`
                  : `partition ${m.partition}: ${m.from} → ${m.to}`,
            ),
          ),
        ]
      : []),
  );
  byId('timeline').replaceChildren(
    ...(s.timeline.length
      ? [...s.timeline]
          .reverse()
          .map((e) =>
            h(
              'li',
              { class: `event ${e.kind}`, 'data-kind': e.kind },
              h('span', { class: 'hint time' }, formatTime(e.at).slice(11, 19)),
              ' ',
              e.text,
            ),
          )
      : [h('li', { class: 'hint' }, 'Nothing has happened to this group since the panel showed it.')]),
  );
  drawLagChart(lagChart, s.lagHistory, { perPartition });
  byId('lag-legend').replaceChildren(
    ...(perPartition
      ? legendItems(s.lagHistory).map((l) => h('span', { class: 'legend-item' }, h('span', { class: l.cls }), l.label))
      : []),
  );
  const severalGroups = new Set(s.consumers.map((c) => c.groupId)).size > 1;
  byId('consumers').replaceChildren(...s.consumers.map((c) => consumerCard(c, s.groupId, severalGroups)));
  byId('partitions').replaceChildren(
    h(
      'tr',
      {},
      h('th', {}, 'Partition'),
      h('th', {}, 'Owner'),
      h('th', {}, 'Log start'),
      h('th', {}, 'Position'),
      h('th', {}, 'Committed'),
      h('th', { title: 'Last stable offset: below it no transaction is open' }, 'LSO'),
      h('th', {}, 'Log end'),
      h('th', {}, 'Lag'),
      h('th', { class: 'barcol' }, ''),
    ),
    ...s.partitions.map((p) =>
      h(
        'tr',
        { 'data-partition': p.partition, class: p.waitingAtLso ? 'at-lso' : '' },
        h('td', { class: 'num' }, String(p.partition)),
        h('td', {}, p.owner ?? '–'),
        h('td', { class: 'num' }, String(p.logStartOffset)),
        h('td', { class: 'num' }, p.position === null ? '–' : String(p.position)),
        h('td', { class: 'num committed' }, p.committed < 0 ? 'none' : String(p.committed)),
        h(
          'td',
          { class: 'num lso' },
          String(p.lastStableOffset),
          p.waitingAtLso
            ? h(
                'span',
                {
                  class: 'tag lso-tag',
                  title: 'its read_committed owner waits here until the open transaction commits or aborts',
                },
                icon('debug-pause'),
                ' waiting at LSO',
              )
            : '',
        ),
        h('td', { class: 'num' }, String(p.logEndOffset)),
        h('td', { class: 'num lag' }, String(p.lag)),
        h('td', { class: 'barcol' }, bar(p)),
      ),
    ),
  );
  byId('history').replaceChildren(
    ...s.partitions
      .filter((p) => p.history.length)
      .map((p) =>
        h(
          'div',
          { class: 'history' },
          h('b', {}, `partition ${p.partition}: `),
          ...p.history.map((e) =>
            h(
              'span',
              { class: 'hist', title: `generation ${e.generationId}, member ${e.memberId || '(none)'}` },
              `${e.offset} by ${e.by} at ${formatTime(e.timestamp).slice(11)}`,
            ),
          ),
        ),
      ),
  );
  if (!s.partitions.some((p) => p.history.length))
    byId('history').append(h('span', { class: 'hint' }, 'No commits yet.'));
  byId('others').replaceChildren(
    ...(s.otherGroups.length
      ? s.otherGroups.map((o) =>
          h(
            'div',
            {},
            h('b', {}, o.groupId),
            ` (${o.state}) `,
            o.positions.map((p) => `p${p.partition}: committed ${p.committed}, lag ${p.lag}`).join('; ') ||
              'no commits on this topic',
          ),
        )
      : [h('span', { class: 'hint' }, 'No other group reads this topic.')]),
  );
  tick();
  document.body.dataset.ready = 'true';
}

/** Countdown for crashed members: the broker drops them when their session times out. */
function tick(): void {
  if (!snap) return;
  const now = snap.now + (Date.now() - snapAt);
  for (const el of Array.from(document.querySelectorAll<HTMLElement>('.countdown'))) {
    const exp = Number(el.dataset.expires || 0);
    el.textContent = exp
      ? exp > now
        ? `waiting for session timeout: ${Math.ceil((exp - now) / 1000)} s`
        : 'session expired; the group is rebalancing…'
      : '';
  }
}
setInterval(tick, 500);

topicSel.addEventListener('change', () => {
  state.topic = valueOf(topicSel);
  topicPicked = state.topic !== snap?.topic;
  save();
});
isolationSel.addEventListener('change', () => {
  const level = valueOf(isolationSel) as StepperIsolationLevel;
  if (snap && level && level !== snap.isolationLevel) void request('isolation', { level });
});
perPartitionEl.addEventListener('change', () => {
  perPartition = checked(perPartitionEl);
  save();
  if (snap) render(snap);
});
pollEl.addEventListener('input', () => {
  state.pollMax = pollMax();
  save();
});
groupEl.addEventListener('keydown', (e) => {
  if ((e as KeyboardEvent).key === 'Enter') void select();
});

listen({ snapshot: (m) => render(m.state) });
void request('ready');
