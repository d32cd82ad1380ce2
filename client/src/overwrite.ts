// Export Report writes `<study>.report.md` (and `.html`) beside the study: when either exists, the
// user is asked first. Kept free of `vscode` so a unit test can drive it with fakes.

/**
 * Whether to write `targets`: true when none exists, else the user's answer to one question naming
 * the existing files.
 */
export async function mayOverwrite(
  targets: string[],
  exists: (target: string) => Promise<boolean>,
  ask: (question: string) => Promise<boolean>,
): Promise<boolean> {
  const existing: string[] = [];
  for (const t of targets) if (await exists(t)) existing.push(t);
  if (existing.length === 0) return true;
  const names = existing.map((t) => t.split(/[\\/]/).pop()).join(' and ');
  return ask(
    `${names} already ${existing.length === 1 ? 'exists' : 'exist'}. Replace ${existing.length === 1 ? 'it' : 'them'}?`,
  );
}
