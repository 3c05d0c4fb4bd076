// The package version, read once from package.json so --version and User-Agent agree with the release.
import { readFileSync } from "node:fs";

function readVersion(): string {
  try {
    const pkg: unknown = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8"));
    if (typeof pkg === "object" && pkg !== null && "version" in pkg && typeof pkg.version === "string")
      return pkg.version;
  } catch {
    // fall through: running from an unusual layout
  }
  return "0.0.0";
}

export const VERSION = readVersion();
