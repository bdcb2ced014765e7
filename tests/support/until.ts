/**
 * Yields to the event loop (no time passes on a fake clock) until `ready()`
 * holds: for a test to act once the code under test has reached a wait.
 * Gives up, failing the test, rather than hang when it never does.
 *
 * @param ready The condition.
 * @param what What is waited for, for the failure.
 */
export async function until(ready: () => boolean, what = "the condition"): Promise<void> {
  // Far more turns than any wait here needs (each is at least one timer tick): a hang guard.
  const turns = 10_000;
  for (let turn = 0; !ready(); turn++) {
    if (turn === turns) {
      throw new Error(`Gave up waiting for ${what} after ${turns} event-loop turns`);
    }
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
}
