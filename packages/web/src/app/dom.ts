// A tiny element builder, so views read as a tree instead of a sequence of createElement calls.

type Child = Node | string | null | undefined | false;
type Props = Record<string, string | number | boolean | undefined>;

/** Creates an element; props become attributes (`class`, `href`, `data-*` ...), `true` sets a boolean attribute. */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Props = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value === undefined || value === false) continue;
    node.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child);
  }
  return node;
}
