/**
 * Opens a URL in the user's browser, when there is one: `open` on macOS,
 * `start` on Windows, `xdg-open` elsewhere. A failure is no error: the URL
 * is printed anyway.
 *
 * @module
 */

/**
 * Tries to open a URL in a browser.
 *
 * @param url The URL.
 */
export async function openBrowser(url: string): Promise<void> {
  const [cmd, ...args] = Deno.build.os === "darwin"
    ? ["open", url]
    : Deno.build.os === "windows"
    ? ["cmd", "/c", "start", "", url]
    : ["xdg-open", url];
  try {
    const child = new Deno.Command(cmd, { args, stdin: "null", stdout: "null", stderr: "null" })
      .spawn();
    await child.status;
  } catch {
    // No browser here: the URL was printed.
  }
}
