/**
 * Group Details panel (browser side): pick a group; its state, generation and members; its lag now per partition
 * (Broker.groupLag); its lag over time as a chart (lag-chart.ts: the total, each partition's line on expand); and
 * the offset resets made to it this session (what each changed), with Reset Offsets… and Open in Stepper. Renders
 * host snapshots; saves the group and the chart's expansion with setState. Messages:
 * src/shared/group-details-messages.ts.
 */
import type {
  GroupDetailsProtocol,
  GroupDetailsSavedState,
  GroupDetailsSnapshot,
} from '../shared/group-details-messages';
import {
  brokerStatus,
  button,
  byId,
  channel,
  checked,
  formatTime,
  h,
  icon,
  setOptions,
  showStatus,
  svg,
  valueOf,
  vscode,
} from './common';
import { drawLagChart, legendItems } from './lag-chart';

const { request, listen } = channel<GroupDetailsProtocol>();

let state: GroupDetailsSavedState = (vscode.getState() as GroupDetailsSavedState | undefined) ?? {
  groupId: '',
  perPartition: false,
};
let snap: GroupDetailsSnapshot | null = null;

const chart = svg('svg', { id: 'lag-chart' });
byId('app').append(
  h('h2', {}, icon('organization'), ' Group details'),
  h(
    'div',
    { class: 'row' },
    h('vscode-single-select', { id: 'group', class: 'grow', title: 'Consumer group' }),
    button('Reset Offsets…', () => void request('resetOffsets'), { id: 'reset', icon: 'history', secondary: true }),
    button('Open in Stepper', () => void request('openStepper'), {
      id: 'stepper',
      icon: 'debug-step-over',
      secondary: true,
    }),
  ),
  h('div', { id: 'status', class: 'status', role: 'status' }),
  h('div', { id: 'summary', class: 'outcome' }),
  h('h3', {}, icon('graph-line'), ' Lag over time'),
  h(
    'div',
    { class: 'row' },
    h('vscode-checkbox', { id: 'per-partition', label: 'per partition', checked: state.perPartition }),
    h('span', { id: 'legend', class: 'legend hint' }),
    h('span', { id: 'interval', class: 'hint' }),
  ),
  h('div', { class: 'diagram-wrap' }, chart),
  h('h3', {}, icon('graph'), ' Lag now'),
  h('table', { id: 'lag', class: 'data' }),
  h('h3', {}, icon('person'), ' Members'),
  h('div', { id: 'members' }),
  h('h3', {}, icon('history'), ' Offset resets this session'),
  h('ul', { id: 'resets', class: 'resets' }),
);

const groupSel = byId('group', 'vscode-single-select');
const perPartitionEl = byId('per-partition', 'vscode-checkbox');

function save(): void {
  vscode.setState(state);
}

function render(s: GroupDetailsSnapshot): void {
  snap = s;
  if (s.groupId) state = { ...state, groupId: s.groupId };
  save();
  brokerStatus(s.brokerRunning);
  setOptions(
    groupSel,
    [
      ...(s.groupId && !s.groups.includes(s.groupId) ? [{ value: s.groupId, label: `${s.groupId} (gone)` }] : []),
      ...(s.groupId ? [] : [{ value: '', label: '(pick a group)' }]),
      ...s.groups.map((g) => ({ value: g, label: g })),
    ],
    s.groupId,
  );
  const g = s.group;
  byId('summary').textContent = s.error
    ? s.error
    : g
      ? `Group "${s.groupId}": total lag ${s.totalLag} · ${g.state} · generation ${g.generationId} · ${g.members.length} member(s).`
      : s.groupId
        ? ''
        : 'Pick a group.';
  byId('summary').className = `outcome${s.error ? ' error' : ''}`;
  byId('summary').dataset.totalLag = String(s.totalLag);
  drawLagChart(chart, s.lagHistory, { perPartition: state.perPartition });
  byId('legend').replaceChildren(
    ...(state.perPartition
      ? legendItems(s.lagHistory).map((l) => h('span', { class: 'legend-item' }, h('span', { class: l.cls }), l.label))
      : []),
  );
  byId('interval').textContent = s.lagHistory
    ? `sampled every ${s.lagHistory.intervalMs / 1000} s while the extension runs (kafkaLite.lagSampling.intervalSeconds)`
    : '';
  byId('lag').replaceChildren(
    h(
      'tr',
      {},
      h('th', {}, 'Topic'),
      h('th', {}, 'Partition'),
      h('th', {}, 'Committed'),
      h('th', {}, 'Log end'),
      h('th', {}, 'Lag'),
    ),
    ...s.lag.map((r) =>
      h(
        'tr',
        { 'data-partition': r.partition },
        h('td', {}, r.topic),
        h('td', { class: 'num' }, String(r.partition)),
        h('td', { class: 'num' }, r.committed < 0 ? 'none' : String(r.committed)),
        h('td', { class: 'num' }, String(r.logEnd)),
        h('td', { class: 'num lag' }, String(r.lag)),
      ),
    ),
  );
  byId('members').replaceChildren(
    ...(g && g.members.length
      ? g.members.map((m) =>
          h(
            'div',
            {},
            h('b', {}, m.clientId || m.memberId),
            ' ',
            h('span', { class: 'hint' }, m.partitions || 'no partitions (idle)'),
          ),
        )
      : [h('span', { class: 'hint' }, 'No active members.')]),
  );
  byId('resets').replaceChildren(
    ...(s.resets.length
      ? s.resets.map((r) =>
          h(
            'li',
            { class: 'reset' },
            h('span', { class: 'hint' }, formatTime(r.at).slice(11, 19)),
            ' ',
            r.summary,
            r.lines.length ? h('div', { class: 'hint' }, r.lines.join(' · ')) : null,
          ),
        )
      : [h('li', { class: 'hint' }, 'No offset reset of this group in this session.')]),
  );
  document.body.dataset.ready = 'true';
}

groupSel.addEventListener('change', () => {
  const groupId = valueOf(groupSel);
  if (!groupId || groupId === snap?.groupId) return;
  void request('select', { groupId }).then((r) => {
    if (r.ok) showStatus('');
  });
});
perPartitionEl.addEventListener('change', () => {
  state = { ...state, perPartition: checked(perPartitionEl) };
  save();
  if (snap) render(snap);
});

listen({ snapshot: (m) => render(m.state) });
void request('ready');
