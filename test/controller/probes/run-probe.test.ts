import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { describe, it } from 'node:test';
import type { Probe } from '../../../controller/api/types.generated.ts';
import type { ProbeOutcome, ProbeProvider, ProbeRunOptions } from '../../../controller/probes/provider.ts';
import { probeKind, runProbe } from '../../../controller/probes/run-probe.ts';
import { FakeClock } from '../../../controller/runtime/clock.ts';

const httpProbe: Probe = { name: 'web', http: { url: 'http://127.0.0.1/' } };

/** A provider that answers with `outcome` and records what it was asked. */
function recordingProvider(outcome: ProbeOutcome): ProbeProvider & { calls: ProbeRunOptions[] } {
  const calls: ProbeRunOptions[] = [];
  return {
    calls,
    async run(options) {
      calls.push(options);
      return outcome;
    },
  };
}

/** A provider that ignores its abort signal and never settles, like a hung client library. */
const hungProvider: ProbeProvider = { run: () => new Promise<ProbeOutcome>(() => {}) };

describe('runProbe', () => {
  it('dispatches to the provider of the probe kind', async () => {
    const http = recordingProvider({ outcome: 'Passed', message: 'ok', value: '200' });
    const kubernetes = recordingProvider({ outcome: 'Failed', message: 'no' });
    const result = await runProbe({
      probe: httpProbe,
      providers: { http, kubernetes },
      defaultNamespace: 'shop',
    });
    assert.deepEqual(result, { outcome: 'Passed', message: 'ok', value: '200' });
    assert.equal(http.calls.length, 1);
    assert.equal(http.calls[0]?.defaultNamespace, 'shop');
    assert.equal(kubernetes.calls.length, 0);
  });

  it('is an Error when the probe has zero or several kinds, or no provider is configured', async () => {
    const none = await runProbe({ probe: { name: 'x' }, providers: {} });
    assert.deepEqual(none, { outcome: 'Error', message: 'probe has none of http, prometheus, kubernetes' });
    const two: Probe = { ...httpProbe, prometheus: { query: 'up', comparison: { op: '==', value: 1 } } };
    assert.match((await runProbe({ probe: two, providers: {} })).message, /http and prometheus; exactly one/);
    assert.deepEqual(probeKind(httpProbe), { kind: 'http' });
    const missing = await runProbe({ probe: httpProbe, providers: {} });
    assert.deepEqual(missing, { outcome: 'Error', message: 'no http probe provider is configured' });
  });

  it('enforces the timeout even when the provider ignores its signal', async () => {
    const clock = new FakeClock();
    let settled: ProbeOutcome | undefined;
    const pending = runProbe({
      probe: { ...httpProbe, timeout: '2s' },
      providers: { http: hungProvider },
      clock,
    }).then((outcome) => {
      settled = outcome;
      return outcome;
    });
    await clock.advance(1_999);
    assert.equal(settled, undefined, 'still running just before the deadline');
    await clock.advance(1);
    assert.deepEqual(await pending, { outcome: 'Error', message: 'timed out after 2s' });
    assert.equal(clock.pendingTimers(), 0);
  });

  it('uses the default 5s timeout and aborts the provider signal at the deadline', async () => {
    const clock = new FakeClock();
    let providerSignal: AbortSignal | undefined;
    const provider: ProbeProvider = {
      run: (options) => {
        providerSignal = options.signal;
        return new Promise<ProbeOutcome>(() => {});
      },
    };
    const pending = runProbe({ probe: httpProbe, providers: { http: provider }, clock });
    await clock.advance(4_999);
    assert.equal(providerSignal?.aborted, false);
    await clock.advance(1);
    assert.equal((await pending).message, 'timed out after 5s');
    assert.equal(providerSignal?.aborted, true);
  });

  it('is an Error when the caller aborts, even with a hung provider', async () => {
    const controller = new AbortController();
    const pending = runProbe({
      probe: httpProbe,
      providers: { http: hungProvider },
      signal: controller.signal,
      clock: new FakeClock(),
    });
    controller.abort();
    assert.deepEqual(await pending, { outcome: 'Error', message: 'aborted' });
    const early = await runProbe({
      probe: httpProbe,
      providers: { http: hungProvider },
      signal: controller.signal,
    });
    assert.equal(early.outcome, 'Error');
  });

  it('turns a throwing provider and a bad timeout into Error outcomes', async () => {
    const throwing: ProbeProvider = {
      run: async () => {
        throw new Error('client exploded');
      },
    };
    assert.deepEqual(await runProbe({ probe: httpProbe, providers: { http: throwing } }), {
      outcome: 'Error',
      message: 'http probe failed: client exploded',
    });
    const badTimeout = await runProbe({
      probe: { ...httpProbe, timeout: 'later' },
      providers: { http: throwing },
    });
    assert.equal(badTimeout.outcome, 'Error');
    assert.match(badTimeout.message, /invalid timeout/);
  });
});

describe('runProbe with a long-lived signal', () => {
  it('leaves no listener behind on the caller signal', async () => {
    const controller = new AbortController();
    const http = recordingProvider({ outcome: 'Passed', message: 'ok' });
    for (let index = 0; index < 20; index++) {
      await runProbe({ probe: httpProbe, providers: { http }, signal: controller.signal });
    }
    assert.equal(EventEmitter.getEventListeners(controller.signal, 'abort').length, 0);
    assert.equal(http.calls.length, 20);
  });
});
