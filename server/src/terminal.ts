// Hostile text stays text in a terminal: a study title or a CSV cell may hold escape sequences that
// clear the screen, set the window title or forge OSC-8 links. Everything the CLI prints passes here.

/** C0 controls except line feed and tab, DEL, C1 controls, and the bidirectional overrides. */
function isUnsafe(c: number): boolean {
  return (
    (c < 0x20 && c !== 0x0a && c !== 0x09) ||
    (c >= 0x7f && c <= 0x9f) ||
    (c >= 0x202a && c <= 0x202e) ||
    (c >= 0x2066 && c <= 0x2069)
  );
}

/**
 * Unsafe characters as visible `\uXXXX` escapes. The same form is a valid JSON escape, so `--json`
 * output stays parseable and reads back to the same value.
 */
export function escapeControls(text: string): string {
  let out = '';
  let from = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (!isUnsafe(c)) continue;
    out += text.slice(from, i) + '\\u' + c.toString(16).padStart(4, '0');
    from = i + 1;
  }
  return from === 0 ? text : out + text.slice(from);
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
