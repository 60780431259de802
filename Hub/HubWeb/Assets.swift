/// The UI's only stylesheet and script, compiled into the hub: it serves them itself, so the UI
/// works with no internet access (no CDN) and pages may forbid every other source (CSP).
enum Assets {
    static let css = #"""
    :root { --bg: #f6f7f9; --panel: #fff; --ink: #1d2330; --muted: #6b7385; --line: #e2e5eb; --accent: #2457c5;
            --ok: #1a7f4b; --okbg: #e3f5ea; --warn: #9a6200; --warnbg: #fff3d6; --bad: #b42318; --badbg: #fde7e5;
            --info: #1f5fbf; --infobg: #e4edfb; }
    * { box-sizing: border-box; }
    body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: var(--bg); }
    a { color: var(--accent); text-decoration: none; } a:hover { text-decoration: underline; }
    header.top { display: flex; align-items: center; gap: 24px; padding: 0 24px; height: 52px; background: #162035; color: #fff; }
    header.top .brand { color: #fff; font-weight: 700; font-size: 17px; }
    header.top nav { display: flex; gap: 4px; flex: 1; }
    header.top nav a { color: #c9d3e8; padding: 6px 12px; border-radius: 6px; }
    header.top nav a.active, header.top nav a:hover { background: #2a3753; color: #fff; text-decoration: none; }
    header.top .account { display: flex; gap: 12px; align-items: center; color: #c9d3e8; }
    button.link { background: none; border: 0; color: #c9d3e8; cursor: pointer; font: inherit; padding: 0; }
    main { max-width: 1280px; margin: 0 auto; padding: 24px; }
    h1 { font-size: 22px; margin: 0 0 16px; } h2 { font-size: 16px; margin: 28px 0 10px; }
    .panel { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 16px; }
    .cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(150px, 1fr)); gap: 12px; }
    .card { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 14px; }
    .card .n { font-size: 28px; font-weight: 700; } .card .l { color: var(--muted); }
    table { width: 100%; border-collapse: collapse; background: var(--panel); border: 1px solid var(--line); border-radius: 8px; overflow: hidden; }
    th, td { text-align: left; padding: 8px 10px; border-bottom: 1px solid var(--line); vertical-align: top; }
    th { background: #fafbfc; color: var(--muted); font-weight: 600; font-size: 12px; text-transform: uppercase; letter-spacing: .03em; }
    tr:last-child td { border-bottom: 0; }
    tr.flash td { animation: flash 1.5s; } @keyframes flash { from { background: #fff7c2; } to { background: transparent; } }
    .badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; font-weight: 600; }
    .badge.ok { color: var(--ok); background: var(--okbg); } .badge.warn { color: var(--warn); background: var(--warnbg); }
    .badge.bad { color: var(--bad); background: var(--badbg); } .badge.info { color: var(--info); background: var(--infobg); }
    .badge.muted { color: var(--muted); background: #eef0f3; }
    .chip { display: inline-block; padding: 0 6px; margin: 0 4px 2px 0; border: 1px solid var(--line); border-radius: 4px; font-size: 12px; background: #fafbfc; }
    .muted { color: var(--muted); }
    form.filters { display: flex; flex-wrap: wrap; gap: 10px; align-items: end; margin-bottom: 14px; }
    form.filters label { display: flex; flex-direction: column; font-size: 12px; color: var(--muted); gap: 2px; }
    input[type=text], input[type=password], select { font: inherit; padding: 6px 8px; border: 1px solid #c8cdd6; border-radius: 6px; background: #fff; }
    button, .button { font: inherit; padding: 6px 14px; border-radius: 6px; border: 1px solid #c8cdd6; background: #fff; cursor: pointer; }
    button.primary { background: var(--accent); color: #fff; border-color: var(--accent); }
    button.danger { color: var(--bad); border-color: #e7b4ae; }
    .actions { display: flex; gap: 8px; margin: 0 0 16px; }
    dl.facts { display: grid; grid-template-columns: 180px 1fr; gap: 6px 16px; margin: 0; }
    dl.facts dt { color: var(--muted); } dl.facts dd { margin: 0; }
    .notice { padding: 10px 14px; border-radius: 6px; margin: 0 0 14px; }
    .notice.error { background: var(--badbg); color: var(--bad); } .notice.info { background: var(--infobg); color: var(--info); }
    .notice.warn { background: var(--warnbg); color: var(--warn); }
    ul.tree, ul.tree ul { list-style: none; margin: 0; padding-left: 18px; }
    ul.tree { padding-left: 0; } ul.tree li { position: relative; padding: 3px 0 3px 14px; }
    ul.tree li::before { content: ""; position: absolute; left: 0; top: 0; bottom: 50%; width: 10px; border-left: 1px solid #c8cdd6; border-bottom: 1px solid #c8cdd6; }
    ul.tree .kind { font-weight: 600; }
    pre.diff { background: #0f1625; color: #d7deea; padding: 12px; border-radius: 6px; overflow: auto; font-size: 12px; max-height: 420px; }
    pre.diff .add { color: #7ee2a8; } pre.diff .del { color: #ff9b8f; }
    details summary { cursor: pointer; }
    .login { max-width: 380px; margin: 60px auto; } .login form { display: flex; flex-direction: column; gap: 12px; }
    .login label { display: flex; flex-direction: column; gap: 4px; color: var(--muted); }
    .or { text-align: center; color: var(--muted); margin: 14px 0; }
    .pager { margin-top: 12px; display: flex; gap: 12px; align-items: center; }
    #toast { position: fixed; right: 20px; bottom: 20px; max-width: 420px; }
    #toast div { background: #162035; color: #fff; padding: 10px 14px; border-radius: 6px; margin-top: 8px; box-shadow: 0 4px 16px rgba(0,0,0,.2); }
    #toast div.error { background: var(--bad); }
    .dot { display: inline-block; width: 9px; height: 9px; border-radius: 50%; margin-right: 6px; background: #b9c0cc; }
    .dot.on { background: #22a060; }
    .grid2 { display: grid; grid-template-columns: 1fr 1fr; gap: 16px; }
    """#

    static let js = #"""
    // Hawser web UI: actions call the REST API with the session cookie and the X-Hawser-Request
    // header (the hub refuses cookie-authenticated changes without it: CSRF); lists and app
    // pages follow the server-sent event stream.
    "use strict";
    function toast(text, error) {
      const box = document.getElementById("toast");
      const d = document.createElement("div");
      d.textContent = text;
      if (error) d.className = "error";
      box.appendChild(d);
      setTimeout(() => d.remove(), 6000);
    }
    async function api(method, path, body) {
      const r = await fetch(path, {
        method, credentials: "same-origin",
        headers: { "X-Hawser-Request": "1", "Content-Type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      let data = null;
      try { data = await r.json(); } catch (e) { data = null; }
      if (!r.ok) throw new Error((data && data.message) || (r.status + " " + r.statusText));
      return data;
    }
    const actions = {
      async sync(el) {
        const app = el.dataset.app;
        await api("POST", "/api/v1/applications/" + encodeURIComponent(app) + "/sync");
        toast("Sync of " + app + " started");
      },
      async refresh(el) {
        const app = el.dataset.app;
        await api("POST", "/api/v1/applications/" + encodeURIComponent(app) + "/refresh");
        toast("Refreshed " + app + " from Git");
      },
      async rollback(el) {
        const app = el.dataset.app, id = Number(el.dataset.id);
        if (!confirm("Roll " + app + " back to " + el.dataset.revision + "? Automated sync will be turned off, as in Argo CD.")) return;
        await api("POST", "/api/v1/applications/" + encodeURIComponent(app) + "/rollback", { id });
        toast("Rolling " + app + " back to " + el.dataset.revision + "; automated sync is now off");
        setTimeout(() => location.reload(), 1500);
      },
      async logout() {
        await fetch("/ui/logout", { method: "POST", credentials: "same-origin", headers: { "X-Hawser-Request": "1" } });
        location.href = "/ui/login";
      },
    };
    document.addEventListener("click", async (ev) => {
      const el = ev.target.closest("[data-action]");
      if (!el || !actions[el.dataset.action]) return;
      ev.preventDefault();
      el.disabled = true;
      try { await actions[el.dataset.action](el); } catch (e) { toast(e.message, true); }
      finally { el.disabled = false; }
    });
    function badge(kind, value) {
      const cls = { Synced: "ok", OutOfSync: "warn", Healthy: "ok", Progressing: "info", Degraded: "bad", Missing: "warn" }[value] || "muted";
      const s = document.createElement("span");
      s.className = "badge " + cls;
      s.dataset[kind] = value;
      s.textContent = value;
      return s;
    }
    function follow(url, onApp, onDeleted) {
      const es = new EventSource(url);
      es.addEventListener("app", (e) => onApp(JSON.parse(e.data)));
      es.addEventListener("deleted", (e) => onDeleted && onDeleted(JSON.parse(e.data)));
      return es;
    }
    // The applications list: rows change in place; apps that appear are announced.
    function liveList(table) {
      follow(table.dataset.stream, (app) => {
        const row = table.querySelector('tr[data-app="' + CSS.escape(app.spec.name) + '"]');
        if (!row) {
          const note = document.getElementById("live-note");
          if (note) { note.hidden = false; }
          return;
        }
        const set = (field, node) => { const td = row.querySelector('[data-field="' + field + '"]'); if (td) td.replaceChildren(node); };
        const before = row.dataset.state;
        set("sync", badge("sync", app.sync));
        set("health", badge("health", app.health));
        const rev = document.createElement("code");
        rev.textContent = (app.syncedRevision || "–").slice(0, 8);
        set("revision", rev);
        row.dataset.state = app.sync + "/" + app.health;
        if (before !== row.dataset.state) { row.classList.remove("flash"); void row.offsetWidth; row.classList.add("flash"); }
      }, (gone) => {
        const row = table.querySelector('tr[data-app="' + CSS.escape(gone.name) + '"]');
        if (row) row.remove();
      });
    }
    // An application's page: reloads (at most every 2 s) when its state changes.
    function liveApp(main) {
      let pending = null;
      follow(main.dataset.stream, (app) => {
        const state = [app.sync, app.health, app.syncedRevision || "", app.operationPhase || ""].join("|");
        if (state === main.dataset.state) return;
        main.dataset.state = state;
        if (!pending) pending = setTimeout(() => location.reload(), 2000);
      });
    }
    document.addEventListener("DOMContentLoaded", () => {
      const table = document.querySelector("table[data-stream]");
      if (table) liveList(table);
      const main = document.querySelector("main[data-stream]");
      if (main) liveApp(main);
    });
    """#
}
