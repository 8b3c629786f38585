"""The HTML report's inline style sheet and script (no file, font or library is fetched).

The findings table pages through its rows (``PAGE`` at a time) and filters all of them, so
that a page of 20,000 rows stays quick to open, scroll, filter and print: rows are laid out only
when shown (class ``on``), and only the rows of the page that changes are touched.
``NOSCRIPT`` shows every row where scripts do not run.
"""

from __future__ import annotations

PAGE = 200
NOSCRIPT = "<noscript><style>#findings tbody tr{display:table-row}</style></noscript>"

STYLE = """
:root{--invalid:#7f1d1d;--violation:#dc2626;--warning:#d97706;--info:#2563eb;--error:#7c3aed;
--compliant:#15803d;--review:#d97706;--non_compliant:#dc2626;--muted:#6b7280;--line:#e5e7eb}
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#111827;margin:0;background:#f9fafb}
main{max-width:1840px;margin:0 auto;padding:24px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:16px;margin:0 0 12px}
a{color:#1d4ed8}
.sub{color:var(--muted);margin:0 0 16px}
.banner{background:#fef3c7;border:1px solid #f59e0b;color:#78350f;padding:10px 14px;border-radius:6px;
margin:0 0 16px;font-weight:600}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(150px,1fr));gap:12px;margin-bottom:20px}
.card{background:#fff;border:1px solid var(--line);border-top:4px solid var(--c,#9ca3af);border-radius:6px;
padding:12px 14px;min-width:0}
.card .n{font-size:26px;font-weight:700}.card .l{color:var(--muted)}.card .p{color:var(--muted);font-size:12px}
.panel{background:#fff;border:1px solid var(--line);border-radius:6px;padding:16px;margin-bottom:20px;min-width:0}
.grid2{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,1fr);gap:20px}
.scroll{overflow-x:auto;max-width:100%}
.bars{display:grid;grid-template-columns:minmax(70px,max-content) minmax(0,1fr) 56px;gap:6px 10px;align-items:center}
.bars.rules{grid-template-columns:minmax(0,1.2fr) minmax(60px,1fr) 48px}
.bars .rl{min-width:0}.bars .rl small{display:block;color:var(--muted);font-size:12px;line-height:1.25}
.bar{display:flex;height:18px;background:#f3f4f6;border-radius:3px;overflow:hidden}
.bar span{display:block;height:100%}
.num{text-align:right;font-variant-numeric:tabular-nums}
.legend{display:flex;flex-wrap:wrap;gap:14px;margin-top:10px;color:var(--muted);font-size:12px}
.legend i{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:4px}
.s-invalid{background:var(--invalid)}.s-violation{background:var(--violation)}.s-warning{background:var(--warning)}
.s-info{background:var(--info)}.s-error{background:var(--error)}
.st-compliant{background:var(--compliant)}.st-review{background:var(--review)}
.st-non_compliant{background:var(--non_compliant)}.st-invalid{background:var(--invalid)}.st-error{background:var(--error)}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:6px 8px;border-bottom:1px solid var(--line);vertical-align:top}
th{background:#f3f4f6;font-weight:600;position:sticky;top:0}
#findings{min-width:1100px}
#findings td{overflow-wrap:break-word}
td.msg{min-width:260px}td.law{min-width:200px;font-size:12px;color:#374151}
td.sm{font-size:12px;color:#374151;min-width:120px}td.nw{white-space:nowrap}td.sid{min-width:110px}
td.rl{min-width:150px}td.rl small{display:block;color:var(--muted);font-size:12px}
.pill{display:inline-block;padding:0 7px;border-radius:9px;color:#fff;font-size:12px;white-space:nowrap}
.filters{display:flex;gap:10px;align-items:center;margin-bottom:12px;flex-wrap:wrap}
.filters input{flex:1;min-width:240px;padding:6px 8px;border:1px solid #d1d5db;border-radius:4px}
.filters select,.filters button{padding:6px;border:1px solid #d1d5db;border-radius:4px;background:#fff}
.note{background:#eff6ff;border:1px solid #93c5fd;padding:8px 12px;border-radius:6px}
.empty{color:var(--muted)}
.prices svg{display:block;width:100%;max-width:1200px;height:auto}
.prices .cap{font-size:12px;color:var(--muted);margin:4px 0 14px}
dl.rules{margin:0}dl.rules dt{font-weight:600;margin-top:10px}dl.rules dd{margin:2px 0 0 0;color:#374151}
footer{color:var(--muted);font-size:12px;margin-top:8px}footer div{overflow-wrap:anywhere}
#count{color:var(--muted)}
@media (max-width:1000px){.grid2{grid-template-columns:minmax(0,1fr)}}
@media (max-width:1600px){.grid2.bd{grid-template-columns:minmax(0,1fr)}}
#findings tbody tr{display:none}#findings tbody tr.on{display:table-row}
@media print{.filters{display:none}#findings tbody tr{display:table-row}}
"""

SCRIPT = """
(function(){
  var table=document.getElementById('findings');if(!table)return;
  var rows=[].slice.call(table.querySelectorAll('tbody tr[data-sev]'));
  var text=null,shown=rows,page=0,size=%(page)d;
  var q=document.getElementById('q'),sev=document.getElementById('sev'),rule=document.getElementById('rule');
  var count=document.getElementById('count'),prev=document.getElementById('prev'),next=document.getElementById('next');
  var fmt=function(n){return n.toLocaleString(document.documentElement.lang||'en');};
  var on=[];
  function draw(){
    var from=page*size,to=from+size;
    on.forEach(function(r){r.classList.remove('on');});
    on=shown.slice(from,to);
    on.forEach(function(r){r.classList.add('on');});
    var last=Math.max(0,Math.ceil(shown.length/size)-1);
    count.textContent=count.dataset.tpl.replace('{from}',fmt(shown.length?from+1:0))
      .replace('{to}',fmt(Math.min(to,shown.length))).replace('{shown}',fmt(shown.length)).replace('{total}',fmt(rows.length));
    prev.disabled=page<=0;next.disabled=page>=last;
  }
  function apply(){
    if(!text)text=rows.map(function(r){return r.textContent.toLowerCase();});
    var t=q.value.trim().toLowerCase(),s=sev.value,r=rule.value;
    shown=rows.filter(function(row,i){
      return (!t||text[i].indexOf(t)>=0)&&(!s||row.dataset.sev===s)&&(!r||row.dataset.rule===r);});
    page=0;draw();
  }
  var timer=null;
  q.addEventListener('input',function(){clearTimeout(timer);timer=setTimeout(apply,150);});
  [sev,rule].forEach(function(el){el.addEventListener('input',apply);});
  prev.addEventListener('click',function(){page--;draw();});
  next.addEventListener('click',function(){page++;draw();});
  draw();
})();
""" % {"page": PAGE}  # noqa: UP031 (the script is JavaScript: its braces would need doubling for format())
