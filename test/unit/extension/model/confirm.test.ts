import * as assert from 'assert';
import {
  deleteTopicConfirmation,
  resetDone,
  resetPreview,
  resetPreviewLines,
} from '../../../../src/extension/model/confirm';
import type { Fixture } from '../panels/helpers';
import { openBroker } from '../panels/helpers';

describe('confirmations of the destructive commands', () => {
  it('Delete Topic asks for the name to be typed when the topic holds records, and accepts only that name', () => {
    const c = deleteTopicConfirmation('orders', 1200);
    assert.strictEqual(c.kind, 'type-name');
    if (c.kind !== 'type-name') return;
    assert.match(c.prompt, /"orders" holds 1,200 record\(s\)/);
    assert.match(c.validate('order') ?? '', /Type "orders" exactly/);
    assert.strictEqual(c.validate(''), undefined, 'nothing typed yet: the prompt stays visible');
    assert.strictEqual(c.validate('orders'), undefined);
  });

  it('Delete Topic of an empty topic is a plain Yes/No', () => {
    const c = deleteTopicConfirmation('scratch', 0);
    assert.strictEqual(c.kind, 'modal');
    assert.match(c.kind === 'modal' ? c.detail : '', /holds no records/);
  });

  it('the reset preview lists each partition as committed → new, and the result names what changed', () => {
    const rows = [
      { topic: 'orders', partition: 1, current: 9, next: 9 },
      { topic: 'orders', partition: 0, current: 12, next: 0 },
      { topic: 'audit', partition: 0, current: -1, next: 4 },
    ];
    assert.deepStrictEqual(resetPreviewLines(rows), [
      'audit [0]: none → 4',
      'orders [0]: 12 → 0 (12 back)',
      'orders [1]: 9 → 9 (unchanged)',
    ]);
    const q = resetPreview('billing', 'the earliest offsets (log start)', rows);
    assert.strictEqual(q.message, 'Reset the offsets of group "billing" to the earliest offsets (log start)?');
    assert.match(q.detail, /^2 of 3 partition\(s\) change/);
    assert.strictEqual(
      resetDone('billing', rows),
      'Offsets of group "billing" reset, 2 partition(s) changed: audit [0]: none → 4; orders [0]: 12 → 0 (12 back).',
    );
  });

  describe('the engine dry run behind the preview', () => {
    let fx: Fixture;
    beforeEach(async () => {
      fx = await openBroker();
      await fx.broker.createTopic('orders', 2);
      await fx.broker.produce('orders', [{ value: 'a' }, { value: 'b' }, { value: 'c' }], { partition: 0 });
      await fx.broker.commitOffsets('billing', '', -1, [{ topic: 'orders', partition: 0, offset: 3, metadata: null }]);
    });
    afterEach(async () => fx.close());

    it('a dry-run reset returns the new offsets and commits nothing', async () => {
      const events: unknown[] = [];
      fx.broker.on('offsetsCommitted', (e) => events.push(e));
      const planned = await fx.broker.resetOffsets('billing', null, null, { kind: 'earliest' }, { dryRun: true });
      assert.deepStrictEqual(
        planned.map((e) => [e.topic, e.partition, e.offset]),
        [['orders', 0, 0]],
      );
      assert.strictEqual(fx.broker.fetchOffsets('billing', null)[0].offset, 3, 'the committed offset did not move');
      assert.strictEqual(events.length, 0, 'no commit event');
      const applied = await fx.broker.resetOffsets('billing', null, null, { kind: 'earliest' });
      assert.deepStrictEqual(applied, planned, 'the real reset does what the preview said');
      assert.strictEqual(fx.broker.fetchOffsets('billing', null)[0].offset, 0);
    });
  });
});
