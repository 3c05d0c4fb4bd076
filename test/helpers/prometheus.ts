// Test helper: read one sample out of a Prometheus text exposition.

/** The value of the sample `name` with exactly `labels`, or undefined when the series is absent. */
export function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split("\n")) {
    if (line.startsWith("#")) continue;
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (m === null || m[1] !== name) continue;
    const have = new Map([...(m[2] ?? "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1], x[2]]));
    if (
      have.size === Object.keys(labels).length &&
      Object.entries(labels).every(([k, v]) => have.get(k) === v)
    )
      return Number(m[3]);
  }
  return undefined;
}
