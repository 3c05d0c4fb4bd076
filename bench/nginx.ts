// Starts Debian's nginx on a loopback port with its own temp config, serving a folder of files with ETags on.
import { spawn, type ChildProcess } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";

export interface RunningNginx {
  url: string;
  /** The master and worker process ids. */
  pids(): Promise<number[]>;
  stop(): Promise<void>;
}

/** Serves `root` (files under `root/nodes/`) as application/json on 127.0.0.1:`port` with `workers` worker processes. */
export async function startNginx(
  prefix: string,
  root: string,
  port: number,
  workers: number,
): Promise<RunningNginx> {
  const conf = `daemon off;
master_process on;
worker_processes ${workers};
pid ${join(prefix, "nginx.pid")};
error_log ${join(prefix, "error.log")} warn;
events { worker_connections 4096; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  tcp_nodelay on;
  etag on;
  keepalive_requests 10000000;
  keepalive_timeout 65s;
  open_file_cache max=20000 inactive=60s;
  client_body_temp_path ${join(prefix, "tmp")};
  proxy_temp_path ${join(prefix, "tmp")};
  fastcgi_temp_path ${join(prefix, "tmp")};
  uwsgi_temp_path ${join(prefix, "tmp")};
  scgi_temp_path ${join(prefix, "tmp")};
  types { }
  default_type application/json;
  server {
    listen 127.0.0.1:${port};
    root ${root};
    add_header Cache-Control no-cache;
  }
}
`;
  const confPath = join(prefix, "nginx.conf");
  await writeFile(confPath, conf);
  const child: ChildProcess = spawn("nginx", ["-c", confPath, "-p", prefix], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      const res = await fetch(`${url}/`, { method: "HEAD" });
      await res.arrayBuffer();
      break;
    } catch {
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`nginx did not start: ${stderr}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return {
    url,
    async pids() {
      const master = child.pid ?? 0;
      const children = await readFile(`/proc/${master}/task/${master}/children`, "utf8").catch(() => "");
      return [master, ...children.split(/\s+/).filter(Boolean).map(Number)];
    },
    async stop() {
      if (child.exitCode === null) child.kill("SIGQUIT");
      await exited;
    },
  };
}
