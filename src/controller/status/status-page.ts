// GET /: the status page people keep open on patch night. The server renders the body
// (status-fragment.ts); a small inline script (no CDN, no external fonts) keeps it live from the
// server-sent events at api/v1/status/events, keeps "12 s ago" current, and falls back to fetching
// the body every 5 s when the event stream fails three times or is refused (a 400 or 503 is not
// retried by EventSource). Without scripts the page refreshes itself.
// URLs are relative, so the page also works behind `kubectl proxy` or a path-prefixing proxy.

import type { Status } from './status.ts';
import { renderStatusFragment } from './status-fragment.ts';

const STYLE = `
:root{--bg:#fff;--fg:#1b1f24;--mute:#5b6570;--line:#d8dee4;--ok:#1a7f37;--warn:#9a6700;--bad:#cf222e;--busy:#0969da;--card:#f6f8fa}
@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--fg:#e6edf3;--mute:#9198a1;--line:#30363d;--ok:#3fb950;--warn:#d29922;--bad:#f85149;--busy:#4493f8;--card:#161b22}}
*{box-sizing:border-box}body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:var(--bg);color:var(--fg)}
header{display:flex;justify-content:space-between;align-items:center;padding:.6em 1em;border-bottom:1px solid var(--line)}
header h1{font-size:1.15em;margin:0}#live{font-size:.85em;color:var(--mute)}#live.ok::before{content:"● ";color:var(--ok)}#live.off::before{content:"● ";color:var(--warn)}
main{padding:0 1em 2em;max-width:1200px;margin:0 auto}h2{font-size:1.05em;margin:1.2em 0 .4em}
.banner{border-radius:6px;padding:.6em 1em;margin-top:1em;border:1px solid var(--line);background:var(--card)}.banner h2{margin:0 0 .2em}.banner p{margin:.2em 0}
.banner.bad{border-color:var(--bad);border-width:2px}.banner.bad p{color:var(--fg)}.banner.bad h2{color:var(--bad)}.banner.warn{border-color:var(--warn)}.banner.warn h2{color:var(--warn)}.banner.ok h2{color:var(--ok)}
code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.92em;background:var(--card);border:1px solid var(--line);border-radius:4px;padding:0 .3em;word-break:break-all}
.summary{display:grid;grid-template-columns:repeat(auto-fit,minmax(220px,1fr));gap:.4em 1.2em;margin:1em 0}.summary dt{color:var(--mute);font-size:.85em}.summary dd{margin:0}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.35em .5em;border-bottom:1px solid var(--line);vertical-align:top}th{color:var(--mute);font-weight:600;font-size:.85em}
.badge{display:inline-block;border-radius:10px;padding:0 .55em;font-size:.85em;border:1px solid var(--line);white-space:nowrap}
.phase-cordoned .badge,.phase-draining .badge,.phase-rebooting .badge,.phase-verifying .badge{background:var(--busy);color:#fff;border-color:var(--busy)}
.phase-waiting .badge{color:var(--warn);border-color:var(--warn)}.phase-done .badge{color:var(--ok);border-color:var(--ok)}.phase-failed .badge{background:var(--bad);color:#fff;border-color:var(--bad)}
.phase-failed td.reason,.bad,.timeline li.bad{color:var(--bad)}.done{color:var(--ok)}.busy{color:var(--busy)}.hold{color:var(--warn)}td.hold{color:inherit}
.name{font-weight:600;white-space:nowrap}time{color:var(--mute);white-space:nowrap}.timeline{list-style:none;padding:0;margin:0}.timeline li{padding:.3em 0;border-bottom:1px solid var(--line)}
.timeline .at{font-family:ui-monospace,monospace;color:var(--mute)}.empty,.foot{color:var(--mute)}
@media (max-width:700px){table.nodes thead{display:none}table.nodes tr{display:block;border:1px solid var(--line);border-radius:6px;margin:.5em 0;padding:.3em}
table.nodes td{display:block;border:0;padding:.1em .3em}.notifications td:nth-child(4),.notifications th:nth-child(4){display:none}}
`;

// Plain ES2017, no build step: replaced whole, the body needs no diffing; the <time> elements are
// re-labelled every second so "since" stays true between pushes.
const SCRIPT = `
(function(){
  var main=document.getElementById('status'),live=document.getElementById('live');
  function dur(ms){var s=Math.max(0,Math.round(ms/1000));if(s<60)return s+' s';var m=Math.floor(s/60);
    if(m<60)return (s%60===0||m>=10)?m+' m':m+' m '+(s%60)+' s';var h=Math.floor(m/60);if(h<48)return m%60===0?h+' h':h+' h '+(m%60)+' m';return Math.floor(h/24)+' d';}
  function rel(iso){var t=Date.parse(iso);if(isNaN(t))return iso;var d=t-Date.now();if(Math.abs(d)<1000)return 'now';return d>0?'in '+dur(d):dur(-d)+' ago';}
  function tick(){var els=document.querySelectorAll('time[data-rel]');for(var i=0;i<els.length;i++)els[i].textContent=rel(els[i].getAttribute('datetime'));}
  function show(html){main.innerHTML=html;tick();document.dispatchEvent(new CustomEvent('kreboot:update'));}
  function state(text,ok){live.textContent=text;live.className=ok?'ok':'off';}
  setInterval(tick,1000);
  var polling=false;
  function poll(){if(polling)return;polling=true;state('refreshing every 5 s',false);
    setInterval(function(){fetch('status/fragment'+location.search,{cache:'no-store'}).then(function(r){return r.ok?r.text():Promise.reject(r.status);}).then(show).catch(function(){state('controller unreachable; retrying',false);});},5000);}
  if(!window.EventSource){poll();return;}
  var failures=0,source=new EventSource('api/v1/status/events?format=html'+(location.search?'&'+location.search.slice(1):''));
  source.addEventListener('status',function(ev){failures=0;state('live',true);show(ev.data);});
  source.onerror=function(){failures++;state('reconnecting…',false);if(failures>=3||source.readyState===2){source.close();poll();}};
})();
`;

export function renderStatusPage(status: Status, options: { now: Date; server?: string | undefined }): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>kreboot status</title>
<link rel="icon" href="data:,">
<noscript><meta http-equiv="refresh" content="5"></noscript>
<style>${STYLE}</style>
</head><body>
<header><h1>kreboot</h1><span id="live" class="off">connecting…</span></header>
<main id="status">
${renderStatusFragment(status, options)}
</main>
<script>${SCRIPT}</script>
</body></html>
`;
}
