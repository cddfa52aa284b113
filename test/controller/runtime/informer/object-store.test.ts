import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { KubernetesObject } from '@kubernetes/client-node';
import {
  indexByField,
  indexByLabel,
  ObjectStore,
  objectKey,
  splitObjectKey,
} from '../../../../controller/runtime/informer/object-store.ts';

type Pod = KubernetesObject & { spec?: { nodeName?: string } };

function pod(options: { namespace: string; name: string; app?: string; node?: string }): Pod {
  return {
    metadata: {
      namespace: options.namespace,
      name: options.name,
      labels: options.app ? { app: options.app } : {},
    },
    spec: { nodeName: options.node },
  };
}

describe('ObjectStore', () => {
  test('keys follow namespace/name, cluster-scoped objects use the name alone', () => {
    assert.equal(objectKey(pod({ namespace: 'ns', name: 'a' })), 'ns/a');
    assert.equal(objectKey({ metadata: { name: 'node-1' } }), 'node-1');
    assert.deepEqual(splitObjectKey('ns/a'), { namespace: 'ns', name: 'a' });
    assert.deepEqual(splitObjectKey('node-1'), { namespace: '', name: 'node-1' });
  });

  test('indexes follow updates and deletes', () => {
    const store = new ObjectStore<Pod>({
      indexers: { app: indexByLabel('app'), node: indexByField((object: Pod) => object.spec?.nodeName) },
    });
    store.set(pod({ namespace: 'ns', name: 'a', app: 'web', node: 'n1' }));
    store.set(pod({ namespace: 'ns', name: 'b', app: 'web', node: 'n2' }));
    store.set(pod({ namespace: 'other', name: 'c', app: 'db' }));
    assert.deepEqual(store.byIndex('app', 'web').map(objectKey).sort(), ['ns/a', 'ns/b']);
    assert.deepEqual(store.byIndex('node', 'n1').map(objectKey), ['ns/a']);
    const previous = store.set(pod({ namespace: 'ns', name: 'a', app: 'db', node: 'n2' }));
    assert.equal(previous?.metadata?.labels?.app, 'web');
    assert.deepEqual(store.byIndex('app', 'web').map(objectKey), ['ns/b']);
    assert.deepEqual(store.byIndex('app', 'db').map(objectKey).sort(), ['ns/a', 'other/c']);
    assert.deepEqual(store.byIndex('node', 'n1'), []);
    store.delete('ns/b');
    assert.deepEqual(store.byIndex('app', 'web'), []);
    assert.deepEqual(store.list({ namespace: 'ns' }).map(objectKey), ['ns/a']);
    assert.equal(store.size, 2);
    assert.equal(store.get({ namespace: 'other', name: 'c' })?.metadata?.name, 'c');
    assert.throws(() => store.byIndex('missing', 'x'), /unknown index/);
  });
});
