// Helpers of the Playwright flows (flow.mjs, server.mjs).

/** check fails the flow with what was expected. */
export function check(cond, what) {
  if (!cond) throw new Error(`check failed: ${what}`);
}

/** step runs one named step and prints its time. */
export async function step(name, fn) {
  const t0 = Date.now();
  await fn();
  console.log(`  ok  ${name} (${Date.now() - t0} ms)`);
}
