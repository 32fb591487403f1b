// Offline search for the static site: ranks sections of window.SEARCH_INDEX
// (written next to this file as a script, so it also works from file://).
(function () {
  var docs = window.SEARCH_INDEX || [];
  var words = function (s) { return (s.toLowerCase().match(/[a-z0-9][a-z0-9.+-]*/g) || []); };
  var df = {};
  docs.forEach(function (d) {
    d.lower = d.x.toLowerCase();
    d.tl = d.t.toLowerCase();
    var seen = {};
    words(d.t + " " + d.x).forEach(function (w) { if (!seen[w]) { seen[w] = 1; df[w] = (df[w] || 0) + 1; } });
  });
  function count(hay, w) {
    var n = 0, i = hay.indexOf(w);
    while (i >= 0) { n++; i = hay.indexOf(w, i + w.length); }
    return n;
  }
  function snippet(d, terms) {
    var i = -1;
    terms.forEach(function (w) { var j = d.lower.indexOf(w); if (j >= 0 && (i < 0 || j < i)) i = j; });
    var start = Math.max(0, i - 80), text = d.x.slice(start, start + 240);
    return (start > 0 ? "… " : "") + text + (start + 240 < d.x.length ? " …" : "");
  }
  function search(q) {
    var terms = words(q);
    if (!terms.length) return [];
    var out = [];
    docs.forEach(function (d) {
      var score = 0;
      for (var k = 0; k < terms.length; k++) {
        var tf = count(d.lower, terms[k]) + 5 * count(d.tl, terms[k]);
        if (!tf) return;  // every word must appear
        score += (tf / (tf + 1.2)) * Math.log(1 + docs.length / (df[terms[k]] || 1));
      }
      out.push({ d: d, s: score });
    });
    out.sort(function (a, b) { return b.s - a.s; });
    return out.slice(0, 30).map(function (r) { return { d: r.d, snip: snippet(r.d, terms) }; });
  }
  var q = new URLSearchParams(location.search).get("q") || "";
  var box = document.getElementById("q");
  if (box) box.value = q;
  var list = document.getElementById("search-results"), status = document.getElementById("search-status");
  if (!list || !q) return;
  var results = search(q);
  status.textContent = results.length + " result" + (results.length === 1 ? "" : "s") + " for “" + q + "”";
  results.forEach(function (r) {
    var li = document.createElement("li"), a = document.createElement("a"), p = document.createElement("p");
    a.href = r.d.u; a.textContent = r.d.c + " › " + r.d.t;
    p.textContent = r.snip;
    li.appendChild(a); li.appendChild(p); list.appendChild(li);
  });
})();
