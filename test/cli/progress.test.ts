import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { describe, it } from "node:test";
import { createProgress } from "../../src/cli/progress.js";
import { runServerCli } from "../../src/cli/server-cli.js";
import { EXAMPLE_FLEET } from "../helpers/fleet.js";

class Terminal extends Writable {
  text = "";
  constructor(readonly isTTY: boolean) {
    super();
  }
  override _write(chunk: Buffer | string, _enc: BufferEncoding, cb: () => void): void {
    this.text += chunk.toString();
    cb();
  }
}

describe("progress", () => {
  it("draws one self-overwriting line on a terminal and clears it", () => {
    const tty = new Terminal(true);
    let t = 0;
    const p = createProgress(tty, () => t);
    p.phase("reading the fleet");
    t = 1500;
    p.count("comparing", 1, 10);
    t = 1550;
    p.count("comparing", 2, 10);
    p.count("comparing", 10, 10);
    p.done();
    assert.equal(
      tty.text,
      "\r\x1b[Kreading the fleet… (0.0 s)\r\x1b[Kcomparing 1/10 (1.5 s)\r\x1b[Kcomparing 10/10 (1.6 s)\r\x1b[K",
    );
  });

  it("writes nothing when the stream is not a terminal", () => {
    const pipe = new Terminal(false);
    const p = createProgress(pipe);
    p.phase("x");
    p.count("y", 1, 2);
    p.done();
    assert.equal(pipe.text, "");
  });

  it("validate shows progress on a terminal's stderr and keeps stdout clean", async () => {
    const stdout = new Terminal(true);
    const stderr = new Terminal(true);
    const code = await runServerCli(["validate", EXAMPLE_FLEET], {
      stdout,
      stderr,
      env: {},
      cwd: process.cwd(),
    });
    assert.equal(code, 0);
    assert.match(stderr.text, /reading and validating the fleet…/);
    assert.match(stderr.text, /validating nodes 5\/5/, "the last node of five is counted");
    assert.ok(stderr.text.endsWith("\r\x1b[K"));
    assert.ok(!stdout.text.includes("\x1b"), "no escape codes on stdout");
    const piped = new Terminal(false);
    await runServerCli(["validate", EXAMPLE_FLEET], { stdout, stderr: piped, env: {}, cwd: process.cwd() });
    assert.equal(piped.text, "");
  });
});
