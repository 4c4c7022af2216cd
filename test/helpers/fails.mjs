// The synchronous bad-input check the error tests share: fn must throw a MaxsimError with this
// code, and its message must mention `mentions` (the argument's name, say) when given.
import * as assert from 'uvu/assert';
import { MaxsimError } from '../../dist/index.js';

export function fails(fn, code, mentions) {
  try {
    fn();
  } catch (e) {
    assert.instance(e, MaxsimError, `expected MaxsimError, got ${e && e.constructor && e.constructor.name}: ${e && e.message}`);
    assert.is(e.code, code, e.message);
    if (mentions) assert.ok(e.message.includes(mentions), `message "${e.message}" should mention ${mentions}`);
    return;
  }
  assert.unreachable(`expected ${code}`);
}
