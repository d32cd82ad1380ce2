// Hostile text stays text in a terminal: a study title or a CSV cell may hold escape sequences that
// clear the screen, set the window title or forge OSC-8 links. Everything the CLI prints passes here.

/** C0 controls except line feed and tab, DEL, C1 controls, and the bidirectional overrides. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/**
 * Unsafe characters as visible `\uXXXX` escapes. The same form is a valid JSON escape, so `--json`
 * output stays parseable and reads back to the same value. (A regular expression: the scan of a
 * whole `--json` document runs compiled, not character by character in a cold process.)
 */
export function escapeControls(text: string): string {
  return text.replace(UNSAFE, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
}

/** A stream whose `write` escapes control characters (all the CLI ever calls on its streams). */
export function terminalSafe(stream: NodeJS.WritableStream): NodeJS.WritableStream {
  return Object.assign(Object.create(stream) as NodeJS.WritableStream, {
    write: (chunk: string | Uint8Array, ...rest: unknown[]) =>
      (stream.write as (c: string | Uint8Array, ...r: unknown[]) => boolean)(
        typeof chunk === 'string' ? escapeControls(chunk) : chunk,
        ...rest,
      ),
  });
}
