import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MetricsRegistry } from '../../../platform/metrics.js';
import { createShimMetrics } from '../../../shim/shim-metrics.js';

test('a bound counter counts into the same series as inc with the same labels', () => {
  const counter = new MetricsRegistry().counter('x_total', 'x');
  const bound = counter.bind({ stage: 'parse', b: 'q"uote' });
  bound.inc();
  bound.inc(4);
  counter.inc({ b: 'q"uote', stage: 'parse' });
  assert.equal(counter.get({ stage: 'parse', b: 'q"uote' }), 6);
  assert.equal(counter.total(), 6);
});

test('a bound series appears in the exposition only once counted, in the order first counted', () => {
  const viaInc = new MetricsRegistry();
  const viaBind = new MetricsRegistry();
  const a = viaInc.counter('y_total', 'y');
  const b = viaBind.counter('y_total', 'y');
  const bMissing = b.bind({ stage: 'never' });
  const bSecond = b.bind({ stage: 'second' });
  const bFirst = b.bind({ stage: 'first' });
  assert.equal(viaBind.render(), viaInc.render());
  a.inc({ stage: 'first' });
  bFirst.inc();
  a.inc({ stage: 'second' }, 3);
  bSecond.inc(3);
  a.inc({ stage: 'first' });
  bFirst.inc();
  assert.equal(viaBind.render(), viaInc.render());
  assert.doesNotMatch(viaBind.render(), /never/);
  assert.equal(typeof bMissing.inc, 'function');
  assert.match(viaBind.render(), /^y_total\{stage="first"\} 2$/m);
});

test('a label-less counter renders as before', () => {
  const registry = new MetricsRegistry();
  const counter = registry.counter('z_total', 'z');
  assert.match(registry.render(), /^z_total 0$/m);
  counter.bind().inc(2);
  counter.inc();
  assert.match(registry.render(), /^z_total 3$/m);
  assert.equal(counter.get(), 3);
});

test("the shim's bound event and error counters feed the labelled series read by kind and stage", () => {
  const metrics = createShimMetrics();
  metrics.eventsByKind.tool_call.inc();
  metrics.eventsByKind.tool_call.inc();
  metrics.errorsByStage.emit.inc();
  assert.equal(metrics.events.get({ kind: 'tool_call' }), 2);
  assert.equal(metrics.events.get({ kind: 'catalog' }), 0);
  assert.equal(metrics.errors.get({ stage: 'emit' }), 1);
  const text = metrics.registry.render();
  assert.match(text, /^mcptap_shim_events_total\{kind="tool_call"\} 2$/m);
  assert.doesNotMatch(text, /kind="catalog"/);
});
