/** Text and attribute values in hand-written HTML (the report's front, the fleet index). */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
