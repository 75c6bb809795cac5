/**
 * The console's stylesheet: plain CSS, served from /console/assets/console.css (no framework, no
 * inline styles, so the CSP allows styles from 'self' only). Kept in a module so it ships in the
 * build like the code. Colours meet WCAG AA contrast on their backgrounds.
 */
export const CONSOLE_CSS = `
:root { --fg:#1b1f24; --muted:#57606a; --bg:#ffffff; --panel:#f6f8fa; --line:#d0d7de; --accent:#0a58ca;
  --danger:#a40e26; --ok:#116329; --warn-bg:#fff3bf; --warn-fg:#4d3800; --prod-bg:#a40e26; --prod-fg:#ffffff;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; font-size: 16px; line-height: 1.45; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--fg); background: var(--bg); }
a { color: var(--accent); }
a:focus-visible, button:focus-visible, input:focus-visible, select:focus-visible, summary:focus-visible,
pre:focus-visible, main:focus-visible { outline: 3px solid #fd8c00; outline-offset: 2px; }
.skip { position: absolute; left: -999px; top: 0; background: var(--fg); color: #fff; padding: .5rem 1rem; z-index: 10; }
.skip:focus { left: 0; }
.env-banner { background: var(--warn-bg); color: var(--warn-fg); font-weight: 700; text-align: center; padding: .35rem 1rem;
  letter-spacing: .02em; }
.env-banner.production { background: var(--prod-bg); color: var(--prod-fg); font-size: 1.05rem; padding: .6rem 1rem; }
body.env-production .top { border-bottom: 4px solid var(--prod-bg); }
.top { display: flex; flex-wrap: wrap; gap: .75rem 1.5rem; align-items: center; padding: .6rem 1rem;
  border-bottom: 1px solid var(--line); }
.brand { font-weight: 800; font-size: 1.15rem; text-decoration: none; color: var(--fg); }
.switcher { display: flex; flex-wrap: wrap; gap: .4rem; align-items: center; }
.switcher label { font-size: .85rem; color: var(--muted); }
.who { margin-left: auto; display: flex; gap: .75rem; align-items: center; font-size: .9rem; color: var(--muted); }
.layout { display: grid; grid-template-columns: 13rem 1fr; min-height: calc(100vh - 6rem); }
nav[aria-label="Console"] { border-right: 1px solid var(--line); background: var(--panel); padding: 1rem .5rem; }
nav ul { list-style: none; margin: 0; padding: 0; }
nav a { display: block; padding: .45rem .75rem; border-radius: 6px; text-decoration: none; color: var(--fg); }
nav a[aria-current="page"] { background: var(--fg); color: #fff; }
main { padding: 1rem 1.5rem 3rem; min-width: 0; }
main.narrow { max-width: 28rem; margin: 3rem auto; }
h1 { font-size: 1.5rem; margin: .25rem 0 1rem; }
h2 { font-size: 1.1rem; margin: 0 0 .75rem; }
.panel { border: 1px solid var(--line); border-radius: 8px; padding: 1rem; margin: 0 0 1rem; background: var(--bg); }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(13rem, 1fr)); gap: .75rem; margin-bottom: 1rem; }
.card { border: 1px solid var(--line); border-radius: 8px; padding: .75rem 1rem; background: var(--panel); }
.card dt { font-size: .85rem; color: var(--muted); }
.card dd { margin: .2rem 0 0; font-size: 1.35rem; font-weight: 700; }
.card small { display: block; color: var(--muted); font-size: .8rem; font-weight: 400; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(18rem, 1fr)); gap: .75rem; }
.chart { margin: 0; border: 1px solid var(--line); border-radius: 8px; padding: .75rem; color: var(--accent); }
.chart svg { width: 100%; height: 80px; display: block; }
.chart figcaption { color: var(--muted); font-size: .85rem; margin-top: .4rem; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: .92rem; }
caption { text-align: left; font-weight: 600; padding: .25rem 0 .5rem; color: var(--muted); }
th, td { text-align: left; padding: .45rem .6rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: var(--panel); font-weight: 600; }
.num { font-variant-numeric: tabular-nums; }
.badge { display: inline-block; padding: .05rem .5rem; border-radius: 999px; font-size: .8rem; font-weight: 600;
  background: #eaeef2; color: var(--fg); }
.badge-active, .badge-succeeded, .badge-delivered { background: #dafbe1; color: var(--ok); }
.badge-grace, .badge-pending, .badge-trial { background: var(--warn-bg); color: var(--warn-fg); }
.badge-failed, .badge-suspended, .badge-cancelled, .badge-expired, .badge-refunded { background: #ffebe9; color: var(--danger); }
.field { display: flex; flex-direction: column; gap: .2rem; margin-bottom: .75rem; }
.field label { font-weight: 600; font-size: .9rem; }
.hint { color: var(--muted); }
fieldset { border: 1px solid var(--line); border-radius: 6px; margin: 0 0 .75rem; padding: .5rem .75rem; }
legend { font-weight: 600; padding: 0 .25rem; }
.secret-row { display: flex; flex-wrap: wrap; gap: .5rem; }
.secret-row .field { flex: 1 1 12rem; }
.check { display: block; margin: .2rem 0; }
.confirm { display: inline-block; }
.confirm[open] form { display: block; margin-top: .3rem; }
details + form, details form.stack { margin-top: .5rem; }
input, select, textarea { font: inherit; padding: .45rem .55rem; border: 1px solid #8c959f; border-radius: 6px; max-width: 100%; }
button { font: inherit; padding: .45rem .9rem; border-radius: 6px; border: 1px solid var(--accent); background: var(--accent);
  color: #fff; cursor: pointer; }
button.secondary { background: var(--bg); color: var(--accent); }
button.danger { background: var(--danger); border-color: var(--danger); }
button.link { background: none; border: none; color: var(--accent); padding: 0; text-decoration: underline; }
form.inline { display: inline; }
form.stack { display: block; max-width: 32rem; }
.actions { display: flex; flex-wrap: wrap; gap: .5rem; align-items: flex-end; max-width: 100%; }
.actions form, .actions form.inline { display: flex; gap: .4rem; align-items: flex-end; flex-wrap: wrap; max-width: 100%; }
.actions .field { min-width: 0; max-width: 100%; }
select { width: auto; max-width: 100%; }
.notice { background: #dafbe1; color: var(--ok); padding: .6rem .8rem; border-radius: 6px; }
.error { background: #ffebe9; color: var(--danger); padding: .6rem .8rem; border-radius: 6px; }
.secret { font-family: ui-monospace, monospace; background: var(--warn-bg); color: var(--warn-fg); padding: .5rem; word-break: break-all; }
.empty { color: var(--muted); }
pre.json { background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: .75rem; overflow: auto;
  max-height: 28rem; font-size: .85rem; }
dl.props { display: grid; grid-template-columns: max-content 1fr; gap: .3rem 1rem; margin: 0; }
dl.props dt { color: var(--muted); }
dl.props dd { margin: 0; word-break: break-word; }
ol.timeline { list-style: none; padding: 0; margin: 0; border-left: 3px solid var(--line); }
ol.timeline li { padding: .35rem 0 .35rem 1rem; position: relative; }
ol.timeline .kind { font-weight: 600; }
details summary { cursor: pointer; color: var(--accent); }
@media (max-width: 760px) {
  .layout { grid-template-columns: 1fr; }
  nav[aria-label="Console"] { border-right: none; border-bottom: 1px solid var(--line); padding: .5rem; }
  nav ul { display: flex; flex-wrap: wrap; gap: .25rem; }
  main { padding: 1rem; }
  .who { margin-left: 0; }
  dl.props { grid-template-columns: 1fr; }
}
`;
