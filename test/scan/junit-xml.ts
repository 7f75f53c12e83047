/**
 * A strict reader of the JUnit XML subset CI tools consume (testsuites › testsuite › testcase ›
 * failure|error): checks the document is well-formed XML — one root, balanced tags, quoted
 * attributes, only the predefined entities, no stray `<` or `&` — and returns the suites.
 */

export interface JunitCase {
  name: string;
  failures: { type: string; message: string; text: string }[];
  error: boolean;
}
export interface JunitSuite {
  name: string;
  tests: number;
  failures: number;
  errors: number;
  cases: JunitCase[];
}

const TAG = /<(\/?)([A-Za-z_][\w.-]*)((?:\s+[A-Za-z_][\w.:-]*="[^"<]*")*)\s*(\/?)>/y;
const ATTR = /([A-Za-z_][\w.:-]*)="([^"<]*)"/g;
const ENTITY = /&(?!(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/;

function decode(text: string): string {
  return text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&#(\d+);/g, (_, n: string) => String.fromCodePoint(Number(n)))
    .replace(/&amp;/g, '&');
}

interface Element {
  name: string;
  attrs: Record<string, string>;
  children: Element[];
  text: string;
}

export function parseXml(xml: string): Element {
  let i = 0;
  const prolog = /^<\?xml[^?]*\?>\s*/.exec(xml);
  if (prolog !== null) i = prolog[0].length;
  const stack: Element[] = [];
  let root: Element | undefined;
  while (i < xml.length) {
    const lt = xml.indexOf('<', i);
    const text = xml.slice(i, lt < 0 ? xml.length : lt);
    if (ENTITY.test(text)) throw new Error(`bad entity near offset ${i}`);
    if (stack.length === 0 && text.trim() !== '') throw new Error(`text outside the root at ${i}`);
    if (stack.length > 0) (stack[stack.length - 1] as Element).text += decode(text);
    if (lt < 0) break;
    TAG.lastIndex = lt;
    const m = TAG.exec(xml);
    if (m === null) throw new Error(`malformed tag at offset ${lt}: ${xml.slice(lt, lt + 40)}`);
    const [whole, closing, name, attrText, selfClosing] = m as unknown as [
      string,
      string,
      string,
      string,
      string,
    ];
    i = lt + whole.length;
    if (closing === '/') {
      const open = stack.pop();
      if (open?.name !== name) throw new Error(`</${name}> closes <${open?.name ?? 'nothing'}>`);
      continue;
    }
    const attrs: Record<string, string> = {};
    for (const a of attrText.matchAll(ATTR)) {
      if (ENTITY.test(a[2] as string)) throw new Error(`bad entity in attribute ${a[1]}`);
      attrs[a[1] as string] = decode(a[2] as string);
    }
    const element: Element = { name, attrs, children: [], text: '' };
    if (stack.length > 0) (stack[stack.length - 1] as Element).children.push(element);
    else if (root !== undefined) throw new Error('more than one root element');
    else root = element;
    if (selfClosing !== '/') stack.push(element);
  }
  if (stack.length > 0 || root === undefined) throw new Error('unclosed elements or no root');
  return root;
}

export function parseJunit(xml: string): JunitSuite[] {
  const root = parseXml(xml);
  if (root.name !== 'testsuites') throw new Error(`root is <${root.name}>, not <testsuites>`);
  return root.children.map((suite) => {
    if (suite.name !== 'testsuite') throw new Error(`<${suite.name}> in <testsuites>`);
    return {
      name: suite.attrs.name ?? '',
      tests: Number(suite.attrs.tests),
      failures: Number(suite.attrs.failures),
      errors: Number(suite.attrs.errors),
      cases: suite.children.map((c) => ({
        name: c.attrs.name ?? '',
        failures: c.children
          .filter((f) => f.name === 'failure')
          .map((f) => ({ type: f.attrs.type ?? '', message: f.attrs.message ?? '', text: f.text })),
        error: c.children.some((f) => f.name === 'error'),
      })),
    };
  });
}
