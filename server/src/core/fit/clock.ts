// Milliseconds for fit timings and deadlines. Date.now, not performance.now: Node 20 loads its
// perf_hooks module on the first use of the `performance` global, several milliseconds of a cold
// CLI fit, and a millisecond is fine grain for both.
export const nowMs = (): number => Date.now();
