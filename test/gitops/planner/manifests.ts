// Manifest texts for the planner tests, written out in full so the line numbers the tests
// expect can be read off the text.

export const policyYaml = (extra = '') => `apiVersion: chaoscraft.io/v1alpha1
kind: ChaosPolicy
metadata:
  name: default
spec:
  namespaces:
    allow: [shop, media]
  deniedFaults: [containerKill]
  maxTargetsPercent: 50
${extra}`;

export const podKillYaml = (
  options: { name?: string; mode?: string; fault?: string; namespace?: string } = {},
) =>
  `# Kills one checkout pod.
apiVersion: chaoscraft.io/v1alpha1
kind: ChaosExperiment
metadata:
  name: ${options.name ?? 'checkout-pod-kill'}
  namespace: ${options.namespace ?? 'shop'}
spec:
  selector:
    labelSelector:
      matchLabels:
        app: checkout
  mode: ${options.mode ?? 'one'}
  faults:
    - ${options.fault ?? 'podKill: {}'}
  duration: 60s
  hypothesis:
    probes:
      - name: checkout-healthy
        http:
          url: http://checkout.shop.svc:8080/healthz?token=probe-secret-value
          headers:
            Authorization: Bearer probe-header-secret
          expectStatus: [200]
`;

/** Line 14 holds `duration: 5x`, which is not a duration. */
export const invalidYaml = `apiVersion: chaoscraft.io/v1alpha1
kind: ChaosExperiment
metadata:
  name: broken
  namespace: shop
spec:
  selector:
    labelSelector:
      matchLabels:
        app: checkout
  mode: one
  faults:
    - podKill: {}
  duration: 5x
`;

export const scheduleYaml = `apiVersion: chaoscraft.io/v1alpha1
kind: ChaosSchedule
metadata:
  name: weekday-pod-kill
  namespace: shop
spec:
  schedule: "0 10 * * 1-5"
  timeZone: Europe/Berlin
  template:
    spec:
      selector:
        labelSelector:
          matchLabels:
            app: checkout
      mode: one
      faults:
        - podKill: {}
      duration: 60s
`;

export const latencyYaml = `apiVersion: chaoscraft.io/v1alpha1
kind: ChaosExperiment
metadata:
  name: old-latency
  namespace: shop
spec:
  selector:
    labelSelector:
      matchLabels:
        app: checkout
  faults:
    - networkLatency:
        latency: 100ms
  duration: 2m
`;
