/* qingdan search: search-as-you-type for the header box and the search page, with facet counts.
 * Progressive enhancement: without this script the forms post to the server-rendered /search/
 * page (under `qingdan serve`). It asks `/api/search` when the site is served by qingdan, and
 * otherwise searches the static index that `qingdan build` writes into search/ (see
 * docs/search.md). No framework, no other host. The engine part also runs under node, for tests.
 */
(function () {
  'use strict';

  // ------------------------------------------------------------------ the static index engine

  // The ranking is src/index/rank.rs, step by step, with its integers from meta.json (`weights`):
  // the server ranks the same terms the same way, so both give the same results in the same order.
  var NAME = 0; // fields of a shard entry: 0 name, 1 sub-item names, 2 guide text, 3 other text,
  var EXACT = 4; // 4 the whole name,
  var RELATED = 5; // 5 the thesaurus's words that begin with the pair (src/index/thesaurus.rs),
  var SYNONYMS = 6; // 6 the synonym table's entries with a word that begins with the pair
  var OWN_FILE = 2; // kind of a shard entry whose postings are in x/<hash>.bin
  var TEXT_KIND = 3; // kind of a shard entry whose payload is text (thesaurus, synonyms)
  var ALNUM = /[\p{Alphabetic}\p{N}]/u;
  var NOT_ALNUM = /[^\p{Alphabetic}\p{N}\s]/gu;

  /** FNV-1a, 32 bits, of the UTF-8 bytes of `s` (as src/index/client.rs). */
  function fnv1a(s) {
    var bytes = new TextEncoder().encode(s);
    var h = 0x811c9dc5;
    for (var i = 0; i < bytes.length; i++) {
      h ^= bytes[i];
      h = Math.imul(h, 0x01000193) >>> 0;
    }
    return h >>> 0;
  }

  /** Bigrams of each letters-and-digits word of folded `text`; one-letter words stay whole. */
  function grams(text, unigrams) {
    var out = [];
    text.split(/[^\p{Alphabetic}\p{N}]+/u).forEach(function (w) {
      var c = Array.from(w);
      if (!c.length) return;
      if (unigrams || c.length === 1) c.forEach(function (x) { out.push(x); });
      for (var i = 0; i + 1 < c.length; i++) out.push(c[i] + c[i + 1]);
    });
    return Array.from(new Set(out));
  }

  function readVarint(bytes, pos) {
    var v = 0, shift = 0, b;
    do {
      b = bytes[pos.i++];
      v += (b & 0x7f) * Math.pow(2, shift);
      shift += 7;
    } while (b & 0x80);
    return v;
  }

  /** Entries of a postings shard: term → [{field, df, idf, kind, bytes}]. */
  function parseShard(buffer) {
    var bytes = new Uint8Array(buffer);
    var dec = new TextDecoder();
    var map = new Map();
    var pos = { i: 0 };
    while (pos.i < bytes.length) {
      var len = readVarint(bytes, pos);
      var term = dec.decode(bytes.subarray(pos.i, pos.i + len));
      pos.i += len;
      var field = bytes[pos.i++];
      var kind = bytes[pos.i++];
      var df = readVarint(bytes, pos);
      var idf = readVarint(bytes, pos);
      var size = readVarint(bytes, pos);
      var e = { field: field, kind: kind, df: df, idf: idf, bytes: bytes.subarray(pos.i, pos.i + size) };
      pos.i += size;
      if (!map.has(term)) map.set(term, []);
      map.get(term).push(e);
    }
    return map;
  }

  /** Document numbers of one entry. */
  function decode(e) {
    var out = [];
    var pos = { i: 0 };
    if (e.kind === 0) {
      var d = 0;
      while (pos.i < e.bytes.length) {
        d += readVarint(e.bytes, pos);
        out.push(d);
      }
    } else {
      var first = readVarint(e.bytes, pos);
      for (var j = pos.i; j < e.bytes.length; j++) {
        var b = e.bytes[j];
        if (!b) continue;
        for (var k = 0; k < 8; k++) if (b & (1 << k)) out.push(first + (j - pos.i) * 8 + k);
      }
    }
    return out;
  }

  /**
   * The static index of a site. `load(path, "json"|"bytes")` fetches a file under search/ and
   * resolves to parsed JSON or an ArrayBuffer; it also counts what was downloaded.
   */
  function StaticIndex(meta, load) {
    this.meta = meta;
    this.load = load;
    this.t2s = new Map();
    var t = Array.from(meta.t2s || '');
    for (var i = 0; i + 1 < t.length; i += 2) this.t2s.set(t[i], t[i + 1]);
    this.shards = new Map();
    this.docShards = new Map();
    this.groupStarts = meta.groups.map(function (g) { return g[2]; });
  }

  // The format of search/ this script reads (meta.json `version`, src/index/client.rs): a script
  // kept from an older site fails plainly instead of searching with half the synonym table.
  var INDEX_VERSION = 3;

  StaticIndex.open = function (load) {
    return load('meta.json', 'json').then(function (meta) {
      if (meta.version !== INDEX_VERSION) {
        throw new Error('search/meta.json is version ' + meta.version + ', search.js reads ' +
          INDEX_VERSION + ': reload the page');
      }
      return new StaticIndex(meta, load);
    });
  };

  /** NFKC, traditional → simplified, lower case, no control characters (as query::fold). */
  StaticIndex.prototype.fold = function (text) {
    var t2s = this.t2s;
    return Array.from(String(text).normalize('NFKC'))
      .map(function (c) { return t2s.get(c) || c; })
      .join('')
      .toLowerCase()
      .replace(/\p{Cc}/gu, '');
  };

  StaticIndex.prototype.normalize = function (q) {
    return Array.from(this.fold(q)).slice(0, this.meta.max_chars).join('').trim();
  };

  /** Without phrases that carry no meaning; the text itself when nothing else is left. */
  StaticIndex.prototype.strip = function (q) {
    var out = q;
    this.meta.stop.forEach(function (p) { out = out.split(p).join(' '); });
    // A leading 办 (办驾照) is the verb, as on the server (query.rs): words such as 办学 stay.
    out = out.replace(NOT_ALNUM, ' ').split(/\s+/).filter(Boolean).map(function (w) {
      var rest = w.slice(1);
      return w.charAt(0) === '办' && Array.from(rest).length >= 2 && '学公事案证结件'.indexOf(rest.charAt(0)) < 0 ? rest : w;
    }).join(' ');
    return out || q.trim();
  };

  /**
   * Official terms the query's colloquial words stand for (src/index/query.rs `expand`): the
   * entries of the synonym table with a word in `q`, in the table's order. The table is in
   * meta.json (entries with a word that does not begin with two letters or digits) and in the
   * shards of the query's pairs (`sharded`: [entry number, [word…], [means…]] with the words
   * that begin with one of them).
   */
  StaticIndex.prototype.expand = function (q, sharded) {
    var matched = new Map();
    function has(w) { return w && q.indexOf(w) >= 0; }
    this.meta.synonyms.forEach(function (s) {
      if (s.words.some(has)) matched.set(s.i, s.means);
    });
    (sharded || []).forEach(function (e) {
      if (e[1].some(has)) matched.set(e[0], e[2]);
    });
    var terms = [];
    Array.from(matched.keys()).sort(function (a, b) { return a - b; }).forEach(function (i) {
      matched.get(i).forEach(function (m) { if (terms.indexOf(m) < 0) terms.push(m); });
    });
    return terms;
  };

  /** Code point order of two strings (as Rust compares str). */
  function byCodePoint(a, b) {
    var x = Array.from(a), y = Array.from(b);
    for (var i = 0; i < Math.min(x.length, y.length); i++) {
      var d = x[i].codePointAt(0) - y[i].codePointAt(0);
      if (d) return d;
    }
    return x.length - y.length;
  }

  /**
   * Related words of the thesaurus for `searched`, from `table` (word → related words, those of
   * the shards fetched for the query's pairs), none of `skip`: src/index/thesaurus.rs `expand`.
   */
  StaticIndex.prototype.related = function (searched, table, skip) {
    var t = this.meta.thesaurus;
    var found = [];
    searched.split(/[^\p{Alphabetic}\p{N}]+/u).forEach(function (word) {
      var c = Array.from(word);
      for (var a = 0; a < c.length; a++) {
        if (a > 0 && t.negations.indexOf(c[a - 1]) >= 0) continue;
        for (var b = a + 2; b <= Math.min(c.length, a + t.max_word_chars); b++) {
          var w = c.slice(a, b).join('');
          if (found.some(function (f) { return f.w === w; })) continue;
          var r = table.get(w);
          if (r) found.push({ at: Array.from(searched.slice(0, searched.indexOf(w))).length, w: w, r: r });
        }
      }
    });
    found = found.filter(function (f) {
      return !found.some(function (v) { return v.w.length > f.w.length && v.w.indexOf(f.w) >= 0; });
    });
    found.sort(function (a, b) {
      return a.at - b.at || Array.from(b.w).length - Array.from(a.w).length || byCodePoint(a.w, b.w);
    });
    var out = [];
    found.forEach(function (f) {
      f.r.forEach(function (r) {
        if (out.length < t.max_terms && out.indexOf(r) < 0 && skip.indexOf(r) < 0 && searched.indexOf(r) < 0) {
          out.push(r);
        }
      });
    });
    return out;
  };

  StaticIndex.prototype.shard = function (n) {
    var self = this;
    if (!this.shards.has(n)) {
      this.shards.set(n, this.load('t/' + n + '.bin', 'bytes').then(parseShard));
    }
    return this.shards.get(n).catch(function (e) {
      self.shards.delete(n);
      throw e;
    });
  };

  /**
   * term → [{field, df, idf, docs}] for every term (absent terms map to []); `.related` of the
   * map: the thesaurus's words that begin with one of the terms → their related words.
   */
  StaticIndex.prototype.postings = function (terms) {
    var self = this;
    var wanted = Array.from(new Set(terms));
    var byShard = new Map();
    wanted.forEach(function (t) {
      var n = fnv1a(t) % self.meta.shards;
      if (!byShard.has(n)) byShard.set(n, []);
      byShard.get(n).push(t);
    });
    var found = new Map();
    return Promise.all(Array.from(byShard.keys()).map(function (n) { return self.shard(n); }))
      .then(function (maps) {
        Array.from(byShard.values()).forEach(function (ts, i) {
          ts.forEach(function (t) { found.set(t, maps[i].get(t) || []); });
        });
        // Long postings are in a file of their own.
        var own = wanted.filter(function (t) {
          return found.get(t).some(function (e) { return e.kind === OWN_FILE; });
        });
        return Promise.all(own.map(function (t) { return self.ownFile(t); })).then(function (maps) {
          own.forEach(function (t, i) {
            var full = maps[i].get(t) || [];
            found.set(t, found.get(t).map(function (e) {
              if (e.kind !== OWN_FILE) return e;
              return full.find(function (f) { return f.field === e.field; }) || e;
            }));
          });
        });
      })
      .then(function () {
        var out = new Map();
        var related = new Map();
        var synonyms = [];
        var dec = new TextDecoder();
        found.forEach(function (entries, t) {
          entries.forEach(function (e) {
            if (e.field === SYNONYMS && e.kind === TEXT_KIND) {
              synonyms.push.apply(synonyms, JSON.parse(dec.decode(e.bytes)));
              return;
            }
            if (e.field !== RELATED || e.kind !== TEXT_KIND) return;
            dec.decode(e.bytes).split('\n').forEach(function (line) {
              var words = line.split(' ');
              if (words.length > 1) related.set(words[0], words.slice(1));
            });
          });
          out.set(t, entries.filter(function (e) {
            return e.kind !== OWN_FILE && e.kind !== TEXT_KIND && e.field < RELATED;
          }).map(function (e) {
            if (!e.docs) e.docs = decode(e);
            return { field: e.field, df: e.df, idf: e.idf, docs: e.docs };
          }));
        });
        out.related = related;
        out.synonyms = synonyms;
        return out;
      });
  };

  StaticIndex.prototype.ownFile = function (term) {
    var self = this;
    var key = 'x' + fnv1a(term);
    if (!this.shards.has(key)) {
      var hex = ('0000000' + fnv1a(term).toString(16)).slice(-8);
      this.shards.set(key, this.load('x/' + hex + '.bin', 'bytes').then(parseShard));
    }
    return this.shards.get(key).catch(function (e) {
      self.shards.delete(key);
      throw e;
    });
  };

  StaticIndex.prototype.docs = function (numbers) {
    var self = this;
    var per = this.meta.docs_per_shard;
    var shards = Array.from(new Set(numbers.map(function (d) { return Math.floor(d / per); })));
    return Promise.all(shards.map(function (s) {
      if (!self.docShards.has(s)) self.docShards.set(s, self.load('d/' + s + '.json', 'json'));
      return self.docShards.get(s);
    })).then(function (rows) {
      var byShard = new Map();
      shards.forEach(function (s, i) { byShard.set(s, rows[i]); });
      return numbers.map(function (d) {
        var r = byShard.get(Math.floor(d / per))[d % per];
        return { id: r[0], name: r[1] };
      });
    });
  };

  /** Index into meta.groups of document `d`. */
  StaticIndex.prototype.group = function (d) {
    var s = this.groupStarts, lo = 0, hi = s.length - 1;
    while (lo < hi) {
      var mid = (lo + hi + 1) >> 1;
      if (s[mid] <= d) lo = mid; else hi = mid - 1;
    }
    return lo;
  };

  /**
   * Search: {q, department, category, limit, offset} → the JSON of /api/search (query, total,
   * hits, searched, expanded) plus facets {department: [{id, name, count}], category: [{name,
   * count}]}, the counts of each ignoring its own filter. The ranking of src/index/rank.rs.
   */
  StaticIndex.prototype.search = function (req) {
    var self = this;
    var meta = this.meta;
    var W = meta.weights;
    var normalized = this.normalize(req.q || '');
    var searched = this.strip(normalized);
    // Expanded once the shards of the query's pairs are here (the synonym table is in them);
    // a query without letters or digits can only hold the words kept in meta.json.
    var expanded = this.expand(searched, []);
    var folded = [];
    var limit = Math.min(Math.max(req.limit || 10, 1), 100);
    var offset = Math.min(Math.max(req.offset || 0, 0), 10000);
    var empty = {
      query: req.q || '', total: 0, hits: [], searched: searched, expanded: expanded, related: [],
      facets: { department: [], category: [] },
    };
    if (!ALNUM.test(searched)) return Promise.resolve(empty);
    // 1. Parts: the query as searched, each official term and each related word, cut into pairs.
    var parts = [{ weight: W.query, grams: grams(searched, false) }];
    var related = [];
    var whole = normalized === searched ? [normalized] : [normalized, searched];
    var all = whole.slice();
    parts.forEach(function (p) { all.push.apply(all, p.grams); });
    var n = meta.docs;
    var score = new Float64Array(n); // integers: exact sums in any order
    var seen = new Uint8Array(n);
    var exact = new Uint8Array(n);
    var touched = [];
    var deferred = []; // pairs not counted: {add, docs}, added to the results' scores in step 6
    function touch(d, add) {
      if (!seen[d]) { seen[d] = 1; touched.push(d); }
      score[d] += add;
    }

    return this.postings(all).then(function (first) {
      // 1. The official terms of the synonym table and the thesaurus's related words (both
      // tables are in the shards of the query's pairs), then their own pairs.
      expanded = self.expand(searched, first.synonyms);
      folded = expanded.map(function (e) { return self.fold(e); });
      empty.expanded = expanded;
      var extra = [];
      folded.forEach(function (e) {
        var g = grams(e, false);
        parts.push({ weight: W.expansion, grams: g });
        extra.push.apply(extra, g);
      });
      related = self.related(searched, first.related, folded);
      empty.related = related;
      related.forEach(function (r) {
        var g = grams(r, false);
        parts.push({ weight: W.related, grams: g, related: true });
        extra.push.apply(extra, g);
      });
      extra = extra.filter(function (t) { return !first.has(t); });
      if (!extra.length) return first;
      return self.postings(extra).then(function (second) {
        second.forEach(function (v, k) { first.set(k, v); });
        return first;
      });
    }).then(function (postings) {
      // 4. The whole name.
      whole.forEach(function (t) {
        (postings.get(t) || []).forEach(function (e) {
          if (e.field !== EXACT) return;
          e.docs.forEach(function (d) { touch(d, W.exact); exact[d] = 1; });
        });
      });
      // 2, 3. Pairs in fields; every pair of a part in the name.
      var complete = false;
      parts.forEach(function (p) {
        var entries = p.grams.map(function (g) { return postings.get(g) || []; });
        // Counted for a result: pairs in the index, and of these the distinctive ones when
        // there are any (not in more than common_per_mille of the names).
        var known = entries.map(function (es) {
          return es.some(function (e) { return e.field !== EXACT; });
        });
        var distinct = entries.map(function (es, k) {
          return known[k] && !es.some(function (e) {
            return e.field === NAME && e.df * 1000 > n * W.common_per_mille;
          });
        });
        var counted = distinct.indexOf(true) >= 0 ? distinct : known;
        var cover = new Uint16Array(n), inName = new Uint16Array(n), stamp = new Uint16Array(n);
        var found = [];
        entries.forEach(function (es, k) {
          if (!counted[k]) return;
          var mark = k + 1;
          es.forEach(function (e) {
            var fw = W.field[e.field];
            if (fw === undefined) return;
            var add = fw * p.weight * e.idf;
            var docs = e.docs;
            for (var i = 0; i < docs.length; i++) {
              var d = docs[i];
              touch(d, add);
              if (!stamp[d]) found.push(d);
              if (stamp[d] !== mark) {
                stamp[d] = mark;
                cover[d]++;
              }
              if (e.field === NAME) inName[d]++;
            }
          });
        });
        // Pairs not counted add to the results' scores only, once these are known (step 6);
        // here only their part in "the name holds every pair".
        entries.forEach(function (es, k) {
          if (counted[k]) return;
          es.forEach(function (e) {
            var fw = W.field[e.field];
            if (fw === undefined) return;
            if (e.field === NAME) {
              e.docs.forEach(function (d) { if (stamp[d]) inName[d]++; });
            }
            deferred.push({ add: fw * p.weight * e.idf, docs: e.docs });
          });
        });
        var best = 0;
        found.forEach(function (d) {
          if (p.grams.length && inName[d] >= p.grams.length) {
            score[d] += W.all_pairs * p.weight;
            if (!p.related) complete = true;
          }
          if (cover[d] > best) best = cover[d];
        });
        p.cover = cover;
        p.best = best;
        p.counted = counted.filter(Boolean).length;
      });
      // 5. Typos: single characters, when no name holds a part's pairs.
      var single = !complete && Array.from(searched).length <= W.typo_chars
        ? grams(searched, true).filter(function (g) { return Array.from(g).length === 1; })
        : [];
      var more = single.length ? self.postings(single) : Promise.resolve(null);
      return more.then(function (uni) {
        if (uni) {
          single.forEach(function (c) {
            (uni.get(c) || []).forEach(function (e) {
              var fw = W.field[e.field];
              if (fw === undefined) return;
              var add = Math.floor(fw * W.query * e.idf / W.unigram_divisor);
              e.docs.forEach(function (d) { touch(d, add); });
            });
          });
        }
        return rank();
      });
    });

    function rank() {
      // 6. Results: a third of the counted pairs of a part (or as many as the best document holds).
      var needs = parts.map(function (p) {
        return Math.min(Math.ceil(p.counted / W.need_divisor), Math.max(p.best, 1));
      });
      var matched = touched.filter(function (d) {
        return exact[d] || parts.some(function (p, k) { return p.cover[d] > 0 && p.cover[d] >= needs[k]; });
      });
      if (!matched.length) {
        deferred.forEach(function (x) { x.docs.forEach(function (d) { touch(d, x.add); }); });
        matched = touched;
      } else {
        var result = new Uint8Array(n);
        matched.forEach(function (d) { result[d] = 1; });
        deferred.forEach(function (x) {
          var docs = x.docs;
          for (var i = 0; i < docs.length; i++) if (result[docs[i]]) score[docs[i]] += x.add;
        });
      }
      var deptIndex = meta.departments.findIndex(function (d) { return d.id === req.department; });
      var catIndex = meta.categories.indexOf(req.category);
      if (req.department && deptIndex < 0) deptIndex = -2; // names nothing: matches nothing
      if (req.category && catIndex < 0) catIndex = -2;
      var deptCounts = new Array(meta.departments.length).fill(0);
      var catCounts = new Array(meta.categories.length).fill(0);
      var hits = [];
      matched.forEach(function (d) {
        var gi = self.group(d);
        var g = meta.groups[gi];
        var inDept = deptIndex === -1 || g[0] === deptIndex;
        var inCat = catIndex === -1 || g[1] === catIndex;
        if (inCat) deptCounts[g[0]]++;
        if (inDept) catCounts[g[1]]++;
        if (!inDept || !inCat) return;
        // 7. Service bonus, less the place in the group (shorter names first).
        var end = gi + 1 < meta.groups.length ? meta.groups[gi + 1][2] : meta.docs;
        var bonus = meta.service[meta.categories[g[1]]] || 0;
        var shortness = Math.floor(W.shortness * (d - g[2]) / Math.max(end - g[2], 1));
        hits.push({ d: d, g: g, s: score[d] + bonus - shortness });
      });
      var order = function (a, b) { return b.s - a.s || a.d - b.d; };
      hits.sort(order);
      var facets = {
        department: meta.departments
          .map(function (x, i) { return { id: x.id, name: x.name, count: deptCounts[i] }; })
          .filter(function (x) { return x.count > 0; })
          .sort(function (a, b) { return b.count - a.count; }),
        category: meta.categories
          .map(function (x, i) { return { name: x, count: catCounts[i] }; })
          .filter(function (x) { return x.count > 0; })
          .sort(function (a, b) { return b.count - a.count; }),
      };
      // 8. The best few, ordered again knowing their names.
      var head = hits.slice(0, Math.max(W.head, offset + limit));
      var searchedChars = Array.from(searched).length;
      return self.docs(head.map(function (h) { return h.d; })).then(function (rows) {
        head.forEach(function (h, i) {
          var name = self.fold(rows[i].name);
          h.row = rows[i];
          if (searchedChars >= 2 && name.indexOf(searched) >= 0) h.s += W.contains;
          folded.forEach(function (e) { if (name.indexOf(e) >= 0) h.s += W.expansion_in_name; });
          related.forEach(function (r) { if (name.indexOf(r) >= 0) h.s += W.related_in_name; });
          h.s -= W.name_char * Array.from(name).length;
        });
        head.sort(order);
        var page = head.slice(offset, offset + limit);
        return {
          query: req.q || '',
          total: hits.length,
          hits: page.map(function (h) {
            return {
              id: h.row.id,
              name: h.row.name,
              department: meta.departments[h.g[0]].name,
              department_id: meta.departments[h.g[0]].id,
              category: meta.categories[h.g[1]],
              url: meta.base + '/items/' + h.row.id + '.html',
              score: h.s / 100000,
              snippet: '',
            };
          }),
          searched: searched,
          expanded: expanded,
          related: related,
          facets: facets,
        };
      });
    }
  };

  /** HTML of `name` with the characters of the query's pairs (and its expansions) in <mark>. */
  function highlight(name, words) {
    var chars = Array.from(name);
    var lower = Array.from(name.normalize('NFKC').toLowerCase());
    var mark = new Array(chars.length).fill(false);
    // A single character is marked only when the query has nothing longer: 开 of “开饭店”
    // is not a match inside 开展.
    var all = [];
    words.forEach(function (w) { all.push.apply(all, grams(w, false)); });
    var long = all.some(function (g) { return Array.from(g).length > 1; });
    if (lower.length === chars.length) {
      all.filter(function (g) { return !long || Array.from(g).length > 1; }).forEach(function (g) {
        var gc = Array.from(g);
        for (var i = 0; i + gc.length <= lower.length; i++) {
          if (gc.every(function (c, k) { return lower[i + k] === c; })) {
            for (var k = 0; k < gc.length; k++) mark[i + k] = true;
          }
        }
      });
    }
    var out = '', open = false;
    chars.forEach(function (c, i) {
      if (mark[i] && !open) { out += '<mark>'; open = true; }
      if (!mark[i] && open) { out += '</mark>'; open = false; }
      out += escapeHtml(c);
    });
    return open ? out + '</mark>' : out;
  }

  function escapeHtml(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c];
    });
  }

  var engine = {
    StaticIndex: StaticIndex, fnv1a: fnv1a, grams: grams, highlight: highlight, decode: decode,
    parseShard: parseShard,
  };
  if (typeof module === 'object' && module.exports) {
    module.exports = engine;
    return;
  }

  // ------------------------------------------------------------------ the page

  var script = document.currentScript;
  var base = (script && script.getAttribute('data-base')) || '';
  var PAGE = 10;

  function loadStatic(path, as) {
    return fetch(base + '/search/' + path).then(function (r) {
      if (!r.ok) throw new Error(r.status + ' ' + path);
      return as === 'json' ? r.json() : r.arrayBuffer();
    });
  }

  var backend = null;
  /** Resolves to a function req → response: /api/search when served by qingdan, else static. */
  function getBackend() {
    if (backend) return backend;
    var api = function (req) {
      var u = base + '/api/search?q=' + encodeURIComponent(req.q) +
        '&department=' + encodeURIComponent(req.department || '') +
        '&category=' + encodeURIComponent(req.category || '') +
        '&page=' + (Math.floor((req.offset || 0) / PAGE) + 1) +
        // The whole tree of a multi-level repository (only qingdan serve has its index).
        (req.scope === 'all' ? '&scope=all&level=' + encodeURIComponent(req.level || '') +
          '&j=' + encodeURIComponent(req.j || '') : '') +
        // A search while typing, or one the server already counted: not for the search log.
        (req.live ? '&live=1' : '');
      return fetch(u).then(function (r) {
        if (!r.ok) throw new Error('search ' + r.status);
        return r.json();
      });
    };
    api.counts = true; // the server keeps a search log

    var useStatic = function () {
      return StaticIndex.open(loadStatic).then(function (index) {
        return function (req) { return index.search(req); };
      });
    };
    backend = fetch(base + '/api/search?q=')
      .then(function (r) {
        var type = r.headers.get('content-type') || '';
        return r.ok && type.indexOf('json') >= 0 ? api : useStatic();
      }, useStatic);
    backend.catch(function () { backend = null; });
    return backend;
  }

  function debounce(f, ms) {
    var t = null;
    return function () {
      var args = arguments;
      clearTimeout(t);
      t = setTimeout(function () { f.apply(null, args); }, ms);
    };
  }

  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function words(r) { return [r.searched || ''].concat(r.expanded || []); }

  function hitItem(h, r, withSnippet) {
    var li = el('li');
    var a = el('a', { href: h.url });
    a.innerHTML = highlight(h.name, words(r));
    li.appendChild(a);
    li.appendChild(document.createTextNode(' '));
    var where = h.jurisdiction ? h.jurisdiction.name + ' · ' : '';
    li.appendChild(el('span', { class: 'muted' }, where + h.department + ' · ' + h.category));
    if (withSnippet && h.snippet) {
      var p = el('p', { class: 'snippet' });
      p.innerHTML = h.snippet; // escaped by the server, <b> around matches
      li.appendChild(p);
    }
    return li;
  }

  function statusText(r, q) {
    if (!q.trim()) return '';
    if (!r) return '搜索暂时不可用，请稍后再试。';
    if (!r.total) {
      return '没有找到与“' + q + '”有关的事项。' + (r.did_you_mean ? '您是不是要找：' + r.did_you_mean : '');
    }
    var s = '找到 ' + r.total + ' 个事项';
    var also = (r.expanded || []).filter(function (e) { return e !== r.searched; });
    if (also.length) s += '（也搜了：' + also.join('、') + '）';
    return s;
  }

  // The search page: results, facets and "more" below the big form.
  function searchPage(form) {
    var input = form.querySelector('input[name=q]');
    var filters = form.querySelector('.filters');
    var old = document.getElementById('search-results');
    var root = el('div', { id: 'search-live', class: 'search-live' });
    var status = el('p', { class: 'lead', role: 'status', 'aria-live': 'polite', 'aria-atomic': 'true' });
    var layout = el('div', { class: 'search-layout' });
    // Facets fold away on phones, where they would push the results below the screen.
    var facetBox = el('details', { class: 'facets', hidden: '' });
    // A multi-level repository under qingdan serve: the scope control (本级 / 全部区划).
    var scopes = form.querySelectorAll('input[name=scope]');
    function facetTitle() {
      return state.scope === 'all' ? '按区划、职权类别筛选' : '按部门、职权类别筛选';
    }
    facetBox.appendChild(el('summary', {}, '按部门、职权类别筛选'));
    if (!window.matchMedia || window.matchMedia('(min-width: 40rem)').matches) facetBox.open = true;
    var list = el('ol', { class: 'results' });
    var more = el('button', { type: 'button', class: 'more' }, '显示更多结果');
    var resultsBox = el('div', { class: 'search-main' });
    resultsBox.appendChild(list);
    resultsBox.appendChild(more);
    layout.appendChild(facetBox);
    layout.appendChild(resultsBox);
    root.appendChild(status);
    root.appendChild(layout);
    more.hidden = true;
    var params = new URLSearchParams(location.search);
    var state = {
      q: params.get('q') || input.value || '',
      department: params.get('department') || '',
      category: params.get('category') || '',
      scope: scopes.length && params.get('scope') === 'all' ? 'all' : '',
      level: params.get('level') || '',
      j: params.get('j') || '',
      shown: 0,
    };
    function req(extra) {
      var r = { q: state.q, department: state.department, category: state.category, offset: 0 };
      if (state.scope === 'all') {
        r.scope = 'all';
        r.level = state.level;
        r.j = state.j;
      }
      Object.keys(extra || {}).forEach(function (k) { r[k] = extra[k]; });
      return r;
    }
    Array.prototype.forEach.call(scopes, function (radio) {
      radio.addEventListener('change', function () {
        if (!radio.checked) return;
        state.scope = radio.value === 'all' ? 'all' : '';
        // Departments, levels and jurisdictions of one scope mean nothing in the other.
        state.department = state.level = state.j = '';
        run(false);
      });
    });
    input.value = state.q;
    if (filters) filters.hidden = true;
    // The results the server rendered stay until this script has its own (no empty flash).
    if (old && old.querySelector('.results li')) {
      root.hidden = true;
      old.after(root);
    } else if (old) {
      old.replaceWith(root);
      old = null;
    } else {
      form.after(root);
    }
    function shown() {
      if (old) {
        old.remove();
        old = null;
        root.hidden = false;
      }
    }
    var seq = 0;

    function url() {
      var p = new URLSearchParams();
      if (state.q) p.set('q', state.q);
      if (state.department) p.set('department', state.department);
      if (state.category) p.set('category', state.category);
      if (state.scope === 'all') {
        p.set('scope', 'all');
        if (state.level) p.set('level', state.level);
        if (state.j) p.set('j', state.j);
      }
      var s = p.toString();
      return location.pathname + (s ? '?' + s : '');
    }

    function facetGroup(title, key, items, total) {
      var sec = el('section', { class: 'facet', 'aria-label': title });
      sec.appendChild(el('h2', {}, title));
      var ul = el('ul');
      var all = [{ value: '', name: '全部', count: total }].concat(items.map(function (f) {
        var value = key === 'department' || key === 'j' ? f.id : f.name;
        return { value: value, name: f.name, count: f.count };
      }));
      all.forEach(function (f) {
        var li = el('li');
        var b = el('button', {
          type: 'button', 'data-facet': key, 'data-value': f.value,
          'aria-pressed': String(state[key] === f.value),
        });
        b.appendChild(document.createTextNode(f.name + ' '));
        b.appendChild(el('span', { class: 'count' }, String(f.count)));
        b.addEventListener('click', function () {
          state[key] = f.value;
          // A department belongs to one jurisdiction: choosing another place forgets it.
          if (key === 'j' || key === 'level') state.department = '';
          run(false, { key: key, value: f.value });
        });
        li.appendChild(b);
        ul.appendChild(li);
      });
      sec.appendChild(ul);
      return sec;
    }

    // The search log under qingdan serve counts searches, not keystrokes: requests made while
    // typing, for a facet or for more results are sent as live; a query counts once it is
    // submitted, or when typing has stopped for 2 s. The page as loaded was counted by the
    // server that rendered it.
    var counted = state.q.trim();
    var settleTimer = null;
    function count() {
      clearTimeout(settleTimer);
      var q = state.q.trim();
      if (!q || q === counted) return false;
      counted = q;
      return true;
    }
    function settleLater() {
      clearTimeout(settleTimer);
      settleTimer = setTimeout(function () {
        if (!count()) return;
        getBackend().then(function (search) {
          if (search.counts) {
            search(req()).catch(function () {});
          }
        });
      }, 2000);
    }

    function run(append, refocus, live) {
      var mine = ++seq;
      var q = state.q;
      history.replaceState(null, '', url());
      if (!q.trim()) {
        shown();
        status.textContent = '';
        list.textContent = '';
        facetBox.textContent = '';
        facetBox.hidden = true;
        more.hidden = true;
        return Promise.resolve();
      }
      var offset = append ? state.shown : 0;
      return getBackend()
        .then(function (search) {
          return search(req({ q: q, limit: PAGE, offset: offset, live: live !== false }));
        })
        .then(function (r) {
          if (mine !== seq) return;
          shown();
          if (!append) {
            list.textContent = '';
            state.shown = 0;
          }
          list.setAttribute('start', '1');
          r.hits.forEach(function (h) { list.appendChild(hitItem(h, r, true)); });
          state.shown += r.hits.length;
          more.hidden = state.shown >= r.total || !r.hits.length;
          status.textContent = statusText(r, q);
          if (!append) {
            facetBox.textContent = '';
            facetBox.appendChild(el('summary', {}, facetTitle()));
            var f = r.facets || { department: [], category: [] };
            var sum = function (list) { return (list || []).reduce(function (s, x) { return s + x.count; }, 0); };
            var byDept = sum(f.department);
            var byCat = sum(f.category);
            facetBox.hidden = !(r.total || state.department || state.category || state.level || state.j);
            if (!facetBox.hidden) {
              if (f.level) {
                // The whole tree: levels, then jurisdictions (counted within the level chosen).
                var byLevel = sum(f.level);
                var inLevel = state.level
                  ? sum(f.level.filter(function (x) { return x.name === state.level; }))
                  : byLevel;
                facetBox.appendChild(facetGroup('区划层级', 'level', f.level, byLevel));
                facetBox.appendChild(facetGroup('区划', 'j', f.jurisdiction || [], inLevel));
              }
              if (!f.level || state.j) {
                facetBox.appendChild(facetGroup('部门', 'department', f.department, byDept));
              }
              facetBox.appendChild(facetGroup('职权类别', 'category', f.category, byCat));
            }
            if (refocus) {
              var sel = '[data-facet="' + refocus.key + '"][data-value="' + CSS.escape(refocus.value) + '"]';
              var b = facetBox.querySelector(sel);
              if (b) b.focus();
            }
          }
        })
        .catch(function () {
          if (mine === seq) status.textContent = statusText(null, q);
        });
    }

    var live = debounce(function () {
      state.q = input.value;
      run(false);
      settleLater();
    }, 200);
    input.addEventListener('input', live);
    form.addEventListener('submit', function (e) {
      e.preventDefault();
      state.q = input.value;
      run(false, null, !count());
    });
    more.addEventListener('click', function () {
      var first = state.shown;
      run(true).then(function () {
        var a = list.children[first] && list.children[first].querySelector('a');
        if (a) a.focus();
      });
    });
    run(false);
  }

  // The header box elsewhere: the best few results under it as you type.
  function headerBox(form) {
    var input = form.querySelector('input[name=q]');
    if (!input) return;
    var panel = el('div', { id: 'q-suggest', class: 'suggest', hidden: '' });
    var status = el('p', { class: 'suggest-status', role: 'status', 'aria-live': 'polite' });
    var list = el('ul');
    var all = el('a', { class: 'suggest-all' });
    panel.appendChild(status);
    panel.appendChild(list);
    panel.appendChild(all);
    form.after(panel);
    input.setAttribute('aria-controls', 'q-suggest');
    var seq = 0;
    function close() {
      panel.hidden = true;
    }
    var live = debounce(function () {
      var q = input.value;
      var mine = ++seq;
      if (!q.trim()) {
        close();
        status.textContent = '';
        return;
      }
      getBackend()
        .then(function (search) { return search({ q: q, limit: 5, offset: 0, live: true }); })
        .then(function (r) {
          if (mine !== seq) return;
          list.textContent = '';
          r.hits.slice(0, 5).forEach(function (h) { list.appendChild(hitItem(h, r, false)); });
          status.textContent = statusText(r, q);
          all.textContent = r.total > 5 ? '查看全部 ' + r.total + ' 个结果' : '在搜索页查看';
          all.href = form.getAttribute('action') + '?q=' + encodeURIComponent(q);
          panel.hidden = false;
        })
        .catch(function () {
          if (mine === seq) {
            status.textContent = statusText(null, q);
            panel.hidden = false;
          }
        });
    }, 200);
    input.addEventListener('input', live);
    function onKey(e) {
      if (e.key === 'Escape' && !panel.hidden) {
        close();
        input.focus();
      } else if (e.key === 'ArrowDown' && !panel.hidden) {
        var first = panel.querySelector('a');
        if (first) {
          e.preventDefault();
          first.focus();
        }
      }
    }
    input.addEventListener('keydown', onKey);
    panel.addEventListener('keydown', onKey);
    document.addEventListener('click', function (e) {
      if (!panel.contains(e.target) && !form.contains(e.target)) close();
    });
  }

  function init() {
    var page = document.querySelector('form[data-search-page]');
    if (page) searchPage(page);
    var header = document.querySelector('form.search-form');
    if (header && !page) headerBox(header);
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
  else init();
})();
