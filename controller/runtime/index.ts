/**
 * The controller runtime: defineController, work queue, workers, leader election, informers, the
 * written-object overlay, shutdown. Pure of @kubernetes/client-node (test/controller/runtime/
 * purity.test.ts): its adapters live in controller/kube/.
 */
export * from './clock.ts';
export * from './controller.ts';
export * from './errors.ts';
export * from './graceful-shutdown.ts';
export * from './informer/informer-group.ts';
export * from './informer/list-watch.ts';
export * from './informer/object-store.ts';
export * from './informer/resilient-informer.ts';
export * from './kube-object.ts';
export * from './leader-elector.ts';
export * from './lease-client.ts';
export * from './logger.ts';
export * from './rate-limiter.ts';
export * from './work-queue.ts';
export * from './workers.ts';
export * from './written-objects.ts';
