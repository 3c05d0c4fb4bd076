// Parses --listen values: "8080", ":8080", "127.0.0.1:8080", "[::1]:8080", "0" (any free port).
import { UsageError } from "../lib/errors.js";

export interface ListenAddress {
  /** Undefined means every interface. */
  host: string | undefined;
  port: number;
}

/** Parses `[HOST:]PORT`; throws UsageError with an example when it cannot. */
export function parseListen(value: string): ListenAddress {
  const m = /^(?:(\[[0-9a-fA-F:.]+\]|[^:[\]]*):)?(\d{1,5})$/.exec(value.trim());
  const port = m === null ? NaN : Number(m[2]);
  if (m === null || !Number.isInteger(port) || port > 65535)
    throw new UsageError(
      `--listen ${JSON.stringify(value)} is not [HOST:]PORT`,
      "for example --listen 8080 or --listen 127.0.0.1:8080",
    );
  const rawHost = m[1];
  const host = rawHost === undefined || rawHost === "" ? undefined : rawHost.replace(/^\[|\]$/g, "");
  return { host, port };
}
