// The dashboard's page shell: inline styles (laptop and phone, light and dark) and the small refresh script.
import { html, rawHtml, type SafeHtml } from "./html.js";

const STYLES = `
:root{--bg:#f6f8fa;--fg:#1f2328;--muted:#59636e;--card:#fff;--line:#d1d9e0;
--current:#1a7f37;--current-bg:#dafbe1;--behind:#9a6700;--behind-bg:#fff8c5;
--held:#0969da;--held-bg:#ddf4ff;--back:#8250df;--back-bg:#fbefff;
--never:#59636e;--never-bg:#eaeef2;--error:#cf222e;--error-bg:#ffebe9;--link:#0969da}
@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--fg:#e6edf3;--muted:#9198a1;--card:#151b23;--line:#3d444d;
--current:#3fb950;--current-bg:#12261a;--behind:#d29922;--behind-bg:#2b2111;--never:#9198a1;--never-bg:#21262d;
--held:#4493f8;--held-bg:#0d2142;--back:#ab7df8;--back-bg:#251a3b;
--error:#f85149;--error-bg:#3a1a1c;--link:#4493f8}}
*{box-sizing:border-box}
body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:var(--bg);color:var(--fg)}
a{color:var(--link)}
header{display:flex;flex-wrap:wrap;gap:.25rem 1rem;align-items:baseline;padding:.75rem 1rem;border-bottom:1px solid var(--line);background:var(--card)}
header h1{font-size:1.15rem;margin:0}
header .meta{color:var(--muted);font-size:.85rem}
main{max-width:1200px;margin:0 auto;padding:1rem}
section{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:.75rem 1rem;margin:0 0 1rem}
h2{font-size:1rem;margin:.1rem 0 .6rem}
code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.85em;overflow-wrap:anywhere}
.muted{color:var(--muted)}
.banner{border-left:4px solid var(--error);background:var(--error-bg);padding:.5rem .75rem;border-radius:4px;margin:.5rem 0}
.counts{display:flex;flex-wrap:wrap;gap:.5rem;margin:.25rem 0 .75rem;padding:0;list-style:none}
.counts a{display:inline-block;padding:.2rem .6rem;border-radius:999px;text-decoration:none;border:1px solid var(--line);color:var(--fg)}
form.filters{display:flex;flex-wrap:wrap;gap:.5rem;align-items:end;margin:0 0 .75rem}
form.filters label{display:flex;flex-direction:column;font-size:.8rem;color:var(--muted)}
form.filters select,form.filters input{font:inherit;padding:.3rem;border:1px solid var(--line);border-radius:4px;background:var(--bg);color:var(--fg);min-width:9rem}
form.filters button{font:inherit;padding:.35rem .9rem;border-radius:4px;border:1px solid var(--line);background:var(--link);color:#fff}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(9.5rem,1fr));gap:.4rem;list-style:none;margin:0;padding:0}
.cell a{display:block;padding:.4rem .5rem;border-radius:6px;border:1px solid;border-left-width:6px;text-decoration:none;color:var(--fg);min-height:3.2rem}
.cell .name{display:block;font-weight:600;overflow-wrap:anywhere}
.cell .state{display:block;font-size:.75rem}
.s-current{border-color:var(--current)!important;background:var(--current-bg)}.s-current .state{color:var(--current)}
.s-held{border-color:var(--held)!important;background:var(--held-bg)}.s-held .state{color:var(--held)}
.s-rolled-back{border-color:var(--back)!important;background:var(--back-bg)}.s-rolled-back .state{color:var(--back)}
.s-behind{border-color:var(--behind)!important;background:var(--behind-bg)}.s-behind .state{color:var(--behind)}
.s-never-fetched{border-color:var(--never)!important;background:var(--never-bg)}.s-never-fetched .state{color:var(--never)}
.s-agent-error{border-color:var(--error)!important;background:var(--error-bg)}.s-agent-error .state{color:var(--error)}
.badge{display:inline-block;padding:.05rem .5rem;border-radius:999px;border:1px solid;font-size:.8rem}
.table{width:100%;overflow-x:auto}
table{border-collapse:collapse;width:100%;font-size:.9rem}
th,td{text-align:left;vertical-align:top;padding:.35rem .5rem;border-top:1px solid var(--line)}
th{color:var(--muted);font-weight:600}
td code{white-space:nowrap}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem .9rem;margin:0}
dt{color:var(--muted)}dd{margin:0;overflow-wrap:anywhere}
footer{color:var(--muted);font-size:.8rem;text-align:center;padding:0 1rem 1.5rem}
@media (max-width:600px){main{padding:.5rem}section{padding:.6rem}.grid{grid-template-columns:repeat(auto-fill,minmax(7.5rem,1fr))}
th:nth-child(n+4),td:nth-child(n+4){display:none}dl{grid-template-columns:1fr}dt{margin-top:.3rem}}
`;

// Re-fetches the page every 5 s and swaps the [data-live] parts (never the filter form); paused while hidden.
const SCRIPT = `
(function(){
  var status=document.getElementById("refresh-state");
  function tick(){
    if(document.hidden)return;
    fetch(location.href,{headers:{Accept:"text/html"},cache:"no-store",credentials:"same-origin"})
      .then(function(r){if(!r.ok)throw new Error(String(r.status));return r.text();})
      .then(function(t){
        var doc=new DOMParser().parseFromString(t,"text/html");
        document.querySelectorAll("[data-live]").forEach(function(cur){
          var next=doc.getElementById(cur.id);
          if(next)cur.replaceWith(document.importNode(next,true));
        });
        if(status)status.textContent="updated "+new Date().toLocaleTimeString();
      })
      .catch(function(e){if(status)status.textContent="refresh failed ("+e.message+"); retrying";});
  }
  setInterval(tick,5000);
})();
`;

export interface PageOptions {
  title: string;
  /** Shown under the title: the server's version and source. */
  meta: string;
  body: SafeHtml;
}

/** A complete HTML document around `body`; elements with an id and `data-live` are refreshed in place. */
export function page(options: PageOptions): SafeHtml {
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${options.title}</title>
        <style>
          ${rawHtml(STYLES)}
        </style>
      </head>
      <body>
        <header>
          <h1><a href="/" style="color:inherit;text-decoration:none">manifest-server</a></h1>
          <span class="meta">${options.meta}</span>
        </header>
        <main>${options.body}</main>
        <footer>
          Refreshes every 5 s <span id="refresh-state"></span> · <a href="/status">/status</a> ·
          <a href="/nodes">/nodes</a> · <a href="/metrics">/metrics</a>
        </footer>
        <script>
          ${rawHtml(SCRIPT)};
        </script>
      </body>
    </html> `;
}
