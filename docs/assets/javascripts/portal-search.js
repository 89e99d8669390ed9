/* Portal search: the engine behind Material's search box, run as its web worker.
 *
 * The theme's page script keeps the search box, keyboard shortcuts, result list and
 * highlighting; it fetches the engine's index file (a stub written by
 * scripts/portal/site/engine.py: the theme's search config plus the name of the portal's
 * index; Material: search/search_index.json, Zensical: search.json) and sends it here. This worker then fetches the index
 * (built by scripts/portal/site/search.py), off the page's thread, and answers queries.
 *
 * Queries are normalised and segmented as the index was: NFKC, lower case, traditional ->
 * simplified by the index's character table, no thousands separators; Latin/digit runs are
 * tokens of their own (5G基站 -> 5g 基站) and Chinese runs are cut by longest match against
 * the index's vocabulary. Ranking prefers, in this order: pages matching more of the query's
 * words; the query (or one of its space-separated parts) being a page's title, indicator
 * name or alias, then part of its title, then part of a name; indicator pages; Liaoning's figure; title and name matches
 * over body matches (the index's weights). No eval, no inline script, no request but the
 * index (strict CSP). Also loadable in Node (module.exports) for the unit tests.
 */
(function () {
  "use strict";

  var HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff";
  var TOKEN = new RegExp("[a-z0-9]+(?:\\.[0-9]+)*|[" + HAN + "]+", "g");
  var LATIN = /^[a-z0-9]/;
  var THOUSANDS = /(\d),(?=\d{3}(?!\d))/g;
  var STOP = toSet("的 了 是 有 和 与 及 或 在 几 吗 呢 为 年 月 个 情况 数据");
  var QUESTION = /有多少|是多少|多少|是什么|什么|哪些|哪个|怎么样|怎样|如何|吗|呢|\?/g;   // 辽宁有多少网民 -> 辽宁 网民
  var KIND_RANK = { indicator: 2, "key-figures": 1, dataset: 1, report: 0, page: 0 };
  var LOCAL = "辽宁";
  var MAX_RESULTS = 30;
  var MAX_FACTS = 3;
  var MAX_PREFIX = 30;

  function toSet(words) {
    var s = Object.create(null);
    words.split(" ").forEach(function (w) { s[w] = true; });
    return s;
  }

  function Engine(index) {
    this.tokens = index.tokens;
    this.t2s = Object.create(null);
    var pairs = Array.from(index.t2s || "");
    for (var i = 0; i + 1 < pairs.length; i += 2) this.t2s[pairs[i]] = pairs[i + 1];
    this.vocab = Object.keys(index.tokens).sort();
    this.known = Object.create(null);
    this.maxLen = 1;
    for (var j = 0; j < this.vocab.length; j++) {
      this.known[this.vocab[j]] = true;
      this.maxLen = Math.max(this.maxLen, this.vocab[j].length);
    }
    var self = this;
    this.docs = index.docs.map(function (d) {
      var facts = (d.f || []).map(function (f) {
        return { term: f[0], answer: f[1], norm: self.normalise(f[0]), place: self.normalise(f[1]) };
      });
      if (d.a && !facts.length) {  // an indicator page: its names, each with its answer (shown once, as d.a)
        facts = [d.t].concat(d.s || []).map(function (t) {
          return { term: t, answer: d.a, norm: self.normalise(t), place: self.normalise(d.a), hidden: true };
        });
      }
      return { doc: d, title: self.normalise(d.t), desc: self.normalise(d.d || ""), facts: facts,
               terms: (d.s || []).map(function (t) { return self.normalise(t); })
                 .concat(facts.map(function (f) { return f.norm; })) };
    });
  }

  /* ------------------------------------------------------------ text -> tokens */

  Engine.prototype.normalise = function (text) {
    var t2s = this.t2s, out = "";
    var chars = Array.from(String(text == null ? "" : text).normalize("NFKC").toLowerCase());
    for (var i = 0; i < chars.length; i++) out += t2s[chars[i]] || chars[i];
    return out.replace(THOUSANDS, "$1");
  };

  /* Longest match against the vocabulary; a character no word starts with stands alone.
   * `below` caps the word length (to split a word into smaller vocabulary words). */
  Engine.prototype.cut = function (run, below) {
    var out = [], i = 0, max = Math.min(this.maxLen, below || Infinity);
    while (i < run.length) {
      var len = Math.min(max, run.length - i);
      while (len > 1 && !this.known[run.substr(i, len)]) len--;
      out.push(run.substr(i, len));
      i += len;
    }
    return out;
  };

  /* Normalised text -> tokens, as scripts/portal/site/search.py:words cuts it. */
  Engine.prototype.segment = function (norm) {
    var out = [], m;
    TOKEN.lastIndex = 0;
    while ((m = TOKEN.exec(norm)) !== null) {
      if (LATIN.test(m[0])) out.push(m[0]);
      else out.push.apply(out, this.cut(m[0]));
    }
    return out;
  };

  /* ------------------------------------------------------------ postings */

  function postings(list, factor, into) {
    for (var i = 0; i + 1 < list.length; i += 2) {
      var w = list[i + 1] * factor;
      if (!(into[list[i]] >= w)) into[list[i]] = w;
    }
    return into;
  }

  Engine.prototype.prefixed = function (token) {
    var lo = 0, hi = this.vocab.length, out = [];
    while (lo < hi) { var mid = (lo + hi) >> 1; if (this.vocab[mid] < token) lo = mid + 1; else hi = mid; }
    for (var i = lo; i < this.vocab.length && out.length < MAX_PREFIX && this.vocab[i].indexOf(token) === 0; i++) {
      if (this.vocab[i] !== token) out.push(this.vocab[i]);
    }
    return out;
  };

  /* {doc index: weight} of the pages holding a token: the token itself; else, for a word the
   * index has only in parts, pages holding all its parts; else (a word being typed) the
   * vocabulary words it begins. */
  Engine.prototype.lookup = function (token) {
    var hits = Object.create(null), self = this;
    if (this.tokens[token]) return postings(this.tokens[token], 1, hits);
    if (!LATIN.test(token) && token.length > 1) {
      var parts = this.cut(token, token.length - 1).filter(function (p) { return self.tokens[p]; });
      if (parts.length > 1 && parts.join("") === token) {
        var maps = parts.map(function (p) { return postings(self.tokens[p], 0.7, Object.create(null)); });
        Object.keys(maps[0]).forEach(function (d) {
          if (maps.every(function (m) { return d in m; })) {
            hits[d] = Math.min.apply(null, maps.map(function (m) { return m[d]; }));
          }
        });
        if (Object.keys(hits).length) return hits;
      }
    }
    this.prefixed(token).forEach(function (w) { postings(self.tokens[w], 0.5, hits); });
    return hits;
  };

  /* ------------------------------------------------------------ ranking */

  Engine.prototype.parse = function (query) {
    var norm = this.normalise(query).replace(QUESTION, " "), self = this;
    var chunks = [], tokens = [], seen = Object.create(null);
    norm.split(/[^a-z0-9.\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+/).forEach(function (chunk) {
      var words = self.segment(chunk);
      if (!words.length) return;
      chunks.push({ text: words.join(""), words: words });
      words.forEach(function (w) { if (!seen[w]) { seen[w] = true; tokens.push(w); } });
    });
    var content = tokens.filter(function (t) { return !STOP[t]; });
    return { chunks: chunks, tokens: content.length ? content : tokens, all: tokens };
  };

  /* How a chunk of the query meets a page: level 4 it is the title, a name or an alias;
   * 3 it is part of the title (of a table, report or indicator: a key-figures page's title
   * only lists its sections, so there it counts as 2); 2 part of a name, with `extra` the
   * fewest characters around it (网民规模 is closer to 网民 than 农村网民规模 is); 1 part
   * of the description. */
  function phraseLevel(entry, chunk) {
    if (chunk.length < 2 && !LATIN.test(chunk)) return { level: 0, extra: 0 };
    if (entry.title === chunk || entry.terms.indexOf(chunk) >= 0) return { level: 4, extra: 0 };
    if (entry.title.indexOf(chunk) >= 0 && entry.doc.k !== "key-figures") {
      return { level: 3, extra: entry.title.length - chunk.length };
    }
    var extra = Infinity;
    [entry.title].concat(entry.terms).forEach(function (t) {
      if (t.length - chunk.length < extra && t.indexOf(chunk) >= 0) extra = t.length - chunk.length;
    });
    if (extra < Infinity) return { level: 2, extra: extra };
    return { level: entry.desc.indexOf(chunk) >= 0 ? 1 : 0, extra: 0 };
  }

  /* How well one figure answers the query: 10 per chunk that is its name (or its name
   * plus words its answer holds: 全国网民规模 -> 网民规模, 9.89 亿（全国）), 5 per chunk
   * inside its name, 1 per query word in its name and 1 in its answer (a place: 沈阳市). */
  function factScore(f, q) {
    var s = 0;
    q.chunks.forEach(function (c) {
      if (f.norm === c.text) { s += 10; return; }
      var inName = c.words.filter(function (w) { return f.norm.indexOf(w) >= 0; });
      var rest = c.words.filter(function (w) { return inName.indexOf(w) < 0 && !STOP[w]; });
      if (rest.length && inName.join("") === f.norm && rest.every(function (w) { return f.place.indexOf(w) >= 0; })) s += 10;
      else if (f.norm.indexOf(c.text) >= 0) s += 5;
    });
    q.tokens.forEach(function (t) { s += (f.norm.indexOf(t) >= 0 ? 1 : 0) + (f.place.indexOf(t) >= 0 ? 1 : 0); });
    return s;
  }

  /* Every chunk of the query is in the figure's name or its answer (辽宁 网民 ->
   * 网民规模: 3,052.1 万（辽宁省，2020-12）). */
  function covers(f, q) {
    return q.chunks.length > 1 && q.chunks.some(function (c) { return f.norm.indexOf(c.text) >= 0; }) &&
      q.chunks.every(function (c) { return f.norm.indexOf(c.text) >= 0 || f.place.indexOf(c.text) >= 0; });
  }

  /* The page's figures that answer the query, best first (Liaoning's first among equals). */
  function bestFacts(entry, q) {
    if (!entry.facts.length) return [];
    var seen = Object.create(null);
    var scored = entry.facts.map(function (f, i) {
      return { fact: f, score: factScore(f, q), local: f.answer.indexOf(LOCAL) >= 0 ? 1 : 0, i: i };
    }).filter(function (x) { return x.score > 0; });
    scored.sort(function (a, b) { return b.score - a.score || b.local - a.local || a.i - b.i; });
    var top = scored.length ? scored[0].score : 0;
    return scored.filter(function (x) {
      var key = x.fact.term + "\u0000" + x.fact.answer;
      if (seen[key] || x.score * 2 < top) return false;
      return (seen[key] = true);
    }).slice(0, MAX_FACTS);
  }

  Engine.prototype.search = function (query) {
    var q = this.parse(query), self = this;
    var found = Object.create(null);
    var hits = q.tokens.map(function (t) { return self.lookup(t); });
    var known = q.tokens.filter(function (t, i) { return Object.keys(hits[i]).length; });
    hits.forEach(function (h, i) {
      Object.keys(h).forEach(function (d) {
        var r = found[d] || (found[d] = { id: +d, matched: {}, weight: 0 });
        r.matched[q.tokens[i]] = true;
        r.weight += h[d];
      });
    });
    q.chunks.forEach(function (c) {
      self.docs.forEach(function (entry, d) {
        var p = phraseLevel(entry, c.text);
        if (!p.level) return;
        var r = found[d] || (found[d] = { id: d, matched: {}, weight: 0 });
        r.phrase = (r.phrase || 0) + p.level;
        r.extra = (r.extra || 0) + p.extra;
        if (p.level >= 2) c.words.forEach(function (w) { r.matched[w] = true; });
      });
    });
    var results = Object.keys(found).map(function (d) { return self.rank(found[d], q, known); })
      .filter(function (r) { return r.count > 0 || r.phrase > 0; });
    results.sort(compare);
    results = keepBest(results).slice(0, MAX_RESULTS);
    results.forEach(function (r, i) { r.score = results.length - i; });  // Material: higher is better
    return { query: q, results: results };
  };

  /* A candidate's ranking keys (see compare). */
  Engine.prototype.rank = function (r, q, known) {
    var entry = this.docs[r.id];
    r.count = known.filter(function (t) { return r.matched[t]; }).length;
    r.phrase = r.phrase || 0;
    r.extra = r.extra || 0;
    r.kind = KIND_RANK[entry.doc.k] || 0;
    r.facts = bestFacts(entry, q);
    r.fact = r.facts.length ? r.facts[0].score : 0;
    if (r.fact >= 10 * q.chunks.length) { r.phrase = 4 * q.chunks.length; r.extra = 0; }
    else if (r.facts.length && covers(r.facts[0].fact, q) && r.phrase < 3 * q.chunks.length) {
      r.phrase = 3 * q.chunks.length;  // one figure names every part of the query (网民, 辽宁)
      r.extra = r.facts[0].fact.norm.length;
    }
    var said = r.facts.length ? r.facts[0].fact.answer : entry.doc.a || "";
    r.local = said.indexOf(LOCAL) >= 0 ? 1 : 0;
    r.titleLength = entry.doc.t.length;
    return r;
  };

  /* More query words matched; the query a title or name (then part of one); indicator pages;
   * the figure answering more of the query; the closer name; Liaoning's figure; the
   * weights of the fields matched (title and names over prose); the shorter title. */
  function compare(a, b) {
    return b.count - a.count || b.phrase - a.phrase || b.kind - a.kind || b.fact - a.fact ||
      a.extra - b.extra || b.local - a.local || b.weight - a.weight || a.titleLength - b.titleLength;
  }

  /* Pages matching all the words (as many as any page matches) first; the rest only when
   * fewer than five pages match that many. */
  function keepBest(results) {
    if (!results.length) return results;
    var best = results[0].count;
    var top = results.filter(function (r) { return r.count >= best; });
    return top.length >= 5 ? top : results;
  }

  /* ------------------------------------------------------------ results for Material */

  function escapeHtml(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  /* text escaped, with the tokens (found in its normal form) marked; the marked runs as
   * printed (瀋陽 for 沈阳) are added to `printed`, if given. */
  Engine.prototype.highlight = function (text, tokens, printed) {
    var chars = Array.from(String(text || "").replace(/\u200b/g, ""));
    var norm = [], owner = [], marked = [];
    var cache = this.charCache || (this.charCache = Object.create(null));
    for (var i = 0; i < chars.length; i++) {
      var n = cache[chars[i]] || (cache[chars[i]] = Array.from(this.normalise(chars[i])));
      for (var j = 0; j < n.length; j++) { norm.push(n[j]); owner.push(i); }
    }
    var flat = norm.join("");
    tokens.forEach(function (t) {
      if (!t) return;
      for (var k = flat.indexOf(t); k >= 0; k = flat.indexOf(t, k + t.length)) {
        for (var x = k; x < k + t.length; x++) marked[owner[x]] = true;
      }
    });
    var out = "", open = false, run = "";
    for (var c = 0; c <= chars.length; c++) {
      if (marked[c] && !open) { out += "<mark>"; open = true; }
      if (!marked[c] && open) {
        out += "</mark>"; open = false;
        if (printed) printed[run] = true;
        run = "";
      }
      if (c === chars.length) break;
      if (open) run += chars[c];
      out += escapeHtml(chars[c]);
    }
    return out;
  };

  /* One result as Material renders it: {location, title, text (HTML), score, terms}. */
  /* The figures answer; the description is shown when there are none (on a key-figures
   * page it only repeats the title). `terms` tells Material which words to highlight on
   * the opened page: the query's words and, as printed there, the runs marked here. */
  Engine.prototype.document = function (r, q) {
    var entry = this.docs[r.id], d = entry.doc, self = this, marks = q.all, printed = {};
    var text = "";
    if (d.a) text += '<p class="portal-search__answer"><strong>' + this.highlight(d.a, []) + "</strong></p>";
    var shown = r.facts.filter(function (x) { return !x.fact.hidden; });
    if (shown.length) {
      text += '<ul class="portal-search__facts">' + shown.map(function (x) {
        return "<li>" + self.highlight(x.fact.term, marks, printed) + "：<strong>" +
          self.highlight(x.fact.answer, []) + "</strong></li>";
      }).join("") + "</ul>";
    } else if (d.d) {
      text += "<p>" + this.highlight(d.d, marks, printed) + "</p>";
    }
    var title = this.highlight(d.t, marks, printed);
    var terms = {};
    q.all.forEach(function (t) { terms[t] = !!r.matched[t] || STOP[t] === true; });
    Object.keys(printed).forEach(function (p) { if (!(p in terms) && !(p.toLowerCase() in terms)) terms[p] = true; });
    return { location: d.u, title: title, text: text, score: r.score, terms: terms };
  };

  /* Material's QUERY -> RESULT payload: one item (a page, no sections) per result. */
  Engine.prototype.answer = function (query) {
    var found = this.search(query), self = this;
    var items = found.results.map(function (r) { return [self.document(r, found.query)]; });
    return { items: items, total: items.length };
  };

  /* Zensical's QUERY -> RESULT payload: its UI renders each result from the documents of the
   * search.json it fetched (the portal's stub lists this index's documents, in this order), so
   * a result is a position; one page of results, none highlighted. */
  Engine.prototype.answerByPosition = function (query) {
    var items = this.search(query).results.map(function (r) { return { id: Number(r.id), matches: [] }; });
    return { items: items, pagination: { total: items.length } };
  };

  /* The query text and the reply for the UI that sent it: Material sends the text, Zensical
   * an object with the text as `input`. */
  function asked(data) {
    var byPosition = !!data && typeof data === "object";
    return { text: String((byPosition ? data.input : data) || ""), byPosition: byPosition };
  }

  Engine.prototype.reply = function (q) {
    return q.byPosition ? this.answerByPosition(q.text) : this.answer(q.text);
  };

  /* ------------------------------------------------------------ worker protocol */

  var SETUP = 0, READY = 1, QUERY = 2, RESULT = 3;

  /* The index (about 650 KB) is fetched only when portal.js says "load" on the
   * "portal-search" BroadcastChannel: when a reader reaches for search, or once the page has
   * loaded and the browser is idle (portal.js answers this worker's "hello" if that happened
   * before the worker was listening). The index never competes with the page's first paint. Without
   * BroadcastChannel, the index is fetched at once, as before. A query that arrives before
   * the index is answered when it is ready. */
  function startWorker(scope) {
    var engine = null, name = null, loading = false, pending = null;
    var channel = typeof BroadcastChannel === "function" ? new BroadcastChannel("portal-search") : null;

    function load() {
      if (loading || name === null) return;
      loading = true;
      fetch(new URL("../../search/" + name, scope.location.href))
        .then(function (r) { if (!r.ok) throw new Error("search index: HTTP " + r.status); return r.json(); })
        .then(function (index) {
          engine = new Engine(index);
          scope.postMessage({ type: READY });
          if (pending !== null) scope.postMessage({ type: RESULT, data: engine.reply(pending) });
          pending = null;
        })
        .catch(function (err) { loading = false; console.warn("search unavailable:", err.message); });
    }

    if (channel) channel.onmessage = function (ev) { if (ev.data === "load") load(); };
    scope.addEventListener("message", function (ev) {
      var msg = ev.data || {};
      if (msg.type === SETUP) {
        name = (msg.data && msg.data.config && msg.data.config.portal_index) || "portal-index.json";
        if (channel) channel.postMessage("hello"); else load();
      } else if (msg.type === QUERY) {
        if (engine) scope.postMessage({ type: RESULT, data: engine.reply(asked(msg.data)) });
        else { pending = asked(msg.data); load(); }
      }
    });
  }

  if (typeof module !== "undefined" && module.exports) {
    module.exports = { Engine: Engine, escapeHtml: escapeHtml, asked: asked };
  } else if (typeof WorkerGlobalScope !== "undefined" && self instanceof WorkerGlobalScope) {
    startWorker(self);
  }
})();
