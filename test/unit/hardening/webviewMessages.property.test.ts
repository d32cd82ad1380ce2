// Hardening: the webview ↔ extension validators (protocol/webview.ts) accept exactly the well-formed
// messages. Random well-formed messages pass; any mutation (a wrong type, a missing or extra key, a
// bad version or URI, a non-PNG data URL) is rejected. Seeded; FUZZ_RUNS runs longer.
import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import { PLOT_VIEWS } from '../../../protocol/plot';
import { isExtensionMessage, isViewState, isWebviewMessage } from '../../../protocol/webview';

const RUNS = Number(process.env.FUZZ_RUNS ?? 2000) || 2000;
const SEED = 424242;

const uri = fc.string({ minLength: 1, maxLength: 40 });
const version = fc.nat({ max: 1e6 });
const view = fc.constantFrom(...PLOT_VIEWS);
const viewState = fc.record(
  { view, x: fc.string({ maxLength: 5 }), residualX: fc.string({ maxLength: 5 }) },
  { requiredKeys: ['view'] },
);
const png = fc.base64String({ maxLength: 40 }).map((b) => `data:image/png;base64,${b}`);

const valid = fc.oneof(
  fc.record({
    type: fc.constant('ready'),
    uri: fc.option(uri, { nil: null }),
    version: fc.option(version, { nil: null }),
  }),
  fc.record({
    type: fc.constant('error'),
    uri: fc.option(uri, { nil: null }),
    version: fc.option(version, { nil: null }),
    message: fc.string(),
  }),
  fc.record({ type: fc.constant('exportPng'), uri, version, view, dataUrl: png }),
  fc.record({ type: fc.constant('exportCsv'), uri, version, view, csv: fc.string() }),
  fc.record({ type: fc.constant('state'), uri, version, state: viewState }),
);

const junk = fc.oneof(
  fc.constant(undefined),
  fc.constant(null),
  fc.constant(NaN),
  fc.constant(-1),
  fc.constant(1.5),
  fc.constant(''),
  fc.constant('x'.repeat(5000)),
  fc.constant({}),
  fc.constant([]),
  fc.constant('javascript:alert(1)'),
  fc.constant('data:text/html;base64,PHNjcmlwdD4='),
  fc.object({ maxDepth: 1 }),
);

type Msg = Record<string, unknown>;
const mutation = fc.oneof(
  fc.record({
    kind: fc.constant('set' as const),
    key: fc.constantFrom('type', 'uri', 'version', 'view', 'dataUrl', 'state', 'csv', 'message'),
    value: junk,
  }),
  fc.record({
    kind: fc.constant('extra' as const),
    key: fc.constantFrom('__proto__', 'constructor', 'html', 'script', 'model'),
    value: junk,
  }),
  fc.record({
    kind: fc.constant('drop' as const),
    key: fc.constantFrom('type', 'uri', 'version', 'view', 'dataUrl', 'state', 'csv', 'message'),
    value: junk,
  }),
);

/** Applies a mutation; returns undefined when it happens to leave the message valid by construction. */
function mutate(m: Msg, mu: { kind: 'set' | 'extra' | 'drop'; key: string; value: unknown }): Msg | undefined {
  const out: Msg = { ...m };
  if (mu.kind === 'drop') {
    if (!(mu.key in m)) return undefined;
    // ready/error with null uri/version: dropping the key is still invalid (hasOnly + required check)
    delete out[mu.key];
    return out;
  }
  if (mu.kind === 'extra') {
    Object.defineProperty(out, mu.key, { value: mu.value, enumerable: true, configurable: true, writable: true });
    return out;
  }
  if (!(mu.key in m)) return undefined;
  // null is allowed for ready/error uri/version
  if (mu.value === null && (m.type === 'ready' || m.type === 'error') && (mu.key === 'uri' || mu.key === 'version'))
    return undefined;
  if ((mu.key === 'message' || mu.key === 'csv') && typeof mu.value === 'string') return undefined;
  // a URI is any non-empty string under 4096 characters (the extension compares it, never loads it)
  if (mu.key === 'uri' && typeof mu.value === 'string' && mu.value.length > 0 && mu.value.length < 4096)
    return undefined;
  out[mu.key] = mu.value;
  return out;
}

let accepted = 0;
let rejected = 0;

describe('hardening: webview message validators (property)', () => {
  after(() => console.log(`      [validators] ${accepted} valid accepted, ${rejected} malformed rejected`));

  it(`accepts ${RUNS} random well-formed webview messages`, () => {
    fc.assert(
      fc.property(valid, (m) => {
        assert.ok(isWebviewMessage(m), JSON.stringify(m));
        assert.ok(!isExtensionMessage(m));
        accepted++;
      }),
      { numRuns: RUNS, seed: SEED },
    );
  });

  it(`rejects ${RUNS} mutated messages (wrong, missing or extra keys; junk values)`, () => {
    fc.assert(
      fc.property(valid, mutation, (m, mu) => {
        const bad = mutate(m as Msg, mu);
        fc.pre(bad !== undefined);
        assert.equal(isWebviewMessage(bad), false, JSON.stringify(bad));
        assert.equal(isExtensionMessage(bad), false);
        rejected++;
      }),
      { numRuns: RUNS, seed: SEED + 1 },
    );
  });

  it('rejects anything that is not a message object, and never throws', () => {
    fc.assert(
      fc.property(fc.anything(), (x) => {
        assert.doesNotThrow(() => isWebviewMessage(x));
        assert.doesNotThrow(() => isExtensionMessage(x));
        assert.doesNotThrow(() => isViewState(x));
      }),
      { numRuns: RUNS, seed: SEED + 2 },
    );
    for (const x of [null, undefined, 1, 'ready', [], [{ type: 'ready' }], { type: 'ready', uri: '', version: 0 }])
      assert.equal(isWebviewMessage(x), false, JSON.stringify(x));
  });
});
