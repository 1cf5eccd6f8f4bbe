import * as assert from 'assert';
import { panelTarget } from '../../../../src/extension/panels/args';

describe('panel command arguments', () => {
  it('reads topic, partition and group from a tree node object', () => {
    assert.deepStrictEqual(panelTarget([{ kind: 'partition', topic: 'orders', partition: 2, label: 'x' }]), {
      topic: 'orders',
      partition: 2,
    });
    assert.deepStrictEqual(panelTarget([{ kind: 'group', groupId: 'billing' }]), { groupId: 'billing' });
  });

  it('reads plain arguments: topic, then a partition number or a group id, then an offset', () => {
    assert.deepStrictEqual(panelTarget(['orders', 1, 40]), { topic: 'orders', partition: 1, offset: 40 });
    assert.deepStrictEqual(panelTarget(['orders', 'billing']), { topic: 'orders', groupId: 'billing' });
  });

  it('ignores what is not a usable value (palette: no arguments; negative or fractional numbers)', () => {
    assert.deepStrictEqual(panelTarget([]), {});
    assert.deepStrictEqual(panelTarget([{ topic: '', partition: -1 }]), {});
    assert.deepStrictEqual(panelTarget(['orders', 1.5]), { topic: 'orders' });
  });
});
