// sanwu search (search.html only): the query is cut into the same character pairs as the index
// (render/search.py), pages holding every pair are candidates, and each candidate's text confirms
// the whole phrase. search.html?q=低保 searches at once. No eval, no WebAssembly, same origin only.
(function () {
  "use strict";
  var list = document.getElementById("search-results");
  var status = document.getElementById("search-status");
  var input = document.getElementById("q");
  var indexUrl = new URL(list.getAttribute("data-index"), window.location.href);
  var siteRoot = new URL("../", indexUrl);
  var index = null;
  var texts = {};

  function say(message) { status.textContent = message; }

  function normalize(text) {
    return text.normalize("NFKC").toLowerCase().replace(/\s+/g, " ").trim();
  }

  function pairs(word) {
    var chars = Array.from(word);
    if (chars.length === 1) { return chars; }
    var out = [];
    for (var i = 0; i + 1 < chars.length; i++) { out.push(chars[i] + chars[i + 1]); }
    return out;
  }

  function intersect(a, b) {
    var set = new Set(b);
    return a.filter(function (n) { return set.has(n); });
  }

  function candidates(words) {
    var found = null;
    words.forEach(function (word) {
      pairs(word).forEach(function (gram) {
        var pages = index.grams[gram] || [];
        found = found === null ? pages.slice() : intersect(found, pages);
      });
    });
    return found || [];
  }

  function text(n) {
    if (!texts[n]) {
      texts[n] = fetch(new URL("text/" + n + ".txt", indexUrl)).then(function (r) {
        if (!r.ok) { throw new Error(r.status); }
        return r.text();
      });
    }
    return texts[n];
  }

  // The page's text normalized one character at a time, with where each unit came from in the text as
  // written: the match is found in the normalized form, the excerpt is cut from the words on the page.
  function mapped(body) {
    var out = "";
    var at = [];
    for (var i = 0; i < body.length;) {
      var ch = String.fromCodePoint(body.codePointAt(i));
      var norm = ch.normalize("NFKC").toLowerCase();
      for (var k = 0; k < norm.length; k++) { at.push(i); }
      out += norm;
      i += ch.length;
    }
    at.push(body.length);
    return { text: out, at: at };
  }

  function snippet(body, word) {
    var m = mapped(body);
    var found = m.text.indexOf(word);
    var at = found >= 0 ? m.at[found] : 0;
    var end = found >= 0 ? m.at[found + word.length] : 0;
    var from = Math.max(0, at - 30);
    var to = Math.min(body.length, end + 50);
    return [(from > 0 ? "…" : "") + body.slice(from, at), body.slice(at, end),
      body.slice(end, to) + (to < body.length ? "…" : "")];
  }

  function show(query, hits) {
    list.textContent = "";
    hits.forEach(function (hit) {
      var page = index.pages[hit.n];
      var li = document.createElement("li");
      var link = document.createElement("a");
      link.href = new URL(page.url, siteRoot).href;
      link.textContent = page.title;
      link.className = "result-title";
      var meta = document.createElement("span");
      meta.className = "meta";
      meta.textContent = page.area + (page.date ? " · " + page.date : "");
      var excerpt = document.createElement("p");
      excerpt.className = "result-excerpt";
      var parts = snippet(hit.text, hit.word);
      var mark = document.createElement("mark");
      mark.textContent = parts[1];
      excerpt.append(parts[0], mark, parts[2]);
      li.append(link, meta, excerpt);
      list.append(li);
    });
    say(hits.length ? "“" + query + "”：找到 " + hits.length + " 个页面。" : "没有找到包含“" + query + "”的页面。");
  }

  function search(query) {
    var words = normalize(query).split(" ").filter(Boolean);
    if (!words.length) { list.textContent = ""; say("请输入要搜索的字词。"); return; }
    say("正在搜索…");
    var numbers = candidates(words);
    Promise.all(numbers.map(function (n) {
      return text(n).then(function (body) {
        var plain = normalize(body);
        var ok = words.every(function (word) { return plain.indexOf(word) >= 0; });
        return ok ? { n: n, text: body, word: words[0] } : null;
      });
    })).then(function (found) {
      show(query, found.filter(Boolean));
    }).catch(function () { say("搜索出错：无法读取搜索索引。"); });
  }

  if (window.location.protocol === "file:") {
    say("从本机文件打开时浏览器不允许搜索（无法读取索引）。请通过网站地址访问本站，或按栏目浏览。");
    input.disabled = true;
    return;
  }
  var first = new URLSearchParams(window.location.search).get("q") || "";
  input.value = first;
  say("正在载入搜索索引…");
  fetch(indexUrl).then(function (r) {
    if (!r.ok) { throw new Error(r.status); }
    return r.json();
  }).then(function (data) {
    index = data;
    if (first) { search(first); } else { say("请输入要搜索的字词。"); }
  }).catch(function () {
    say("无法载入搜索索引，暂时不能搜索。请按栏目浏览。");
  });
  function submit() {
    if (!index) { return; }
    var url = new URL(window.location.href);
    url.searchParams.set("q", input.value);
    window.history.replaceState(null, "", url);
    search(input.value);
  }
  document.getElementById("search-go").addEventListener("click", submit);
  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter") { event.preventDefault(); submit(); }
  });
})();
