import * as assert from 'assert';
import { ClientLog } from '../../../../src/extension/model/log-lines';

describe('output log lines for clients and groups', () => {
  it('a client connection is one info line; its end is a debug line with the client id and how long it lasted', () => {
    let now = 1_000;
    const log = new ClientLog(() => now);
    const lines = [log.connected({ id: 1, remote: '127.0.0.1:50001' })];
    now += 2_340;
    lines.push(log.disconnected({ id: 1, remote: '127.0.0.1:50001', clientId: 'orders-app' }));
    assert.deepStrictEqual(
      lines.filter((l) => l.level === 'info').map((l) => l.text),
      ['Client connected from 127.0.0.1:50001.'],
      'one line at the default level',
    );
    assert.deepStrictEqual(lines[1], {
      level: 'debug',
      text: 'Client "orders-app" from 127.0.0.1:50001 disconnected after 2.3 s.',
    });
  });

  it('a group state is logged once, until it changes; a group made again after Dead is logged again', () => {
    const log = new ClientLog(() => 0);
    const seen = [
      { groupId: 'g', state: 'PreparingRebalance', generationId: 0, members: 1 },
      { groupId: 'g', state: 'Stable', generationId: 1, members: 1 },
      { groupId: 'g', state: 'Stable', generationId: 1, members: 1 },
      { groupId: 'h', state: 'Stable', generationId: 1, members: 1 },
      { groupId: 'g', state: 'Dead', generationId: 0, members: 0 },
      { groupId: 'g', state: 'Empty', generationId: 0, members: 0 },
      { groupId: 'g', state: 'Empty', generationId: 0, members: 0 },
    ].map((e) => log.group(e)?.text ?? null);
    assert.deepStrictEqual(seen, [
      'Group g: PreparingRebalance, generation 0, 1 member(s).',
      'Group g: Stable, generation 1, 1 member(s).',
      null,
      'Group h: Stable, generation 1, 1 member(s).',
      'Group g: Dead, generation 0, 0 member(s).',
      'Group g: Empty, generation 0, 0 member(s).',
      null,
    ]);
  });
});
