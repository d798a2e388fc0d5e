// The report's behaviour: the cluster list (search, filters, paging), and a cluster's details
// drawn from its JSON block when it is opened. Page text only ever goes through textContent
// and attribute setters: nothing read from the data is parsed as HTML.
(function () {
  "use strict";

  var PAGE = 200;
  var OPEN_PAIRS = 3;
  var TIMELINE_LANES = 60;
  var NUMBER = /\d+(?:[.,]\d+)*%?/g;

  var data = JSON.parse(document.getElementById("overview-data").textContent);
  var sites = data.sites;
  // [id, size, title, site, published, sites count, span seconds, site indexes, relations]
  var rows = data.clusters;
  var byId = new Map();
  rows.forEach(function (row) { byId.set(row[0], row); });

  var search = document.getElementById("search");
  var siteFilter = document.getElementById("site-filter");
  var relationFilter = document.getElementById("relation-filter");
  var tbody = document.querySelector("#clusters tbody");
  var more = document.getElementById("more");
  var shown = document.getElementById("shown");
  var overview = document.getElementById("overview");
  var sitesSection = document.getElementById("sites");
  var clusterSection = document.getElementById("cluster");
  var matching = rows;
  var drawn = 0;
  var haystacks = null;

  function el(tag, text, className) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (className) node.className = className;
    return node;
  }

  function svg(tag, attributes) {
    var node = document.createElementNS("http://www.w3.org/2000/svg", tag);
    Object.keys(attributes || {}).forEach(function (name) {
      node.setAttribute(name, String(attributes[name]));
    });
    return node;
  }

  function duration(seconds) {
    if (seconds === null || seconds === undefined) return "";
    if (seconds < 3600) return Math.round(seconds / 60) + " min";
    if (seconds < 48 * 3600) return (seconds / 3600).toFixed(1).replace(/\.0$/, "") + " h";
    return (seconds / 86400).toFixed(1).replace(/\.0$/, "") + " d";
  }

  function fillFilters() {
    var relations = new Set();
    rows.forEach(function (row) { row[8].forEach(function (r) { relations.add(r); }); });
    sites.forEach(function (name, index) {
      var option = el("option", name);
      option.value = String(index);
      siteFilter.appendChild(option);
    });
    Array.from(relations).sort().forEach(function (name) {
      var option = el("option", name);
      option.value = name;
      relationFilter.appendChild(option);
    });
  }

  function haystack(row) {
    return (row[2] + " " + row[7].map(function (s) { return sites[s]; }).join(" ")).toLowerCase();
  }

  function applyFilters() {
    var query = search.value.trim().toLowerCase();
    var site = siteFilter.value === "" ? null : Number(siteFilter.value);
    var relation = relationFilter.value;
    if (query && haystacks === null) haystacks = rows.map(haystack);
    matching = rows.filter(function (row, index) {
      if (site !== null && row[7].indexOf(site) < 0) return false;
      if (relation && row[8].indexOf(relation) < 0) return false;
      return !query || haystacks[index].indexOf(query) >= 0;
    });
    tbody.textContent = "";
    drawn = 0;
    drawMore();
  }

  function drawMore() {
    var end = Math.min(matching.length, drawn + PAGE);
    var fragment = document.createDocumentFragment();
    for (var i = drawn; i < end; i++) fragment.appendChild(listRow(matching[i]));
    tbody.appendChild(fragment);
    drawn = end;
    more.hidden = drawn >= matching.length;
    more.textContent = "Show " + Math.min(PAGE, matching.length - drawn) + " more";
    document.getElementById("empty").hidden = matching.length > 0;
    shown.textContent = "showing " + drawn.toLocaleString("en") + " of " +
      matching.length.toLocaleString("en") + " clusters";
  }

  function listRow(row) {
    var tr = el("tr");
    tr.appendChild(el("td", row[0], "n"));
    var title = el("td");
    var link = el("a", row[2]);
    link.href = "#cluster-" + row[0];
    title.appendChild(link);
    tr.appendChild(title);
    tr.appendChild(el("td", sites[row[3]]));
    tr.appendChild(el("td", row[4]));
    tr.appendChild(el("td", row[1] - 1, "n"));
    tr.appendChild(el("td", row[5], "n"));
    tr.appendChild(el("td", duration(row[6]), "n"));
    return tr;
  }

  // ----- one cluster -----

  function showCluster(id) {
    var block = document.getElementById("c" + id);
    var row = byId.get(id);
    if (!block || !row) return false;
    var detail = JSON.parse(block.textContent);
    clusterSection.textContent = "";
    var back = el("a", "\u2190 every cluster", "back");
    back.href = "#";
    clusterSection.appendChild(back);
    clusterSection.appendChild(el("h2", "Cluster " + id + ": " + row[2]));
    clusterSection.appendChild(el("p", summaryLine(row), "note"));
    clusterSection.appendChild(membersTable(detail));
    if (detail.size > detail.members.length) {
      clusterSection.appendChild(el("p", "An enormous cluster: the first " +
        detail.members.length + " of its " + detail.size.toLocaleString("en") +
        " members are listed here; the CSV report lists them all.", "note cap"));
    }
    clusterSection.appendChild(el("h3", "Timeline"));
    clusterSection.appendChild(timeline(detail));
    clusterSection.appendChild(el("h3", "Each copy beside the representative (the copy the others verify against)"));
    clusterSection.appendChild(legend());
    detail.copies.forEach(function (copy, index) {
      clusterSection.appendChild(pair(detail, copy, index < OPEN_PAIRS));
    });
    if (detail.copies.length < detail.size - 1) {
      clusterSection.appendChild(el("p", "The first " + detail.copies.length + " of " +
        (detail.size - 1).toLocaleString("en") + " copies are compared here.", "note cap"));
    }
    return true;
  }

  function summaryLine(row) {
    var text = (row[1] - 1) + (row[1] === 2 ? " copy" : " copies") + " of an article first on " +
      sites[row[3]] + (row[4] ? " (" + row[4] + ")" : "") + ", on " + row[5] +
      (row[5] === 1 ? " site" : " sites");
    if (row[6] !== null) text += "; " + duration(row[6]) + " from first to last";
    return text + ".";
  }

  function membersTable(detail) {
    var table = el("table", null, "list members");
    var head = el("tr");
    ["#", "Site", "Source", "Title", "Published", "Relation", "Similarity", "Containment",
      "Numbers changed", "Path or URL", "Language"].forEach(function (name) { head.appendChild(el("th", name)); });
    table.appendChild(el("thead")).appendChild(head);
    var body = el("tbody");
    var changed = new Map();
    detail.copies.forEach(function (copy) { changed.set(copy.member, copy.numbers.length); });
    detail.members.forEach(function (m, index) {
      // [site, source, title, published, time, relation, similarity, containment, path, url,
      //  lang]
      var tr = el("tr");
      tr.appendChild(el("td", index + 1, "n"));
      tr.appendChild(el("td", sites[m[0]]));
      tr.appendChild(el("td", m[1]));
      tr.appendChild(el("td", m[2]));
      tr.appendChild(el("td", m[3]));
      var relation = el("td");
      relation.appendChild(el("span", m[5], "badge " + (m[5] === "original" ? "original" : "")));
      tr.appendChild(relation);
      tr.appendChild(el("td", m[6].toFixed(3), "n"));
      tr.appendChild(el("td", m[7].toFixed(3), "n"));
      var numbers = el("td", null, "n");
      if (changed.get(index)) numbers.appendChild(el("span", changed.get(index), "badge numbers"));
      tr.appendChild(numbers);
      tr.appendChild(whereCell(m[8], m[9]));
      tr.appendChild(el("td", m[10]));
      body.appendChild(tr);
    });
    table.appendChild(body);
    return table;
  }

  function whereCell(path, url) {
    var cell = el("td", null, "path");
    if (/^https?:\/\//i.test(url)) {
      var link = el("a", url);
      link.href = url;
      link.rel = "noopener noreferrer";
      link.target = "_blank";
      cell.appendChild(link);
    } else {
      cell.textContent = path;
    }
    return cell;
  }

  function timeline(detail) {
    var dated = [];
    var undated = 0;
    detail.members.forEach(function (m, index) {
      if (m[4] === null) undated++;
      else dated.push({ time: m[4], site: sites[m[0]], index: index, when: m[3],
        original: m[5] === "original" });
    });
    var box = el("div");
    if (dated.length === 0) {
      box.appendChild(el("p", "No member states when it was published.", "note"));
      return box;
    }
    var lanes = dated.slice(0, TIMELINE_LANES);
    var first = Math.min.apply(null, lanes.map(function (d) { return d.time; }));
    var last = Math.max.apply(null, lanes.map(function (d) { return d.time; }));
    var width = 900, left = 190, right = 30, lane = 22, top = 10;
    var height = top + lanes.length * lane + 30;
    var span = Math.max(1, last - first);
    function x(time) { return left + (width - left - right) * (time - first) / span; }
    var chart = svg("svg", { viewBox: "0 0 " + width + " " + height, class: "timeline",
      role: "img" });
    chart.appendChild(svg("title")).textContent = "When each member was published";
    lanes.forEach(function (d, row) {
      var y = top + row * lane + lane / 2;
      chart.appendChild(svg("line", { x1: left, x2: width - right, y1: y, y2: y, class: "lane" }));
      var label = svg("text", { x: left - 8, y: y + 4, "text-anchor": "end", class: "label" });
      label.textContent = (d.index + 1) + ". " + shorten(d.site, 22);
      chart.appendChild(label);
      var dot = svg("circle", { cx: x(d.time), cy: y, r: 6,
        class: "dot" + (d.original ? " original" : "") });
      dot.appendChild(svg("title")).textContent = d.site + " " + d.when;
      chart.appendChild(dot);
    });
    var axis = top + lanes.length * lane + 16;
    [[first, "start"], [last, "end"]].forEach(function (tick) {
      var text = svg("text", { x: x(tick[0]), y: axis, "text-anchor": tick[1] });
      text.textContent = new Date(tick[0] * 1000).toISOString().slice(0, 16).replace("T", " ");
      chart.appendChild(text);
    });
    if (last > first) {
      var middle = svg("text", { x: (left + width - right) / 2, y: axis, "text-anchor": "middle" });
      middle.textContent = duration(last - first) + " from first to last";
      chart.appendChild(middle);
    }
    box.appendChild(chart);
    var notes = [];
    if (undated) notes.push(undated + " without a publication time");
    if (dated.length > lanes.length) notes.push("the first " + lanes.length + " dated shown");
    if (notes.length) box.appendChild(el("p", notes.join("; ") + ".", "note"));
    return box;
  }

  function shorten(text, length) {
    return text.length > length ? text.slice(0, length - 1) + "\u2026" : text;
  }

  function legend() {
    var p = el("p", null, "legend note");
    p.appendChild(el("span", "shared by both"));
    p.appendChild(el("span", "only in the representative", "only-original"));
    p.appendChild(el("span", "only in the copy", "only-copy"));
    p.appendChild(el("mark", "a number that differs", "num"));
    return p;
  }

  function pair(detail, copy, open) {
    var member = detail.members[copy.member];
    var box = el("details", null, "pair");
    box.id = "pair-" + copy.member;
    var summary = el("summary");
    summary.appendChild(el("strong", (copy.member + 1) + ". " + sites[member[0]]));
    summary.appendChild(document.createTextNode(" \u00b7 " + member[5] + " \u00b7 similarity " +
      member[6].toFixed(3) + " "));
    if (copy.numbers.length) {
      summary.appendChild(el("span", copy.numbers.length + (copy.numbers.length === 1 ?
        " number differs: " : " numbers differ: ") + copy.numbers.slice(0, 3).map(function (n) {
        return (n[0] || "\u2205") + " \u2192 " + (n[1] || "\u2205");
      }).join(", ") + (copy.numbers.length > 3 ? ", \u2026" : ""), "badge numbers"));
    }
    box.appendChild(summary);
    var drawnYet = false;
    function draw() {
      if (drawnYet) return;
      drawnYet = true;
      box.appendChild(sides(detail, copy, member));
    }
    box.addEventListener("toggle", function () { if (box.open) draw(); });
    if (open) {
      box.open = true;
      draw();
    }
    return box;
  }

  function sides(detail, copy, member) {
    var original = detail.original;
    var left = el("div", null, "side original");
    var right = el("div", null, "side copy");
    left.appendChild(el("h4", "Original: " + sites[detail.members[0][0]] + " " +
      detail.members[0][3]));
    right.appendChild(el("h4", "Copy: " + sites[member[0]] + " " + member[3]));
    copy.edits.forEach(function (edit) {
      var tag = edit[0];
      if (tag === "=") {
        var text = original.slice(edit[1], edit[2]);
        left.appendChild(document.createTextNode(text));
        right.appendChild(document.createTextNode(edit.length > 3 ? respelled(text, edit[3]) : text));
      } else if (tag === "-") {
        left.appendChild(el("span", original.slice(edit[1], edit[2]), "only-original"));
      } else if (tag === "+") {
        right.appendChild(el("span", edit[1], "only-copy"));
      } else {
        left.appendChild(replaced(original.slice(edit[1], edit[2]), "only-original"));
        right.appendChild(replaced(edit[3], "only-copy"));
      }
    });
    if (copy.truncated) {
      right.appendChild(el("p", "Compared on the first part of long bodies only.", "note"));
    }
    var box = el("div", null, "sides");
    box.appendChild(left);
    box.appendChild(right);
    return box;
  }

  // A shared passage as the copy spells it: [kept, "its characters", kept, ...] (see
  // _respelled in html_report.py), or its whole text.
  function respelled(text, spelling) {
    if (typeof spelling === "string") return spelling;
    var out = "";
    var at = 0;
    spelling.forEach(function (part) {
      if (typeof part === "number") {
        out += text.slice(at, at + part);
        at += part;
      } else {
        out += part;
        at += part.length;
      }
    });
    return out;
  }

  // A passage each side has in its own words: the numbers in it are what changed.
  function replaced(text, className) {
    var span = el("span", null, className);
    var at = 0;
    text.replace(NUMBER, function (number, offset) {
      if (offset > at) span.appendChild(document.createTextNode(text.slice(at, offset)));
      span.appendChild(el("mark", number, "num"));
      at = offset + number.length;
      return number;
    });
    if (at < text.length) span.appendChild(document.createTextNode(text.slice(at)));
    return span;
  }

  // ----- routing: #cluster-N opens a cluster, #sites the sites, anything else the list -----

  function route() {
    var match = /^#cluster-(\d+)$/.exec(location.hash);
    if (match && showCluster(Number(match[1]))) {
      overview.hidden = true;
      sitesSection.hidden = true;
      clusterSection.hidden = false;
      window.scrollTo(0, 0);
      return;
    }
    clusterSection.hidden = true;
    clusterSection.textContent = "";
    overview.hidden = false;
    sitesSection.hidden = false;
    if (location.hash === "#sites") sitesSection.scrollIntoView();
  }

  fillFilters();
  applyFilters();
  search.addEventListener("input", applyFilters);
  siteFilter.addEventListener("change", applyFilters);
  relationFilter.addEventListener("change", applyFilters);
  more.addEventListener("click", drawMore);
  if ("IntersectionObserver" in window) {
    new IntersectionObserver(function (entries) {
      if (entries[0].isIntersecting && !more.hidden && !overview.hidden) drawMore();
    }).observe(more);
  }
  window.addEventListener("hashchange", route);
  // The clusters' blocks follow this script: a cluster named in the address opens once the
  // whole page is read.
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", route);
  else route();
})();
