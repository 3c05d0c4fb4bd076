// What a command needs from its surroundings: output streams and environment, injectable for in-process tests.
export interface CliIo {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  cwd: string;
}

export function processIo(): CliIo {
  return { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() };
}

/** Writes text plus a newline. */
export function println(stream: NodeJS.WritableStream, text = ""): void {
  stream.write(text + "\n");
}
