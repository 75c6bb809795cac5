/** Just enough XML writing for UBL: escaped text and attributes, elements skipped when empty. */
export function esc(value: string): string {
  return value
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;");
}

type Child = string | null | undefined | false;

/** `<name attrs>children</name>`; a null text or an element with no children is left out. */
export function el(name: string, attrs: Record<string, string | undefined>, ...children: Child[]): string {
  const kept = children.filter((c): c is string => typeof c === "string" && c.length > 0);
  if (kept.length === 0) return "";
  const a = Object.entries(attrs)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => ` ${k}="${esc(v!)}"`)
    .join("");
  return `<${name}${a}>${kept.join("")}</${name}>`;
}

/** A leaf element with escaped text, left out when the text is null or empty. */
export function leaf(name: string, text: string | number | null | undefined, attrs: Record<string, string> = {}) {
  if (text === null || text === undefined || text === "") return "";
  const a = Object.entries(attrs)
    .map(([k, v]) => ` ${k}="${esc(v)}"`)
    .join("");
  return `<${name}${a}>${esc(String(text))}</${name}>`;
}
